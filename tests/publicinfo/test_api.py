"""The staff API of public information: draft (201, then 200), edit (422 naming the field, nothing
saved), publish (idempotent), withdraw, notices; only roles with publish_info, only in scope."""

from __future__ import annotations

import json

from epigrid.publicinfo.models import Bulletin
from tests.api.conftest import API, token_client
from tests.publicinfo.conftest import DAY, at


def _json(client, method: str, url: str, payload=None):
    return getattr(client, method)(url, data=json.dumps(payload or {}), content_type="application/json")


def test_bulletin_life(world, morning, classify):
    classify(world.zhang, "confirmed")
    morning.move_to(at(DAY, 19))
    client = token_client(world.hq)
    first = _json(client, "post", f"{API}/bulletins", {"region_id": world.district.pk})
    assert first.status_code == 201
    bulletin = first.json()
    assert bulletin["status"] == "draft" and "新增确诊病例1例" in bulletin["text"]
    again = _json(client, "post", f"{API}/bulletins", {"region_id": world.district.pk})
    assert again.status_code == 200 and again.json()["id"] == bulletin["id"]
    url = f"{API}/bulletins/{bulletin['id']}"
    bad = _json(client, "put", url, {"title": bulletin["title"], "text": f"患者{world.zhang.name}已治愈"})
    assert bad.status_code == 422
    (error,) = bad.json()["detail"]
    assert error["loc"][-1] == "text" and world.zhang.name not in error["msg"]
    assert Bulletin.objects.get(pk=bulletin["id"]).text == bulletin["text"]
    good = _json(client, "put", url, {"title": bulletin["title"], "text": bulletin["text"] + "\n特此通报。"})
    assert good.status_code == 200
    published = _json(client, "post", f"{url}/publish")
    assert published.json()["status"] == "published" and published.json()["number"] == 1
    assert _json(client, "post", f"{url}/publish").json()["number"] == 1
    listed = client.get(f"{API}/bulletins", {"region_id": world.district.pk}).json()
    assert [b["id"] for b in listed] == [bulletin["id"]]
    refused = _json(client, "post", f"{url}/withdraw", {"reason": ""})
    assert refused.status_code == 422
    assert _json(client, "post", f"{url}/withdraw", {"reason": "数据更正"}).json()["status"] == "withdrawn"


def test_a_future_day_is_422(world, morning):
    client = token_client(world.hq)
    response = _json(
        client, "post", f"{API}/bulletins", {"region_id": world.district.pk, "day": "2020-02-11"}
    )
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "day"


def test_roles_and_scope(world, morning):
    assert (
        token_client(world.village_leader)
        .get(f"{API}/bulletins", {"region_id": world.district.pk})
        .status_code
        == 403
    )
    officer = token_client(world.town_officer)
    assert officer.get(f"{API}/bulletins", {"region_id": world.district.pk}).status_code == 404
    assert officer.get(f"{API}/bulletins", {"region_id": world.town.pk}).status_code == 200


def test_notices(world, morning):
    client = token_client(world.hq)
    url = f"{API}/public-notices"
    region = {"region_id": world.district.pk}
    created = _json(
        client, "post", url, {**region, "kind": "hotline", "title": "区防控指挥部", "phone": "0571-12345678"}
    )
    assert created.status_code == 201
    notice = created.json()
    bad = _json(
        client,
        "post",
        url,
        {**region, "kind": "guidance", "title": "须知", "body": "身份证420106199001011234"},
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "body"
    changed = _json(
        client,
        "put",
        f"{API}/public-notices/{notice['id']}",
        {"kind": "hotline", "title": "热线", "phone": "12345"},
    )
    assert changed.status_code == 200 and changed.json()["phone"] == "12345"
    assert [
        n["id"] for n in client.get(f"{API}/public-notices", {"region_id": world.district.pk}).json()
    ] == [notice["id"]]


def test_a_notice_added_twice_with_one_key_is_added_once(world, morning):
    from epigrid.publicinfo.models import PublicNotice

    client = token_client(world.hq)
    url = f"{API}/public-notices"
    body = {"region_id": world.district.pk, "kind": "hotline", "title": "区防控指挥部",
            "phone": "0571-12345678", "idempotency_key": "n-1"}  # fmt: skip
    first = _json(client, "post", url, body)
    again = _json(client, "post", url, {**body, "title": "别的标题"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json() and again.json()["title"] == "区防控指挥部"
    assert list(PublicNotice.objects.values_list("title", flat=True)) == ["区防控指挥部"]


def test_a_notice_key_is_per_account_and_refused_in_another_region(world, morning):
    from epigrid.publicinfo.models import PublicNotice

    url = f"{API}/public-notices"
    body = {"kind": "hotline", "title": "热线", "phone": "12345", "idempotency_key": "k"}
    hq, town = token_client(world.hq), token_client(world.town_officer)
    assert _json(hq, "post", url, {**body, "region_id": world.district.pk}).status_code == 201
    assert _json(town, "post", url, {**body, "region_id": world.town.pk}).status_code == 201
    elsewhere = _json(hq, "post", url, {**body, "region_id": world.town.pk})
    assert elsewhere.status_code == 422
    assert [e["loc"] for e in elsewhere.json()["detail"]] == [["body", "payload", "idempotency_key"]]
    assert elsewhere.json()["detail"][0]["msg"] == "这个提交标识已用于另一条记录。"
    assert sorted(PublicNotice.objects.values_list("region_id", flat=True)) == sorted(
        [world.district.pk, world.town.pk]
    )
