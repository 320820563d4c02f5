"""Observation episodes: planned end, extension, one open per person, households, release, conversion."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from epigrid.core.clock import local_today
from epigrid.core.models import AuditEvent
from epigrid.lists.models import ListRow
from epigrid.monitoring.episode_selectors import (
    due_for_release,
    episode_counts,
    episode_get_for_user,
    episode_timeline,
    episodes_for_user,
)
from epigrid.monitoring.episodes import (
    EpisodeError,
    episode_convert,
    episode_extend,
    episode_from_list_row,
    episode_from_screening_entry,
    episode_release,
    episode_start,
    episode_start_household,
)
from epigrid.monitoring.models import AlertAck, Episode, HealthCheck, Policy, Room, Site
from epigrid.people.models import Person, TravelRecord
from epigrid.people.screening import EntryInput, TravelInput, screening_record

HOME = Episode.Kind.HOME
RETURN = Episode.Basis.OUTBREAK_RETURN


def days_ago(n: int) -> dt.date:
    return local_today() - dt.timedelta(days=n)


def start(world, person=None, *, actor=None, **kwargs) -> Episode:
    kwargs.setdefault("kind", HOME)
    kwargs.setdefault("basis", RETURN)
    return episode_start(actor=actor or world.grid_worker_a, person=person or world.zhang, **kwargs)


def events(op: str | None = None) -> list[AuditEvent]:
    rows = (
        AuditEvent.objects.filter(object_type="episode").exclude(action=AuditEvent.Action.READ).order_by("id")
    )
    return [e for e in rows if op is None or e.detail.get("op") == op]


# --- start ------------------------------------------------------------------------------------------


def test_planned_end_is_last_exposure_plus_the_policy_days_and_the_chain_is_the_households(world, policy):
    episode = start(world, last_exposure=days_ago(3))
    assert episode.planned_end == days_ago(3) + dt.timedelta(days=14)
    assert episode.started_on == local_today() and episode.last_exposure == days_ago(3)
    assert episode.policy == policy and episode.status == Episode.Status.OPEN
    hh = world.hh_a1
    chain = (episode.district_id, episode.town_id, episode.village_id, episode.grid_id, episode.household_id)
    assert chain == (hh.district_id, hh.town_id, hh.village_id, hh.grid_id, hh.pk)
    assert episode.created_by == world.grid_worker_a
    [event] = events()
    assert event.action == AuditEvent.Action.CREATE and event.detail["person"] == world.zhang.pk
    assert event.detail["policy"] == 1 and event.region_path == world.grid_a.path
    assert "张伟" not in str(event.detail)


def test_arrival_counts_when_there_is_no_exposure_and_today_when_neither(world, policy):
    assert start(world, arrival=days_ago(5)).planned_end == days_ago(5) + dt.timedelta(days=14)
    assert start(world, world.li, actor=world.hq).planned_end == local_today() + dt.timedelta(days=14)


def test_the_policy_in_force_gives_the_days_and_the_episode_keeps_its_version(world, policy):
    first = start(world, last_exposure=days_ago(1))
    later = Policy.objects.create(
        version=2,
        name="第二版",
        effective_from=policy.effective_from + dt.timedelta(seconds=1),
        observation_days=7,
    )
    second = start(world, world.li, actor=world.hq, last_exposure=days_ago(1))
    assert second.policy == later and second.planned_end == days_ago(1) + dt.timedelta(days=7)
    first.refresh_from_db()
    assert first.policy == policy and first.planned_end == days_ago(1) + dt.timedelta(days=14)


def test_one_open_episode_per_person_is_refused_with_a_reason(world, policy):
    start(world, last_exposure=days_ago(1))
    with pytest.raises(EpisodeError, match="已在医学观察中"):
        start(world, last_exposure=days_ago(1))
    assert Episode.objects.filter(person=world.zhang).count() == 1


def test_a_racing_second_start_is_refused_by_the_constraint_with_the_same_reason(world, policy, monkeypatch):
    from epigrid.monitoring import episodes

    start(world, last_exposure=days_ago(1))
    real = episodes._open_exists
    calls: list[int] = []

    def racing(person):
        calls.append(person.pk)
        return False if len(calls) == 1 else real(person)  # the check before the insert misses it

    monkeypatch.setattr(episodes, "_open_exists", racing)
    with pytest.raises(EpisodeError, match="已在医学观察中"):
        start(world, last_exposure=days_ago(1))
    assert len(calls) == 2  # the pre-check, then the look after the constraint refused the insert
    assert Episode.objects.filter(person=world.zhang).count() == 1 and len(events()) == 1


def test_after_an_episode_ends_a_new_one_may_start(world, policy):
    episode = start(world, last_exposure=days_ago(1))
    episode_convert(actor=world.grid_worker_a, episode=episode, reason="transferred")
    assert start(world, last_exposure=days_ago(0)).status == Episode.Status.OPEN


def test_refusals(world, policy):
    with pytest.raises(EpisodeError, match="不在您的管辖范围"):
        start(world, world.li)  # grid A1's worker, 李娜 lives in grid B1
    with pytest.raises(PermissionDenied):
        start(world, actor=world.department)
    with pytest.raises(EpisodeError, match="晚于今天"):
        start(world, last_exposure=local_today() + dt.timedelta(days=1))
    with pytest.raises(EpisodeError, match="已满观察期"):
        start(world, last_exposure=days_ago(14))
    with pytest.raises(EpisodeError, match="未知的观察类型"):
        start(world, kind="hotel")
    with pytest.raises(EpisodeError, match="须选择隔离点"):
        start(world, kind=Episode.Kind.CENTRAL)
    assert not Episode.objects.exists() and events() == []


def test_a_merged_record_is_refused(world, policy):
    twin = world.hq_merge.absorbed
    with pytest.raises(EpisodeError, match="已合并"):
        start(world, twin, actor=world.hq)


def test_an_unplaced_person_cannot_be_watched_at_home(world, policy):
    from epigrid.people.services import person_register_unplaced

    person = person_register_unplaced(
        actor=None, region=world.district, name="孙丽", source=Person.Source.SENT_DOWN
    )
    with pytest.raises(EpisodeError, match="尚未落户"):
        start(world, person, actor=world.hq)


def test_central_observation_takes_the_sites_district_and_a_room(world, policy):
    site = Site.objects.create(district=world.district, name="城南宾馆")
    room = Room.objects.create(site=site, number="302")
    episode = start(world, kind=Episode.Kind.CENTRAL, room=room, last_exposure=days_ago(2))
    assert episode.room == room and episode.district_id == world.district.pk
    assert episode.grid_id == world.zhang.grid_id
    other = Room.objects.create(
        site=Site.objects.create(district=world.other_district, name="外区宾馆"), number="1"
    )
    with pytest.raises(EpisodeError, match="隔离点不在"):
        start(world, world.li, actor=world.hq, kind=Episode.Kind.CENTRAL, room=other)


# --- households, screenings and list rows ----------------------------------------------------------


def test_a_household_is_enrolled_together_and_members_already_watched_are_skipped(world, policy):
    start(world, last_exposure=days_ago(2))
    result = episode_start_household(
        actor=world.grid_worker_a,
        household=world.hh_a1,
        kind=HOME,
        basis=Episode.Basis.OTHER,
        arrival=days_ago(2),
    )
    assert [p.pk for p in result.already_open] == [world.zhang.pk]
    assert [e.person.name for e in result.started] == ["王芳"]
    assert result.started[0].planned_end == days_ago(2) + dt.timedelta(days=14)
    with pytest.raises(EpisodeError, match="住户不在"):
        episode_start_household(actor=world.grid_worker_b, household=world.hh_a1, kind=HOME, basis=RETURN)


def _returnee_visit(world, origin: str = "武汉", arrived: dt.date | None = None):
    return screening_record(
        actor=world.grid_worker_a,
        household=world.hh_a1,
        visited_at=timezone.now(),
        entries=[
            EntryInput(
                key="p",
                person_id=world.zhang.pk,
                temperature=Decimal("36.6"),
                travel=TravelInput(origin=origin, arrived_on=arrived or days_ago(4)),
            )
        ],
        measures=["home_isolation"],
    ).screening.entries.get()


def test_from_a_screening_entry_the_arrival_is_the_last_exposure(world, policy):
    entry = _returnee_visit(world)
    episode = episode_from_screening_entry(actor=world.grid_worker_a, entry=entry)
    assert episode.basis == RETURN and episode.last_exposure == days_ago(4)
    assert episode.planned_end == days_ago(4) + dt.timedelta(days=14)
    assert (episode.source_type, episode.source_id) == ("screening_entry", entry.pk)


def test_a_returnee_from_elsewhere_is_not_started_from_the_visit(world, policy):
    entry = _returnee_visit(world, origin="广州")
    with pytest.raises(EpisodeError, match="不是来自或途经疫区"):
        episode_from_screening_entry(actor=world.grid_worker_a, entry=entry)


def test_from_a_list_row_the_persons_outbreak_journey_gives_the_arrival(world, policy):
    row = ListRow.objects.get(batch=world.hq_batch, person=world.zhang)
    with pytest.raises(EpisodeError, match="没有来自或途经疫区"):
        episode_from_list_row(actor=world.town_officer, row=row)
    TravelRecord.objects.create(person=world.zhang, origin="深圳", arrived_on=days_ago(1))
    TravelRecord.objects.create(
        person=world.zhang, origin="广州（途经武汉）", via_outbreak_area=True, arrived_on=days_ago(6)
    )
    episode = episode_from_list_row(actor=world.town_officer, row=row)
    assert episode.last_exposure == days_ago(6) and (episode.source_type, episode.source_id) == (
        "list_row",
        row.pk,
    )
    with pytest.raises(EpisodeError, match="尚未对应"):
        episode_from_list_row(actor=world.town_officer, row=world.hq_review_row)


# --- extend, release, convert -----------------------------------------------------------------------


def test_a_new_exposure_moves_the_end_later_never_earlier(world, policy):
    episode = start(world, last_exposure=days_ago(5))
    episode = episode_extend(actor=world.grid_worker_a, episode=episode, exposure_date=days_ago(1))
    assert episode.planned_end == days_ago(1) + dt.timedelta(days=14) and episode.last_exposure == days_ago(1)
    with pytest.raises(EpisodeError, match="不会延长"):
        episode_extend(actor=world.grid_worker_a, episode=episode, exposure_date=days_ago(3))
    episode.refresh_from_db()
    assert episode.planned_end == days_ago(1) + dt.timedelta(days=14)
    [event] = events("extend")
    assert event.detail["days_added"] == 4


def test_the_extension_uses_the_episodes_own_policy(world, policy):
    episode = start(world, last_exposure=days_ago(5))
    Policy.objects.create(version=2, name="第二版", effective_from=policy.effective_from, observation_days=7)
    episode = episode_extend(actor=world.grid_worker_a, episode=episode, exposure_date=days_ago(0))
    assert episode.planned_end == local_today() + dt.timedelta(days=14)


def _due(world, open_episode) -> Episode:
    return open_episode(world.zhang, days_ago=14)


def test_release_needs_the_period_over_and_a_sign_off_role(world, open_episode):
    running = open_episode(world.li, days_ago=3)
    with pytest.raises(EpisodeError, match="观察期未满"):
        episode_release(actor=world.hq, episode=running)
    due = _due(world, open_episode)
    for user in (world.grid_worker_a, world.checkpoint):
        with pytest.raises(EpisodeError, match="签批"):
            episode_release(actor=user, episode=due)
    with pytest.raises(PermissionDenied):
        episode_release(actor=world.department, episode=due)
    released = episode_release(actor=world.village_leader, episode=due)
    assert released.status == Episode.Status.RELEASED and released.end_reason == Episode.EndReason.RELEASED
    assert released.ended_by == world.village_leader and released.ended_at is not None
    with pytest.raises(EpisodeError, match="已经结束"):
        episode_release(actor=world.village_leader, episode=released)
    [event] = events("release")
    assert event.user == world.village_leader


@pytest.mark.parametrize("who", ["town_officer", "hq"])
def test_town_and_hq_may_sign_off(world, open_episode, who):
    episode = episode_release(actor=getattr(world, who), episode=_due(world, open_episode))
    assert episode.status == Episode.Status.RELEASED


def test_a_village_leader_of_another_village_may_not_release(world, open_episode):
    from epigrid.core.roles import Role
    from tests import factories as f

    leader_b = f.user("leader_b", Role.VILLAGE_LEADER, world.village_b)
    with pytest.raises(EpisodeError, match="不在您的管辖范围"):
        episode_release(actor=leader_b, episode=_due(world, open_episode))


def test_convert_closes_with_the_reason(world, open_episode):
    episode = open_episode(world.zhang)
    with pytest.raises(EpisodeError, match="转归原因"):
        episode_convert(actor=world.grid_worker_a, episode=episode, reason="released")
    episode = episode_convert(actor=world.grid_worker_a, episode=episode, reason="fever_clinic")
    assert episode.status == Episode.Status.CONVERTED and episode.end_reason == "fever_clinic"
    assert episode.ended_by == world.grid_worker_a
    with pytest.raises(EpisodeError, match="已经结束"):
        episode_extend(actor=world.grid_worker_a, episode=episode, exposure_date=local_today())
    assert events("convert")[0].detail["reason"] == "fever_clinic"


# --- selectors --------------------------------------------------------------------------------------


def test_lists_by_region_and_state_and_due_for_release_is_read_on_the_day(world, open_episode):
    due = _due(world, open_episode)
    running = open_episode(world.li, days_ago=3)
    assert list(episodes_for_user(user=world.hq, region=world.district)) == [due, running]
    assert list(due_for_release(user=world.hq, region=world.district)) == [due]
    assert list(due_for_release(user=world.hq, region=world.district, day=running.planned_end)) == [
        due,
        running,
    ]
    assert list(episodes_for_user(user=world.grid_worker_a, region=world.grid_a)) == [due]
    counts = episode_counts(user=world.hq, region=world.district)
    assert (counts.open, counts.due, counts.released, counts.converted) == (2, 1, 0, 0)
    episode_release(actor=world.hq, episode=due)
    assert list(episodes_for_user(user=world.hq, region=world.district, status="released")) == [due]
    with pytest.raises(Http404):
        episodes_for_user(user=world.grid_worker_a, region=world.grid_b)
    with pytest.raises(Http404):
        episodes_for_user(user=world.outsider, region=world.district)


def test_opening_an_episode_is_scoped_and_logged(world, open_episode):
    episode = open_episode(world.zhang)
    assert episode_get_for_user(user=world.village_leader, episode_id=episode.pk) == episode
    event = AuditEvent.objects.filter(object_type="episode", action=AuditEvent.Action.READ).get()
    assert event.user == world.village_leader and event.detail == {"person": world.zhang.pk}
    for user in (world.grid_worker_b, world.outsider):
        with pytest.raises(Http404):
            episode_get_for_user(user=user, episode_id=episode.pk)
    with pytest.raises(Http404):
        episode_get_for_user(user=world.hq, episode_id=episode.pk + 1000)


def test_the_timeline_lists_checks_and_acknowledgements_newest_first(world, open_episode):
    episode = open_episode(world.zhang)
    moment = timezone.now() - dt.timedelta(hours=3)
    early = HealthCheck.objects.create(
        episode=episode, person=world.zhang, grid=world.grid_a, day=days_ago(1), slot="am",
        temperature=Decimal("36.5"), channel="roster", recorded_at=moment - dt.timedelta(days=1),
    )  # fmt: skip
    fever = HealthCheck.objects.create(
        episode=episode, person=world.zhang, grid=world.grid_a, day=local_today(), slot="am",
        temperature=Decimal("38.1"), fever=True, channel="self", recorded_at=moment,
    )  # fmt: skip
    ack = AlertAck.objects.create(
        episode=episode, kind="abnormal", health_check=fever, day=local_today(), slot="am",
        action="visited", acknowledged_by=world.grid_worker_a,
    )  # fmt: skip
    items = episode_timeline(episode=episode)
    assert [(i.check, i.ack) for i in items] == [(None, ack), (fever, None), (early, None)]
