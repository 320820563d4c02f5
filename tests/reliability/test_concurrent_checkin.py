"""Two devices submitting the same health check at once leave one current record, and both are told
their report arrived.

How a check is identified: by its episode, day and slot. ``HealthCheck`` has no client key; its partial
unique constraint ``check_one_current_per_slot`` allows one row with ``replaced_by`` NULL per (episode,
day, slot). A second submission of a slot is taken as a correction: it becomes the current check and
the earlier row stays as history pointing at it. So "one record" is one current check of the slot,
which every roster, count and alert reads; the other submission is its history, never a second current
check, and neither device gets an error.

PostgreSQL runs the submissions really at once: two threads through the service (``check_record``),
two threads through the self-report link (POST /r/<token>/), and two processes writing through
``selfreport.record_batch`` as two web processes do. SQLite has one writer at a time (every transaction
is BEGIN IMMEDIATE; a second writer waits on the busy timeout), so two devices are served one after the
other there: the sequential version runs on both engines.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from epigrid.monitoring.checks import check_record, link_create, link_resolve
from epigrid.monitoring.models import Episode, HealthCheck
from epigrid.monitoring.policy import current_policy
from epigrid.people.models import Person
from tests.reliability.conftest import ROOT, child_env, pg_url

at_once = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="writers at the same moment need PostgreSQL (SQLite: one writer)",
)
committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)
DONE_MARK = '<p class="ok">✓'


def _episode(person: Person) -> Episode:
    policy = current_policy()
    started = timezone.localdate() - dt.timedelta(days=3)
    return Episode.objects.create(
        person=person, district_id=person.district_id, town_id=person.town_id,
        village_id=person.village_id, grid_id=person.grid_id, household_id=person.household_id,
        kind=Episode.Kind.HOME, basis=Episode.Basis.OUTBREAK_RETURN, policy=policy, started_on=started,
        last_exposure=started, planned_end=started + dt.timedelta(days=policy.observation_days),
    )  # fmt: skip


def _at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released together; return their results in order (re-raise a failure)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    failures: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait()
            results[n] = calls[n]()
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise failures[0]
    return results


def _one_current(episode: Episode, slot: str, rows: int = 2) -> list[HealthCheck]:
    """Assert the slot holds ``rows`` entries, one current and every other pointing into the chain."""
    stored = list(HealthCheck.objects.filter(episode=episode, slot=slot).order_by("pk"))
    assert len(stored) == rows
    current = [c for c in stored if c.replaced_by_id is None]
    assert len(current) == 1
    assert {c.replaced_by_id for c in stored if c.replaced_by_id} <= {c.pk for c in stored}
    assert current[0].temperature == Decimal("36.6") and current[0].channel == HealthCheck.Channel.SELF
    return stored


@at_once
@committed
def test_two_devices_through_the_service_leave_one_current_check(world):
    episode = _episode(world.zhang)
    link, _token = link_create(actor=world.hq, episode=episode)
    day, moment = timezone.localdate(), timezone.now()

    def submit() -> HealthCheck:
        return check_record(
            actor=None, episode=episode, day=day, slot="am", temperature=Decimal("36.6"),
            channel=HealthCheck.Channel.SELF, recorded_at=moment, link=link,
        )  # fmt: skip

    first, second = _at_once([submit, submit])
    stored = _one_current(episode, "am")
    assert {first.pk, second.pk} == {c.pk for c in stored}


@at_once
@committed
def test_two_devices_through_the_link_leave_one_current_check(world):
    episode = _episode(world.zhang)
    _link, token = link_create(actor=world.hq, episode=episode)
    url = reverse("self_report", args=[token])

    def phone(address: str) -> Callable[[], tuple[int, str]]:
        def post() -> tuple[int, str]:
            response = Client(REMOTE_ADDR=address).post(url, {"temperature": "36.6", "went_out": "0"})
            return response.status_code, response.content.decode()

        return post

    answers = _at_once([phone("10.7.0.1"), phone("10.7.0.2")])
    assert [status for status, _body in answers] == [200, 200]
    assert all(DONE_MARK in body for _status, body in answers)
    [check] = HealthCheck.objects.filter(episode=episode, replaced_by__isnull=True)
    _one_current(episode, check.slot)


CHILD = """
import json, sys, time
from decimal import Decimal
import django
django.setup()
from django.db import connection
from django.utils import timezone
from epigrid.monitoring import selfreport
token, start = sys.argv[1], float(sys.argv[2])
link = selfreport.link_for_submission(token)
submission = selfreport.submission_prepare(
    link, slot="am", temperature=Decimal("36.6"), symptoms=[], went_out=False, address=sys.argv[3],
    moment=timezone.now(),
)
connection.ensure_connection()
ready = time.time() < start
time.sleep(max(0.0, start - time.time()))
selfreport.record_batch([submission])
check = submission.check.pk if submission.check else None
print(json.dumps({"check": check, "refused": submission.refused, "ready": ready}))
"""


@at_once
@committed
def test_two_processes_writing_the_same_check_at_once_leave_one_current_check(world, tmp_path):
    episode = _episode(world.zhang)
    _link, token = link_create(actor=world.hq, episode=episode)
    env = child_env(tmp_path, pg_url(str(connection.settings_dict["NAME"])))
    start = time.time() + 15  # both processes set up first, then write at this moment
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, token, str(start), f"10.8.0.{n}"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in (1, 2)
    ]
    outputs = [child.communicate(timeout=120) for child in children]
    assert [child.returncode for child in children] == [0, 0], [err[-1500:] for _out, err in outputs]
    answers = [json.loads(out.strip().splitlines()[-1]) for out, _err in outputs]
    assert all(a["ready"] for a in answers), "a process was not ready at the start: the machine is too busy"
    assert all(a["check"] is not None and a["refused"] == "" for a in answers)
    stored = _one_current(episode, "am")
    assert {a["check"] for a in answers} == {c.pk for c in stored}


def test_the_same_check_twice_in_a_row_leaves_one_current_check(world):
    """SQLite's version (one writer at a time): the second device's submission replaces the first."""
    episode = _episode(world.zhang)
    _link, token = link_create(actor=world.hq, episode=episode)
    url = reverse("self_report", args=[token])
    answers = [
        Client(REMOTE_ADDR=address).post(url, {"temperature": "36.6", "went_out": "0"})
        for address in ("10.9.0.1", "10.9.0.2")
    ]
    assert [a.status_code for a in answers] == [200, 200]
    assert all(DONE_MARK in a.content.decode() for a in answers)
    [current] = HealthCheck.objects.filter(episode=episode, replaced_by__isnull=True)
    stored = _one_current(episode, current.slot)
    assert stored[0].replaced_by_id == current.pk == stored[1].pk
    assert link_resolve(token) is not None
