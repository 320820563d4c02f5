"""Self-report submissions written in groups: one transaction for what arrives together, the shared rate
counter, refusals decided under the lock, and a failed group answered with a plain "try again"."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.db import DatabaseError, IntegrityError, connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from epigrid.core.models import AuditEvent, RateCount
from epigrid.core.ratelimit import count_shared
from epigrid.monitoring import selfreport
from epigrid.monitoring.checks import link_create, link_resolve, link_revoke
from epigrid.monitoring.models import Episode, HealthCheck
from epigrid.people.models import Person


@pytest.fixture(autouse=True)
def _fresh_counters():
    caches["default"].clear()
    yield
    caches["default"].clear()


def prepared(token: str, temperature: str = "36.6", address: str = "10.1.0.1", slot: str = "am"):
    link = link_resolve(token)
    assert link is not None
    return selfreport.submission_prepare(
        link, slot=slot, temperature=Decimal(temperature), symptoms=[], went_out=False, address=address,
        moment=timezone.now(),
    )  # fmt: skip


@pytest.fixture
def three_links(world, open_episode):
    tokens = []
    wang = Person.objects.get(name="王芳")
    for person in (world.zhang, world.li, wang):
        _link, token = link_create(actor=world.hq, episode=open_episode(person))
        tokens.append(token)
    return tokens


def test_a_group_is_written_in_one_transaction_in_arrival_order(three_links, django_assert_max_num_queries):
    a, b, c = three_links
    group = [prepared(a, "36.5"), prepared(b, "38.0"), prepared(a, "36.9"), prepared(c), prepared(a, "37.0")]
    # rate counter (+ sweep), lock, then per turn of a slot: retire, insert, re-point; audit, links
    with django_assert_max_num_queries(16):
        selfreport.record_batch(group)
    assert all(s.check is not None and not s.refused for s in group)
    episode_a = group[0].link.episode
    rows = list(HealthCheck.objects.filter(episode=episode_a).order_by("pk"))
    assert [r.temperature for r in rows] == [Decimal("36.5"), Decimal("36.9"), Decimal("37.0")]
    # one chain: 36.5 -> 36.9 -> 37.0 (current)
    assert [r.replaced_by_id for r in rows] == [rows[1].pk, rows[2].pk, None]
    assert HealthCheck.objects.filter(replaced_by__isnull=True).count() == 3
    assert group[1].check is not None and group[1].check.fever
    events = AuditEvent.objects.filter(object_type="health_check").order_by("pk")
    assert sorted(e.object_id for e in events) == sorted(str(s.check.pk) for s in group if s.check)
    assert {e.ip for e in events} == {"10.1.0.1"} and all(e.user_id is None for e in events)
    by_check = {e.object_id: e.detail for e in events}
    assert by_check[str(rows[1].pk)]["replaced"] == rows[0].pk
    assert by_check[str(rows[0].pk)] == {
        "episode": episode_a.pk, "person": episode_a.person_id, "day": rows[0].day.isoformat(), "slot": "am",
        "channel": "self", "replaced": None, "link": group[0].link.pk,
    }  # fmt: skip


def test_the_limit_is_shared_by_every_worker_process(three_links, monkeypatch):
    monkeypatch.setattr(selfreport, "SUBMIT_LIMIT", 3)
    a, b, _c = three_links
    first = [prepared(a, address="10.2.0.1") for _ in range(2)]
    selfreport.record_batch(first)  # one process
    caches["default"].clear()  # another process: its own memory counts nothing yet
    second = [prepared(b, address=address) for address in ("10.2.0.1", "10.2.0.1", "10.2.0.2")]
    selfreport.record_batch(second)
    assert [s.refused for s in first + second] == ["", "", "", selfreport.LIMITED, ""]
    assert second[1].check is None
    counters = dict(RateCount.objects.values_list("key", "count"))
    assert counters == {"10.2.0.1": 4, "10.2.0.2": 1}


def test_counters_of_ended_windows_are_swept(db, monkeypatch):
    RateCount.objects.create(scope=selfreport.RATE_SCOPE, key="10.3.0.1", bucket=1, count=5)
    monkeypatch.setattr("epigrid.core.ratelimit._last_swept", {})
    assert count_shared(selfreport.RATE_SCOPE, {"10.3.0.2": 2}, window=60) == {"10.3.0.2": 2}
    assert list(RateCount.objects.values_list("key", flat=True)) == ["10.3.0.2"]


def test_a_link_revoked_or_an_episode_closed_after_the_page_opened_is_refused(world, three_links):
    a, b, c = three_links
    group = [prepared(a), prepared(b), prepared(c)]
    link_revoke(actor=world.hq, link=group[0].link)
    Episode.objects.filter(pk=group[1].link.episode_id).update(status=Episode.Status.RELEASED)
    selfreport.record_batch(group)
    assert [s.refused for s in group] == [selfreport.CLOSED, selfreport.CLOSED, ""]
    assert HealthCheck.objects.count() == 1


def test_a_failed_group_tells_the_phone_to_try_again_and_keeps_nothing(three_links, monkeypatch):
    def broken(*args, **kwargs):
        raise DatabaseError("connection lost")

    monkeypatch.setattr(selfreport, "checks_write", broken)  # SQLite's writer
    monkeypatch.setattr(selfreport, "record_turn", broken)  # PostgreSQL's
    url = reverse("self_report", args=[three_links[0]])
    response = Client().post(url, {"temperature": "36.6"})
    assert response.status_code == 503
    body = response.content.decode()
    assert "暂时无法保存" in body and "connection lost" not in body
    assert HealthCheck.objects.count() == 0 and not AuditEvent.objects.filter(object_type="health_check")


def test_a_quiet_group_commit_writes_its_own_submission_at_once(three_links):
    calls: list[int] = []
    writer = selfreport.GroupCommit(lambda group: calls.append(len(group)) or selfreport.record_batch(group))
    done = writer.submit(prepared(three_links[0]))
    assert done.done and done.check is not None and calls == [1]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_submissions_share_commits_and_each_gets_its_own_answer(world, open_episode):
    tokens = [link_create(actor=world.hq, episode=open_episode(p))[1] for p in (world.zhang, world.li)]
    sizes: list[int] = []

    def slow_write(group):
        sizes.append(len(group))
        if len(sizes) == 1:
            time.sleep(0.3)  # the first group is slow: the other phones queue up behind it
        selfreport.record_batch(group)

    writer = selfreport.GroupCommit(slow_write)
    results: list[selfreport.Submission] = []
    failures: list[BaseException] = []

    def phone(n: int) -> None:
        try:
            submission = prepared(tokens[n % 2], f"36.{n}", address=f"10.4.0.{n}")
            results.append(writer.submit(submission))
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=phone, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(results) == 8 and all(r.check is not None for r in results)
    assert sum(sizes) == 8 and len(sizes) < 8  # some shared a commit
    assert len({r.check.pk for r in results if r.check}) == 8
    for token in tokens:
        link = link_resolve(token)
        assert link is not None
        rows = list(HealthCheck.objects.filter(episode_id=link.episode_id))
        assert len(rows) == 4 and sum(1 for r in rows if r.replaced_by_id is None) == 1
        assert len({r.replaced_by_id for r in rows if r.replaced_by_id}) == 3


def test_a_group_stores_what_the_orm_reads_back(three_links):
    link = link_resolve(three_links[0])
    assert link is not None
    moment = timezone.now()
    submission = selfreport.submission_prepare(
        link, slot="pm", temperature=Decimal("37.4"), symptoms=["fatigue", "cough"], went_out=True,
        address="10.5.0.1", moment=moment,
    )  # fmt: skip
    selfreport.record_batch([submission])
    stored = HealthCheck.objects.get()
    assert stored.pk == submission.check.pk if submission.check else False
    assert stored.symptoms == ["cough", "fatigue"]  # the policy's order
    assert stored.temperature == Decimal("37.4") and stored.fever and stored.went_out
    assert stored.recorded_at == moment and stored.day == timezone.localdate(moment)
    assert stored.entered_at is not None and stored.channel == HealthCheck.Channel.SELF
    assert stored.grid_id == link.episode.grid_id and stored.person_id == link.episode.person_id
    event = AuditEvent.objects.get(object_type="health_check")
    assert event.at is not None and event.detail["slot"] == "pm" and event.ip == "10.5.0.1"


def test_a_process_keeps_a_link_a_minute_and_forgets_it_when_refused(world, three_links):
    token = three_links[0]
    selfreport._links.clear()
    first = selfreport.link_for_submission(token)
    assert first is not None and selfreport.link_for_submission(token) is first  # no second lookup
    link_revoke(actor=world.hq, link=first)
    url = reverse("self_report", args=[token])
    response = Client().post(url, {"temperature": "36.6"})  # the kept copy is checked under the lock
    assert response.status_code == 404 and HealthCheck.objects.count() == 0
    assert selfreport.link_for_submission(token) is None
    assert Client().get(url).status_code == 404  # the page itself always looks the link up


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_processes_writing_one_slot_at_once_leave_one_chain(world, open_episode):
    """Two writers (as two web processes would have) race on the same person's slot."""
    token = link_create(actor=world.hq, episode=open_episode(world.zhang))[1]
    writers = [selfreport.GroupCommit(selfreport.record_batch) for _ in range(2)]
    barrier = threading.Barrier(8)
    results: list[selfreport.Submission] = []
    failures: list[BaseException] = []

    def phone(n: int) -> None:
        try:
            submission = prepared(token, f"36.{n}", address=f"10.6.0.{n}")
            barrier.wait()
            results.append(writers[n % 2].submit(submission))
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=phone, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == [] and [r.error for r in results] == [None] * 8
    rows = list(HealthCheck.objects.all())
    assert len(rows) == 8 and sum(1 for r in rows if r.replaced_by_id is None) == 1
    assert len({r.replaced_by_id for r in rows if r.replaced_by_id}) == 7  # one chain, no fork


def test_a_turn_that_meets_another_write_of_its_slot_is_written_the_slower_way(three_links, monkeypatch):
    def conflict(*args, **kwargs):
        raise IntegrityError("check_one_current_per_slot")

    monkeypatch.setattr(connection, "vendor", "postgresql")  # take the PostgreSQL path on any database
    monkeypatch.setattr(selfreport, "record_turn", conflict)
    group = [prepared(three_links[0], "36.5"), prepared(three_links[1], "36.7")]
    selfreport.record_batch(group)
    assert all(s.check is not None and not s.refused for s in group)
    assert HealthCheck.objects.count() == 2 and RateCount.objects.get().count == 2
