"""Derived states: a slot missed after its deadline, alerts at once for the grid, escalated for the town."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.utils import timezone

from epigrid.core.models import AuditEvent
from epigrid.monitoring.alerts import (
    AckInvalid,
    alert_acknowledge,
    alerts_for_user,
    not_reported,
    open_alerts,
    roster,
)
from epigrid.monitoring.models import CURRENT_ABNORMAL, AlertAck, Episode, HealthCheck


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def check(episode, day, slot, *, temperature="36.5", symptoms=(), entered: dt.datetime | None = None):
    row = HealthCheck.objects.create(
        episode=episode,
        person=episode.person,
        grid_id=episode.grid_id,
        day=day,
        slot=slot,
        temperature=Decimal(temperature),
        symptoms=list(symptoms),
        fever=episode.policy.is_fever(Decimal(temperature)),
        channel=HealthCheck.Channel.ROSTER,
        recorded_at=entered or timezone.now(),
    )
    if entered is not None:
        HealthCheck.objects.filter(pk=row.pk).update(entered_at=entered)
        row.refresh_from_db()
    return row


@pytest.fixture
def today():
    return timezone.localdate()


def missed_people(user, region, moment):
    """{slot key: person ids} of ``moment``'s day, and {"yesterday " + key: ids} of the day before."""
    today = timezone.localdate(moment)
    return {
        ("" if s.day == today else "yesterday ") + s.slot.key: [r.episode.person_id for r in s.rows]
        for s in not_reported(user=user, region=region, moment=moment)
    }


def test_a_slot_is_missed_only_after_its_deadline(world, open_episode, today):
    episode = open_episode(world.zhang, days_ago=0)
    user = world.grid_worker_a
    zhang = [world.zhang.pk]
    assert missed_people(user, world.grid_a, at(today, 11, 59)) == {}
    assert missed_people(user, world.grid_a, at(today, 12, 1)) == {"am": zhang}
    assert missed_people(user, world.grid_a, at(today, 20, 1)) == {"am": zhang, "pm": zhang}
    check(episode, today, "am")
    assert missed_people(user, world.grid_a, at(today, 20, 1)) == {"pm": zhang}


def test_a_miss_stays_on_the_list_for_a_day(world, open_episode, today):
    episode = open_episode(world.zhang, days_ago=2)
    user = world.grid_worker_a
    zhang = [world.zhang.pk]
    yesterday = today - dt.timedelta(days=1)
    check(episode, yesterday, "am")
    # At 03:00 yesterday evening's slot is still missing; the morning one was reported.
    assert missed_people(user, world.grid_a, at(today, 3)) == {"yesterday pm": zhang}
    # At 12:30 yesterday's evening slot (16.5 hours ago) and this morning's are both on the list.
    assert missed_people(user, world.grid_a, at(today, 12, 30)) == {"yesterday pm": zhang, "am": zhang}
    # At 20:30 yesterday's is more than 24 hours old.
    assert missed_people(user, world.grid_a, at(today, 20, 30)) == {"am": zhang, "pm": zhang}


def test_an_acknowledged_miss_leaves_the_list_and_other_days_do_not_count(world, open_episode, today):
    episode = open_episode(world.zhang, days_ago=0)
    alert_acknowledge(
        actor=world.grid_worker_a, episode=episode, kind=AlertAck.Kind.MISSED, day=today, slot="am",
        action=AlertAck.Action.PHONED, note="",
    )  # fmt: skip
    check(episode, today - dt.timedelta(days=1), "pm")  # yesterday's check does not cover today
    assert missed_people(world.grid_worker_a, world.grid_a, at(today, 20, 30)) == {"pm": [world.zhang.pk]}


def test_not_reported_at_village_and_town_level_and_scope(world, open_episode, today):
    open_episode(world.zhang)
    open_episode(world.li)
    late = at(today, 21)
    assert missed_people(world.village_leader, world.village_a, late)["am"] == [world.zhang.pk]
    assert sorted(missed_people(world.hq, world.district, late)["pm"]) == sorted(
        [world.zhang.pk, world.li.pk]
    )
    assert missed_people(world.town_officer, world.town, late)["am"] == [world.zhang.pk]
    with pytest.raises(Http404):
        not_reported(user=world.grid_worker_b, region=world.grid_a, moment=late)
    with pytest.raises(Http404):
        not_reported(user=world.outsider, region=world.district, moment=late)


def test_above_the_village_the_list_stops_at_the_limit(world, open_episode, today):
    from epigrid.people.models import Person

    open_episode(world.zhang)
    open_episode(Person.objects.get(name="王芳"))
    late = at(today, 21)
    town = not_reported(user=world.town_officer, region=world.town, moment=late, limit=1)
    assert [(g.slot.key, g.count, g.capped, len(g.rows)) for g in town] == [
        ("pm", 1, True, 1),
        ("am", 1, True, 1),
    ]
    village = not_reported(user=world.village_leader, region=world.village_a, moment=late, limit=1)
    assert [(g.count, g.capped, len(g.rows)) for g in village] == [(2, False, 1), (2, False, 1)]
    town = not_reported(user=world.town_officer, region=world.town, moment=late)
    assert [(g.count, g.capped) for g in town] == [(2, False), (2, False)]


def test_a_closed_episode_is_not_missed(world, open_episode, today):
    episode = open_episode(world.zhang)
    episode.status = episode.Status.RELEASED
    episode.save()
    assert missed_people(world.grid_worker_a, world.grid_a, at(today, 21)) == {}


def alert_people(user, moment):
    count, alerts = alerts_for_user(user, moment)
    assert count == len(alerts)
    return [(a.episode.person_id, a.escalated) for a in alerts]


def test_fever_alerts_the_grid_and_village_at_once_and_the_town_after_the_policy_minutes(
    world, open_episode, today
):
    episode = open_episode(world.zhang)
    entered = at(today, 8)
    check(episode, today, "am", temperature="38.1", entered=entered)
    soon = entered + dt.timedelta(minutes=29)
    later = entered + dt.timedelta(minutes=31)
    assert alert_people(world.grid_worker_a, soon) == [(world.zhang.pk, False)]
    assert alert_people(world.village_leader, soon) == [(world.zhang.pk, False)]
    assert alert_people(world.town_officer, soon) == []
    assert alert_people(world.hq, soon) == []
    assert alert_people(world.town_officer, later) == [(world.zhang.pk, True)]
    assert alert_people(world.hq, later) == [(world.zhang.pk, True)]
    assert alert_people(world.grid_worker_a, later) == [(world.zhang.pk, True)]
    # Not the other grid, the other town, departments, checkpoints or another district.
    for user in (world.grid_worker_b, world.department, world.checkpoint, world.outsider, world.admin):
        assert alert_people(user, later) == []
    assert alert_people(world.grid_worker_a, entered - dt.timedelta(minutes=1)) == []  # not yet entered


def test_escalation_follows_the_episode_policy(world, open_episode, today, policy):
    policy.escalate_minutes = 90
    policy.save()
    episode = open_episode(world.zhang)
    entered = at(today, 8)
    check(episode, today, "am", temperature="36.6", symptoms=["cough"], entered=entered)
    assert alert_people(world.town_officer, entered + dt.timedelta(minutes=60)) == []
    assert alert_people(world.town_officer, entered + dt.timedelta(minutes=91)) == [(world.zhang.pk, True)]


def test_a_normal_or_replaced_reading_raises_nothing(world, open_episode, today):
    episode = open_episode(world.zhang)
    first = check(episode, today, "am", temperature="37.5", entered=at(today, 7))
    second = check(episode, today, "pm", temperature="36.4", entered=at(today, 8))
    assert alert_people(world.grid_worker_a, at(today, 9)) == [(world.zhang.pk, True)]
    # The mistaken morning reading is replaced by a normal one: no alert is left.
    HealthCheck.objects.filter(pk=first.pk).update(replaced_by=second)
    assert alert_people(world.grid_worker_a, at(today, 9)) == []


def test_acknowledging_closes_the_alert_for_everyone_and_is_audited(world, open_episode, today):
    episode = open_episode(world.zhang)
    fever = check(episode, today, "am", temperature="38.0", entered=at(today, 8))
    ack = alert_acknowledge(
        actor=world.village_leader, episode=episode, kind=AlertAck.Kind.ABNORMAL, day=today, slot="am",
        action=AlertAck.Action.FEVER_CLINIC, note="已联系120送区医院发热门诊", health_check=fever,
    )  # fmt: skip
    for user in (world.grid_worker_a, world.village_leader, world.town_officer, world.hq):
        assert alert_people(user, at(today, 12)) == []
    event = AuditEvent.objects.get(object_type="alert_ack", object_id=str(ack.pk))
    assert event.detail["action"] == "fever_clinic" and "已联系" not in str(event.detail)


def test_acknowledging_refuses_what_does_not_fit(world, open_episode, today):
    episode = open_episode(world.zhang)
    normal = check(episode, today, "am", temperature="36.5")
    fever = check(episode, today, "pm", temperature="38.5")
    base = {"episode": episode, "day": today, "note": ""}
    cases = [
        ({"kind": "abnormal", "slot": "am", "action": "visited"}, "health_check"),
        ({"kind": "abnormal", "slot": "am", "action": "visited", "health_check": normal}, "health_check"),
        ({"kind": "abnormal", "slot": "am", "action": "visited", "health_check": fever}, "health_check"),
        ({"kind": "missed", "slot": "am", "action": "visited", "health_check": fever}, "health_check"),
        ({"kind": "missed", "slot": "noon", "action": "visited"}, "slot"),
        ({"kind": "missed", "slot": "am", "action": "other"}, "note"),
        ({"kind": "missed", "slot": "am", "action": "shrugged"}, "action"),
        ({"kind": "late", "slot": "am", "action": "visited"}, "kind"),
    ]
    for kwargs, field in cases:
        with pytest.raises(AckInvalid) as caught:
            alert_acknowledge(actor=world.grid_worker_a, **base, **kwargs)
        assert caught.value.field == field
    with pytest.raises(PermissionDenied):
        alert_acknowledge(actor=world.department, **base, kind="missed", slot="am", action="phoned")
    with pytest.raises(Http404):
        alert_acknowledge(actor=world.grid_worker_b, **base, kind="missed", slot="am", action="phoned")
    assert not AlertAck.objects.exists()


def test_roster_shows_each_slot_and_logs_the_ids(world, open_episode, today):
    zhang = open_episode(world.zhang)
    open_episode(world.li)  # another grid
    check(zhang, today, "am", temperature="36.7")
    rows = roster(user=world.grid_worker_a, grid=world.grid_a, day=today, moment=at(today, 21))
    assert [r.episode.person_id for r in rows] == [world.zhang.pk]
    am, pm = rows[0].cells
    assert am.check is not None and am.check.temperature == Decimal("36.7") and not am.overdue
    assert pm.check is None and pm.overdue
    assert rows[0].view.phone == world.zhang.phone  # grid workers phone people
    event = AuditEvent.objects.filter(object_type="roster").latest("id")
    assert event.detail["persons"] == [world.zhang.pk]
    hq_rows = roster(user=world.hq, grid=world.grid_a, day=today)
    assert "*" in hq_rows[0].view.phone  # HQ sees phones masked
    with pytest.raises(Http404):
        roster(user=world.grid_worker_b, grid=world.grid_a, day=today)


def test_town_and_district_lists_hold_the_same_people_as_their_villages(world, open_episode, today):
    from epigrid.people.models import Person

    for person in (world.zhang, world.li, *Person.objects.filter(name__in=["王芳", "曾强"])):
        open_episode(person)
    late = at(today, 21)
    village_a = missed_people(world.hq, world.village_a, late)
    village_b = missed_people(world.hq, world.village_b, late)
    town = missed_people(world.hq, world.town, late)
    district = missed_people(world.hq, world.district, late)
    assert town == village_a and len(town["am"]) == 3
    assert district.keys() == {"am", "pm"}
    for key in ("am", "pm"):  # in episode id order, like every list
        assert sorted(district[key]) == sorted(village_a[key] + village_b[key])
        assert district[key] == [world.zhang.pk, world.li.pk, *town[key][1:]]
    # Capped, a district shows the first ``limit`` it finds, in id order, with their people.
    capped = not_reported(user=world.hq, region=world.district, moment=late, limit=2)
    for group in capped:
        ids = [r.episode.pk for r in group.rows]
        assert group.capped and group.count == 2 and ids == sorted(ids)
        assert all(r.view.person.pk == r.episode.person_id for r in group.rows)


def _plan(queryset) -> str:
    """The query plan of ``queryset`` (after ANALYZE, so the planner knows how many rows each index holds)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return queryset.explain()


@pytest.mark.parametrize("who", ["grid_worker_a", "hq"])
def test_alerts_read_the_partial_index_of_current_abnormal_checks(world, open_episode, today, who):
    episode = open_episode(world.zhang)
    check(episode, today, "am", temperature="38.6", entered=at(today, 7))
    # Two thousand normal current readings of the same days in the grid (of earlier, released episodes of
    # the same person): in the (grid, day) and current-check indexes, not in the partial one.
    released = Episode.objects.bulk_create(
        Episode(
            person=world.zhang, district_id=episode.district_id, town_id=episode.town_id,
            village_id=episode.village_id, grid_id=episode.grid_id, kind=episode.kind, basis=episode.basis,
            policy=episode.policy, started_on=episode.started_on, planned_end=episode.planned_end,
            status=Episode.Status.RELEASED,
        )
        for _ in range(334)
    )  # fmt: skip
    HealthCheck.objects.bulk_create(
        HealthCheck(
            episode=e, person=world.zhang, grid_id=world.grid_a.pk, day=today - dt.timedelta(days=back),
            slot=slot, temperature=Decimal("36.5"), channel=HealthCheck.Channel.ROSTER,
            recorded_at=at(today, 7),
        )
        for e in released
        for back in range(3)
        for slot in ("am", "pm")
    )  # fmt: skip
    index = next(i for i in HealthCheck._meta.indexes if i.name == "check_abnormal_grid_day_idx")
    assert index.condition == CURRENT_ABNORMAL
    user = getattr(world, who)
    plan = _plan(open_alerts(user, at(today, 12)).order_by().values_list("entered_at", "pk"))
    assert "check_abnormal_grid_day_idx" in plan, plan
    assert alert_people(user, at(today, 12)) == [(world.zhang.pk, True)]
