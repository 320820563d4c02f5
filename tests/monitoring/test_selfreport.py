"""Self-report links and the public page /r/<token>/: hash only, revocation, small page, languages,
rate limit, no identifiers, a clear confirmation, and one current check after a double submission."""

from __future__ import annotations

import hashlib
import threading
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.urls import reverse

from epigrid.core.models import AuditEvent
from epigrid.monitoring import selfreport, selfreport_views
from epigrid.monitoring.checks import check_record, link_create, link_resolve, link_revoke
from epigrid.monitoring.models import Episode, HealthCheck, ReportLink


@pytest.fixture(autouse=True)
def _fresh_counters():
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.fixture
def linked(world, open_episode):
    episode = open_episode(world.zhang)
    link, token = link_create(actor=world.grid_worker_a, episode=episode)
    return episode, link, token


def url(token: str) -> str:
    return reverse("self_report", args=[token])


def submit(client: Client, token: str, temperature: str = "36.6", **extra: object):
    return client.post(url(token), {"temperature": temperature, "went_out": "0", **extra})


def test_only_the_tokens_hash_is_stored(linked):
    _episode, link, token = linked
    assert len(token) >= 32
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = ReportLink.objects.filter(pk=link.pk).values_list()[0]
    assert token not in [str(v) for v in stored]
    assert link_resolve(token) == link
    assert link_resolve(token + "x") is None and link_resolve("") is None and link_resolve("a" * 500) is None


def test_a_new_link_revokes_the_old_one(world, linked):
    episode, _old, old_token = linked
    new, token = link_create(actor=world.grid_worker_a, episode=episode)
    assert link_resolve(old_token) is None and link_resolve(token) == new
    assert ReportLink.objects.filter(episode=episode, revoked_at__isnull=True).count() == 1
    assert AuditEvent.objects.filter(object_type="report_link").count() == 2


def test_revoked_and_forged_links_get_a_plain_page(world, linked):
    _episode, link, token = linked
    link_revoke(actor=world.grid_worker_a, link=link)
    client = Client()
    for bad in (token, "forged" + token[6:], "x"):
        for response in (client.get(url(bad)), submit(client, bad)):
            assert response.status_code == 404
            body = response.content.decode()
            assert "链接无效或已收回" in body and "张" not in body and "<form" not in body
    assert HealthCheck.objects.count() == 0


def test_a_closed_episodes_link_opens_nothing(linked):
    episode, _link, token = linked
    Episode.objects.filter(pk=episode.pk).update(status=Episode.Status.RELEASED)
    assert Client().get(url(token)).status_code == 404


def test_links_need_a_writer_in_scope(world, open_episode):
    episode = open_episode(world.zhang)
    for user in (world.grid_worker_b, world.department, world.outsider):
        with pytest.raises(PermissionDenied):
            link_create(actor=user, episode=episode)


def test_the_page_is_small_self_contained_and_shows_no_identifiers(world, linked):
    _episode, _link, token = linked
    response = Client().get(url(token))
    assert response.status_code == 200
    body = response.content.decode()
    assert len(response.content) < 30 * 1024
    assert "张*" in body and "张伟" not in body
    for identifier in (world.zhang.id_number, world.zhang.phone, world.hh_a1.address):
        assert not identifier or identifier not in body
    assert "<script" not in body and "http://" not in body and "https://" not in body
    assert 'type="number"' in body and 'min="34"' in body and 'max="43"' in body and 'step="0.1"' in body
    assert 'name="symptoms" value="cough"' in body and 'name="went_out"' in body
    assert "csrfmiddlewaretoken" not in body and "Set-Cookie" not in str(response.headers)
    assert not response.cookies
    csp = response.headers["Content-Security-Policy"]
    assert "style-src 'nonce-" in csp and "unsafe-inline" not in csp


def test_the_page_speaks_english_by_query_or_browser(linked):
    _episode, _link, token = linked
    by_query = Client().get(url(token) + "?lang=en").content.decode()
    by_header = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get(url(token)).content.decode()
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-CN").get(url(token)).content.decode()
    for body in (by_query, by_header):
        assert '<html lang="en">' in body and "Temperature" in body and "Cough" in body
        assert 'action="?lang=en"' in body
    assert '<html lang="zh-CN">' in chinese and "咳嗽" in chinese


def test_a_submission_is_recorded_and_confirmed(world, linked):
    episode, link, token = linked
    response = submit(Client(), token, "38.1", symptoms=["cough"], went_out="1")
    assert response.status_code == 200
    body = response.content.decode()
    check = HealthCheck.objects.get()
    assert check.channel == HealthCheck.Channel.SELF and check.recorded_by is None
    assert check.temperature == Decimal("38.1") and check.fever and check.went_out
    assert check.symptoms == ["cough"] and check.episode == episode and check.person == world.zhang
    assert "已收到您的报告" in body and "38.1 °C" in body and "咳嗽" in body
    assert check.recorded_at.astimezone().strftime("%H:%M")[:2] in body
    assert "网格员会尽快与您联系" in body  # abnormal: told what happens next
    assert "张伟" not in body
    link.refresh_from_db()
    assert link.last_used_at is not None
    event = AuditEvent.objects.get(object_type="health_check")
    assert event.user is None and "38.1" not in str(event.detail)


def test_a_bad_temperature_is_shown_back_with_the_message(linked):
    _episode, _link, token = linked
    for typed in ("44", "abc", "36.55", ""):
        response = submit(Client(), token, typed)
        assert response.status_code == 400
        assert 'role="alert"' in response.content.decode()
    assert "34.0至43.0" in submit(Client(), token, "30").content.decode()
    assert HealthCheck.objects.count() == 0


def test_a_double_post_leaves_one_current_check(linked):
    episode, _link, token = linked
    client = Client()
    assert submit(client, token, "36.6").status_code == 200
    assert submit(client, token, "36.6").status_code == 200
    assert HealthCheck.objects.filter(episode=episode).count() == 2
    assert HealthCheck.objects.filter(episode=episode, replaced_by__isnull=True).count() == 1


def test_many_submissions_from_one_address_are_limited_without_blocking_others(linked, monkeypatch):
    _episode, _link, token = linked
    monkeypatch.setattr(selfreport, "SUBMIT_LIMIT", 3)
    busy = Client(REMOTE_ADDR="10.0.0.1")
    statuses = [submit(busy, token).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert "提交过于频繁" in submit(busy, token).content.decode()
    assert submit(Client(REMOTE_ADDR="10.0.0.2"), token).status_code == 200
    assert Client(REMOTE_ADDR="10.0.0.1").get(url(token)).status_code == 200  # reading is not limited


def test_guessing_tokens_from_one_address_is_limited(db, monkeypatch):
    monkeypatch.setattr(selfreport_views, "UNKNOWN_LIMIT", 2)
    guesser = Client(REMOTE_ADDR="10.0.0.9")
    assert [guesser.get(url(f"guess{i}")).status_code for i in range(4)] == [404, 404, 429, 429]
    assert Client(REMOTE_ADDR="10.0.0.8").get(url("guess")).status_code == 404


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_entries_of_one_slot_leave_one_current_check(world, open_episode):
    episode = open_episode(world.zhang)
    from django.utils import timezone

    barrier = threading.Barrier(6)
    failures: list[BaseException] = []

    def enter(n: int) -> None:
        try:
            barrier.wait()
            check_record(
                actor=None, episode=episode, day=timezone.localdate(), slot="am",
                temperature=Decimal("36.0") + Decimal(n) / 10, channel=HealthCheck.Channel.SELF,
                recorded_at=timezone.now(),
            )  # fmt: skip
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=enter, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    rows = list(HealthCheck.objects.filter(episode=episode))
    assert len(rows) == 6
    current = [r for r in rows if r.replaced_by_id is None]
    assert len(current) == 1
    # The history is one chain: every other row points at a different row of the same slot.
    assert len({r.replaced_by_id for r in rows if r.replaced_by_id}) == 5


def test_the_link_page_shows_a_new_link_once_and_revokes(world, open_episode):
    episode = open_episode(world.zhang)
    client = Client()
    client.force_login(world.grid_worker_a)
    page = reverse("monitoring:link", args=[episode.pk])
    assert "尚无有效链接" in client.get(page).content.decode()
    body = client.post(page, {"action": "create"}).content.decode()
    link = ReportLink.objects.get(episode=episode, revoked_at__isnull=True)
    token = body.split("/r/")[1].split("/")[0]
    assert "<svg" in body and 'class="segno"' in body  # the QR code, inline
    assert link_resolve(token) == link
    assert token not in client.get(page).content.decode()  # shown once: only the hash is kept
    client.post(page, {"action": "revoke"})
    assert link_resolve(token) is None
    client.force_login(world.grid_worker_b)
    assert client.post(page, {"action": "create"}).status_code == 404


def test_a_submission_costs_a_fixed_handful_of_queries(linked, django_assert_max_num_queries):
    _episode, _link, token = linked
    client = Client()
    submit(client, token)  # the first entry of the slot
    # resolve, lock, retire the current row, insert, point it at the new one, touch the link, audit
    # (plus BEGIN/COMMIT or savepoints, which the counter also sees)
    with django_assert_max_num_queries(11):
        assert submit(client, token, "36.9").status_code == 200
