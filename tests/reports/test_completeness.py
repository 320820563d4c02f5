"""Who has reported: on time, late, missing or pending per unit and day; completeness and timeliness."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from epigrid.reports.selectors import (
    LATE,
    MISSING,
    ON_TIME,
    PENDING,
    completeness,
    report_deadline,
    unit_reports_below,
)
from epigrid.reports.services import unit_report_submit
from tests import factories as f

DAY = dt.date(2020, 1, 28)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _submit(user, region, day, clock, **kwargs):
    with time_machine.travel(f"{day.isoformat()} {clock} +0800", tick=False):
        return unit_report_submit(actor=user, region=region, day=day, **kwargs).report


def _moment(day: dt.date, clock: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.fromisoformat(clock)))


def test_each_day_of_each_unit_is_on_time_late_missing_or_pending(world, django_assert_num_queries):
    village_c = f.region("420199100201", "丙村", 3, world.town)
    _submit(world.village_leader, world.village_a, DAY - dt.timedelta(days=2), "17:00", zero=True)
    _submit(world.village_leader, world.village_a, DAY - dt.timedelta(days=1), "22:00", measures={"audio": 2})
    _submit(world.town_officer, village_c, DAY, "18:30", measures={"meetings": 1})
    with django_assert_num_queries(2):
        table = completeness(world.town, DAY - dt.timedelta(days=2), DAY, moment=_moment(DAY, "19:30"))
    assert [row.region for row in table.rows] == [world.village_a, village_c]
    a, c = table.rows
    assert [cell.status for cell in a.cells] == [ON_TIME, LATE, MISSING]
    assert a.cells[0].zero and not a.cells[1].zero
    assert [cell.status for cell in c.cells] == [MISSING, MISSING, ON_TIME]
    assert (a.on_time, a.late, a.missing) == (1, 1, 1)
    assert (table.on_time, table.late, table.missing, table.expected) == (2, 1, 3, 6)
    assert table.completeness == 0.5 and table.timeliness == 2 / 6
    assert table.day_counts()[2] == {ON_TIME: 1, LATE: 0, MISSING: 1, PENDING: 0}


def test_before_the_deadline_a_day_is_pending_and_not_counted(world):
    table = completeness(world.town, DAY, DAY, moment=_moment(DAY, "18:30"))
    assert [cell.status for cell in table.rows[0].cells] == [PENDING]
    assert table.expected == 0 and table.completeness is None and table.timeliness is None


def test_the_district_sees_its_towns_and_a_village_sees_nobody(world):
    _submit(world.town_officer, world.town, DAY, "12:00", zero=True)
    table = completeness(world.district, DAY, DAY, moment=_moment(DAY, "23:00"))
    assert [(row.region, row.cells[0].status) for row in table.rows] == [
        (world.street, MISSING),
        (world.town, ON_TIME),
    ]  # by code: 420199001 before 420199100
    assert completeness(world.village_a, DAY, DAY).rows == []


def test_reports_below_are_the_current_ones_by_code(world, django_assert_num_queries):
    village_c = f.region("420199100201", "丙村", 3, world.town)
    _submit(world.town_officer, village_c, DAY, "12:00", zero=True)
    _submit(world.village_leader, world.village_a, DAY, "12:00", measures={"leaflets": 1})
    newest = _submit(world.village_leader, world.village_a, DAY, "13:00", measures={"leaflets": 2})
    _submit(world.town_officer, world.town, DAY, "13:00", zero=True)  # the town's own: not below it
    with django_assert_num_queries(1):
        below = unit_reports_below(world.town, DAY)
        names = [(r.region.name, r.submitted_by.username) for r in below]
    assert names == [("甲村", "village"), ("丙村", "town")]
    assert below[0].pk == newest.pk
    assert unit_reports_below(world.district, DAY)[0].region == world.town


def test_the_deadline_is_the_cutoff_plus_the_grace():
    assert report_deadline(DAY) == dt.datetime(2020, 1, 28, 19, 0, tzinfo=SHANGHAI)
