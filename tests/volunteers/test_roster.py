"""The roster as read: who is on duty now, the hours nobody covers, double bookings, the week."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from epigrid.checkpoints.services import CheckpointInput, checkpoint_save
from epigrid.core.models import AuditEvent
from epigrid.volunteers.duties import duty_assign
from epigrid.volunteers.roster import roster_for_region, week_for_place
from tests.volunteers.conftest import shift

DAY = dt.date(2026, 2, 10)


@pytest.fixture(autouse=True)
def ten_in_the_morning():
    with time_machine.travel("2026-02-10 10:00 +0800", tick=False):
        yield


def _place(roster, name):
    return next(p for p in roster.places if p.name == name)


def test_a_village_shows_who_is_on_duty_now_and_the_hours_left_open(world, gate):
    duty_assign(
        actor=world.village_leader, data=shift(DAY, region=world.village_a, volunteer=world.volunteer_a)
    )
    roster = roster_for_region(user=world.village_leader, region=world.village_a, day=DAY)
    assert [p.name for p in roster.places] == ["甲村", "甲村村口卡点"]
    village = _place(roster, "甲村")
    assert [s.duty.who for s in village.on_now] == ["周建国"] and not village.uncovered_now
    assert village.gaps == ["00:00–08:00", "20:00–24:00"]
    checkpoint = _place(roster, "甲村村口卡点")
    assert checkpoint.uncovered_now and checkpoint.gaps == ["00:00–24:00"]
    assert (roster.uncovered_now, roster.with_gaps, roster.conflicts) == (1, 2, 0)


def test_last_nights_shift_covers_the_morning(world):
    yesterday = DAY - dt.timedelta(days=1)
    duty_assign(
        actor=world.village_leader,
        data=shift(yesterday, 20, 8, region=world.village_a, volunteer=world.volunteer_a),
    )
    duty_assign(
        actor=world.village_leader,
        data=shift(DAY, 8, 20, region=world.village_a, staff=world.village_leader, phone="13900000005"),
    )
    village = _place(roster_for_region(user=world.village_leader, region=world.village_a, day=DAY), "甲村")
    assert len(village.shifts) == 2 and village.gaps == ["20:00–24:00"]


def test_a_checkpoint_must_be_covered_during_its_opening_hours_only(world):
    market = checkpoint_save(
        actor=world.town_officer,
        data=CheckpointInput(
            name="甲镇农贸市场入口",
            kind="market",
            region=world.town,
            opens_at=dt.time(6),
            closes_at=dt.time(14),
        ),
    )
    duty_assign(
        actor=world.town_officer, data=shift(DAY, 6, 10, checkpoint=market, volunteer=world.volunteer_a)
    )
    place = _place(roster_for_region(user=world.town_officer, region=world.town, day=DAY), "甲镇农贸市场入口")
    assert place.gaps == ["10:00–14:00"] and place.uncovered_now


def test_a_double_booking_is_flagged_with_the_other_place(world, gate):
    duty_assign(
        actor=world.village_leader, data=shift(DAY, region=world.village_a, volunteer=world.volunteer_a)
    )
    duty_assign(
        actor=world.town_officer, data=shift(DAY, 12, 16, checkpoint=gate, volunteer=world.volunteer_a)
    )
    roster = roster_for_region(user=world.town_officer, region=world.town, day=DAY)
    assert roster.conflicts == 2
    assert _place(roster, "甲村").shifts[0].conflicts == ["甲村村口卡点 02-10 12:00–16:00"]


def test_a_booking_outside_the_readers_scope_is_not_named(world, gate):
    duty_assign(
        actor=world.hq,
        data=shift(DAY, region=world.village_b, staff=world.village_leader, phone="13900000006"),
    )
    duty_assign(
        actor=world.village_leader,
        data=shift(DAY, 9, 12, region=world.village_a, staff=world.village_leader, phone="13900000006"),
    )
    village = _place(roster_for_region(user=world.village_leader, region=world.village_a, day=DAY), "甲村")
    assert village.shifts[0].conflicts == ["辖区外另一处值班"]


def test_phones_are_masked_for_hq_and_the_reading_is_audited(world):
    world.duty_a  # noqa: B018 - made on first use
    roster = roster_for_region(user=world.hq, region=world.district, day=DAY)
    assert _place(roster, "甲村").shifts[0].phone == "137****1111"
    full = roster_for_region(user=world.town_officer, region=world.town, day=DAY)
    assert _place(full, "甲村").shifts[0].phone == "13700001111"
    events = AuditEvent.objects.filter(object_type="duty_roster", action=AuditEvent.Action.READ)
    assert events.count() == 2 and "13700001111" not in str(list(events.values_list("detail", flat=True)))


def test_the_week_puts_a_night_shift_on_the_day_it_starts(world, gate):
    duty_assign(
        actor=world.town_officer, data=shift(DAY, 20, 8, checkpoint=gate, volunteer=world.volunteer_a)
    )
    days = week_for_place(user=world.town_officer, start=DAY, checkpoint=gate)
    assert [len(d.place.shifts) for d in days] == [1, 0, 0, 0, 0, 0, 0]
    assert days[0].place.gaps == ["00:00–20:00"] and days[1].place.gaps == ["08:00–24:00"]
