"""The residents' page of a community: no account, honeypot, minimum fill time, limits, flood, revocation."""

from __future__ import annotations

import time

from django.core import signing
from django.test import Client

from epigrid.clues.entries import FLOOD_LIMIT, EntryInput, entry_submit, link_revoke
from epigrid.clues.models import ResidentEntry
from epigrid.clues.public_views import STAMP_SALT
from epigrid.core.models import AuditEvent


def _url(token: str, **query: str) -> str:
    suffix = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/clues/p/{token}/" + (f"?{suffix}" if suffix else "")


def _stamp(link, age: int = 30) -> str:
    return signing.dumps([link.pk, int(time.time()) - age], salt=STAMP_SALT)


def _returnee(link, **extra: str) -> dict[str, str]:
    data = {
        "kind": "returnee", "t": _stamp(link), "name": "孙红", "phone": "139 1111 2222", "origin": "湖北武汉",
        "arrived_on": "2020-01-25", "address": "三组12号", "website": "",
    }  # fmt: skip
    data.update(extra)
    return data


def test_the_page_is_small_has_its_own_csp_and_shows_nothing_personal(world, link_a):
    _link, token = link_a
    response = Client().get(_url(token))
    body = response.content.decode()
    assert response.status_code == 200
    assert len(response.content) < 30_000
    assert "甲村" in body and 'name="website"' in body and "<script" not in body
    csp = response["Content-Security-Policy"]
    assert "style-src 'nonce-" in csp and "script-src" in csp
    assert response["Referrer-Policy"] == "no-referrer" and "no-cache" in response["Cache-Control"]
    for name in ("张伟", "李娜", "王芳"):
        assert name not in body
    assert 'lang="en"' in Client().get(_url(token, lang="en")).content.decode()


def test_each_kind_has_its_form(world, link_a):
    _link, token = link_a
    assert 'name="origin"' in Client().get(_url(token, k="returnee")).content.decode()
    assert 'name="temperature"' in Client().get(_url(token, k="fever")).content.decode()
    assert 'name="clue_kind"' in Client().get(_url(token, k="clue")).content.decode()


def test_a_returnee_lands_in_the_review_list(world, link_a):
    link, token = link_a
    response = Client(REMOTE_ADDR="10.1.0.1").post(_url(token), _returnee(link))
    assert response.status_code == 200 and "已收到" in response.content.decode()
    entry = ResidentEntry.objects.get()
    assert (entry.kind, entry.name, entry.phone, entry.origin) == (
        "returnee",
        "孙红",
        "13911112222",
        "湖北武汉",
    )
    assert entry.village == world.village_a and entry.status == "pending" and not entry.quarantined
    event = AuditEvent.objects.get(object_type="resident_entry")
    assert "13911112222" not in str(event.detail) and "孙红" not in str(event.detail)


def test_the_same_report_twice_is_one_entry(world, link_a):
    link, token = link_a
    client = Client(REMOTE_ADDR="10.1.0.2")
    assert client.post(_url(token), _returnee(link)).status_code == 200
    assert client.post(_url(token), _returnee(link)).status_code == 200
    assert ResidentEntry.objects.count() == 1


def test_a_wrong_field_is_named_and_nothing_is_written(world, link_a):
    link, token = link_a
    response = Client().post(_url(token), _returnee(link, origin="", phone="12345"))
    body = response.content.decode()
    assert response.status_code == 400
    assert "请填写从何地返回" in body and "联系电话无效" in body and 'value="孙红"' in body
    assert not ResidentEntry.objects.exists()
    fever = Client().post(
        _url(token), {"kind": "fever", "t": _stamp(link), "name": "孙红", "temperature": "高"}
    )
    assert fever.status_code == 400 and "体温应为数字" in fever.content.decode()


def test_the_honeypot_answers_received_and_writes_nothing(world, link_a):
    link, token = link_a
    response = Client().post(_url(token), _returnee(link, website="http://spam.example"))
    assert response.status_code == 200 and "已收到" in response.content.decode()
    assert not ResidentEntry.objects.exists()


def test_a_form_sent_too_fast_or_with_a_forged_stamp_is_shown_again(world, link_a):
    link, token = link_a
    fast = Client().post(_url(token), _returnee(link, t=_stamp(link, age=0)))
    assert fast.status_code == 400 and "提交太快了" in fast.content.decode()
    forged = Client().post(_url(token), _returnee(link, t="forged"))
    assert forged.status_code == 400 and "页面已过期" in forged.content.decode()
    assert 'value="孙红"' in forged.content.decode()
    assert not ResidentEntry.objects.exists()


def test_one_address_is_limited(world, link_a):
    link, token = link_a
    client = Client(REMOTE_ADDR="10.1.0.3")
    statuses = [client.post(_url(token), _returnee(link, name=f"孙红{i}")).status_code for i in range(8)]
    assert statuses[:6] == [200] * 6 and statuses[6:] == [429, 429]
    assert ResidentEntry.objects.count() == 6
    other = Client(REMOTE_ADDR="10.1.0.4").post(_url(token), _returnee(link, name="钱亮"))
    assert other.status_code == 200


def test_the_shared_address_limit_refuses_without_writing(world, link_a):
    link, _token = link_a
    for i in range(10):
        entry_submit(
            link=link,
            data=EntryInput(kind="clue", clue_kind="rumour", description=f"谣言{i}"),
            address="9.9.9.9",
        )
    refused = entry_submit(
        link=link, data=EntryInput(kind="clue", clue_kind="rumour", description="再一条"), address="9.9.9.9"
    )
    assert refused.refused == "limited" and refused.entry is None
    assert ResidentEntry.objects.count() == 10


def test_a_flood_is_kept_but_quarantined_apart(world, link_a):
    link, _token = link_a
    for i in range(FLOOD_LIMIT + 3):
        result = entry_submit(
            link=link,
            data=EntryInput(kind="clue", clue_kind="other", description=f"刷屏{i}"),
            address=f"10.2.{i}.1",
        )
        assert result.created
    flags = list(ResidentEntry.objects.order_by("id").values_list("quarantined", flat=True))
    assert flags == [False] * FLOOD_LIMIT + [True] * 3
    client = Client()
    client.force_login(world.village_leader)
    body = client.get("/clues/entries/").content.decode()
    genuine, _sep, apart = body.partition('class="list entries quarantined"')
    assert "刷屏0" in genuine and "刷屏22" in apart and "刷屏22" not in genuine


def test_a_revoked_or_unknown_link_gets_a_plain_page(world, link_a):
    link, token = link_a
    link_revoke(actor=world.village_leader, link=link)
    for response in (
        Client().get(_url(token)),
        Client().post(_url(token), _returnee(link)),
        Client().get(_url("guess")),
    ):
        body = response.content.decode()
        assert response.status_code == 404 and "链接无效或已收回" in body and "甲村" not in body
    assert not ResidentEntry.objects.exists()


def test_guessing_tokens_is_limited(world):
    guesser = Client(REMOTE_ADDR="10.3.0.1")
    statuses = {guesser.get(_url(f"guess-{i}")).status_code for i in range(25)}
    assert statuses == {404, 429}
