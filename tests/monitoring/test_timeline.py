"""The shared contact timeline: every stored contact with a person, who made it and how, and the last one.

Built by ``epigrid.monitoring.timeline.person_timeline``; shown on the person's page and the episode's
page (the API's ``GET /persons/{id}/timeline`` is tested in tests/api/test_person_timeline.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from epigrid.core.clock import local_today
from epigrid.core.models import AuditEvent
from epigrid.lists.models import ListBatch
from epigrid.monitoring.episodes import episode_extend, episode_start
from epigrid.monitoring.models import AlertAck, Episode, HealthCheck
from epigrid.monitoring.timeline import SOURCE_LIMIT, person_timeline
from epigrid.people.screening import EntryInput, screening_record


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def days_ago(n: int) -> dt.date:
    return local_today() - dt.timedelta(days=n)


def _check(episode, *, at, channel, by=None, slot="am", temperature="36.5", **extra) -> HealthCheck:
    return HealthCheck.objects.create(
        episode=episode, person=episode.person, grid_id=episode.grid_id, day=timezone.localdate(at),
        slot=slot, temperature=Decimal(temperature), channel=channel, recorded_by=by, recorded_at=at,
        **extra,
    )  # fmt: skip


def _ack(episode, *, at, action, by, kind="missed", note="") -> AlertAck:
    ack = AlertAck.objects.create(
        episode=episode, kind=kind, day=timezone.localdate(at), slot="pm", action=action, note=note,
        acknowledged_by=by,
    )  # fmt: skip
    AlertAck.objects.filter(pk=ack.pk).update(created_at=at)
    return AlertAck.objects.get(pk=ack.pk)


@pytest.fixture
def history(world):
    """张伟: put under observation by the village leader two days ago, then every kind of contact."""
    episode = episode_start(
        actor=world.village_leader,
        person=world.zhang,
        kind=Episode.Kind.HOME,
        basis=Episode.Basis.OUTBREAK_RETURN,
        arrival=days_ago(2),
    )
    start = timezone.now() - dt.timedelta(hours=30)
    Episode.objects.filter(pk=episode.pk).update(created_at=start, started_on=days_ago(2))
    episode.refresh_from_db()
    ListBatch.objects.filter(pk=world.hq_batch.pk).update(created_at=start - dt.timedelta(hours=1))
    visit = screening_record(
        actor=world.grid_worker_a,
        household=world.hh_a1,
        visited_at=start + dt.timedelta(hours=1),
        entries=[EntryInput(key="p", person_id=world.zhang.pk, temperature=Decimal("36.4"))],
    ).screening
    first = _check(episode, at=start + dt.timedelta(hours=2), channel="roster", by=world.grid_worker_a)
    # As ``checks.check_record`` replaces a slot's check: the first points at the one that replaced it.
    correction = _check(
        episode, at=start + dt.timedelta(hours=3), channel="phone", by=world.town_officer, temperature="36.7",
        slot="replacing",
    )  # fmt: skip
    HealthCheck.objects.filter(pk=first.pk).update(replaced_by=correction)
    HealthCheck.objects.filter(pk=correction.pk).update(slot="am", day=first.day)
    phoned = _ack(episode, at=start + dt.timedelta(hours=20), action="phoned", by=world.village_leader)
    mistaken = _ack(
        episode, at=start + dt.timedelta(hours=21), action="other", by=world.village_leader, note="设备故障"
    )
    own = _check(
        episode, at=start + dt.timedelta(hours=22), channel="self", slot="pm", temperature="37.8", fever=True
    )
    return {
        "episode": episode,
        "visit": visit,
        "first": first,
        "correction": correction,
        "phoned": phoned,
        "mistaken": mistaken,
        "own": own,
    }


def test_the_timeline_gathers_every_source_newest_first(world, history):
    timeline = person_timeline(user=world.hq, person=world.zhang)
    kinds = [(e.kind, e.code) for e in timeline.events]
    assert kinds == [
        ("check", "self"),
        ("ack", "other"),
        ("ack", "phoned"),
        ("check", "phone"),
        ("check", "roster"),
        ("visit", "present"),
        ("episode", "start"),
        ("list_row", "matched"),  # the world's 区教育局 list, received before it all
    ]
    by_code = {e.code: e for e in timeline.events}
    assert by_code["roster"].replaced and not by_code["phone"].replaced
    assert by_code["roster"].actor.name == "grid_a" and by_code["roster"].actor.role_label == "网格员"
    assert by_code["roster"].actor.place == "甲村第1网格"
    assert by_code["phone"].actor.role_label == "镇/街道干部" and by_code["phone"].actor.place == "甲镇"
    assert by_code["self"].actor is None and by_code["self"].self_report and by_code["self"].abnormal
    assert "37.8 °C" in by_code["self"].detail and "发热" in by_code["self"].detail
    assert "36.4 °C" in by_code["present"].detail and by_code["present"].actor.name == "grid_a"
    assert by_code["start"].actor.role_label == "村/社区负责人" and "计划" in by_code["start"].detail
    assert "区教育局 第1批 第4行" in by_code["matched"].detail and by_code["matched"].actor.name == "hq"
    assert "设备故障" in by_code["other"].detail and not by_code["other"].contact
    assert not by_code["matched"].contact and not by_code["start"].contact


def test_the_last_contact_is_the_last_time_staff_reached_the_person(world, history):
    timeline = person_timeline(user=world.grid_worker_a, person=world.zhang)
    # The phoned acknowledgement is later than the phone check; the later "other" note is no contact,
    # nor is the self-report, which is shown on its own.
    assert timeline.last_contact.kind == "ack" and timeline.last_contact.object_id == history["phoned"].pk
    assert timeline.last_contact.actor.name == "village" and timeline.last_contact.label == "已电话联系"
    assert timeline.last_self_report.object_id == history["own"].pk


def test_extension_release_and_conversion_are_on_the_timeline(world, history):
    episode = history["episode"]
    episode_extend(actor=world.town_officer, episode=episode, exposure_date=local_today())
    from epigrid.monitoring.episodes import episode_convert

    episode_convert(actor=world.village_leader, episode=episode, reason=Episode.EndReason.FEVER_CLINIC)
    timeline = person_timeline(user=world.hq, person=world.zhang)
    steps = {e.code: e for e in timeline.events if e.kind == "episode"}
    assert set(steps) == {"start", "extend", "convert"}
    assert steps["extend"].actor.name == "town" and "延长 2 天" in steps["extend"].detail
    assert steps["convert"].detail == "送发热门诊" and steps["convert"].actor.name == "village"


def test_an_absent_visit_is_no_contact(world, policy):
    screening_record(
        actor=world.grid_worker_a,
        household=world.hh_a1,
        visited_at=timezone.now(),
        entries=[EntryInput(key="p", person_id=world.zhang.pk, present=False, whereabouts="武汉")],
    )
    timeline = person_timeline(user=world.hq, person=world.zhang)
    [visit] = [e for e in timeline.events if e.kind == "visit"]
    assert visit.code == "absent" and not visit.contact and "不在家：武汉" in visit.detail
    assert timeline.last_contact is None


def test_only_what_the_user_may_read(world, history, open_episode):
    # 李娜's episode and checks belong to grid B: nothing of them shows on 张伟's timeline.
    other = open_episode(world.li)
    _check(other, at=timezone.now(), channel="roster", by=world.grid_worker_b)
    ids = {
        e.object_id for e in person_timeline(user=world.hq, person=world.zhang).events if e.kind == "check"
    }
    assert ids == {history["first"].pk, history["correction"].pk, history["own"].pk}
    # A user whose scope does not hold the episode or the visit sees neither (the page 404s before).
    assert [e.kind for e in person_timeline(user=world.outsider, person=world.zhang).events] == ["list_row"]


def test_the_query_count_does_not_grow_with_the_history(world, history, django_assert_max_num_queries):
    episode = history["episode"]
    person_timeline(user=world.hq, person=world.zhang)  # the scope is cached on the user
    # One query per registered source (checks, acks, episodes, visits, list rows, passages, residents'
    # reports, fever-clinic visits) and the lookups they share: a fixed number, whatever the history.
    with django_assert_max_num_queries(10):
        small = person_timeline(user=world.hq, person=world.zhang)
    moment = timezone.now() - dt.timedelta(hours=1)  # after every contact of the history
    for n in range(SOURCE_LIMIT + 5):
        _check(episode, at=moment + dt.timedelta(seconds=n), channel="self", slot=f"s{n}")
    AlertAck.objects.filter(episode=episode).delete()
    with django_assert_max_num_queries(11):
        big = person_timeline(user=world.hq, person=world.zhang)
    assert len([e for e in big.events if e.kind == "check"]) == SOURCE_LIMIT
    assert len(big.events) > len(small.events)
    # The newest hundred checks are self-reports: the last staff check is looked up on its own.
    assert big.last_contact.kind == "check" and big.last_contact.object_id == history["correction"].pk
    assert big.last_self_report.object_id != history["own"].pk  # the newest of the hundred and five


def test_the_person_page_shows_the_timeline_to_every_department_in_scope(world, history):
    url = reverse("people:detail", args=[world.zhang.pk])
    before = AuditEvent.objects.filter(object_type="person", object_id=str(world.zhang.pk)).count()
    page = client_for(world.department).get(url).content.decode()
    assert "联系记录" in page and "最近联系" in page
    assert "village（村/社区负责人，甲村）" in page and "已电话联系" in page
    assert "最近自报" in page and "37.8 °C" in page
    assert "已被更正" in page and "区教育局 第1批 第4行" in page
    assert world.zhang.phone not in page  # a department sees phones masked
    # One audit event for the opening: the timeline itself logs nothing more.
    after = AuditEvent.objects.filter(object_type="person", object_id=str(world.zhang.pk)).count()
    assert after == before + 1
    assert client_for(world.grid_worker_b).get(url).status_code == 404


def test_the_episode_page_shows_the_timeline_and_logs_the_episode_once(world, history):
    episode = history["episode"]
    before = AuditEvent.objects.count()
    page = client_for(world.grid_worker_a).get(reverse("monitoring:episode", args=[episode.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-field="last_contact"' in body and "village（村/社区负责人，甲村）" in body
    assert 'data-kind="visit"' in body and 'data-code="roster"' in body
    assert world.zhang.phone in body  # a grid worker calls people: the full phone
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [(e.object_type, e.action) for e in events] == [("episode", "read")]
    assert (
        client_for(world.grid_worker_b).get(reverse("monitoring:episode", args=[episode.pk])).status_code
        == 404
    )
