"""Reads of daily unit reports: who reported, when, and how complete and timely a level's units are.

A unit is a village/community (reporting to its town) or a town/street (reporting to the district).
"Late" is stored with each submission (it depends on the moment it arrived); "missing" is derived on
read: a unit with no current report for a day whose deadline has passed. A day whose deadline has
not come yet is "pending" and counts neither way. Reports hold no personal data, only counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.http import Http404

from epigrid.core.clock import now
from epigrid.core.models import User
from epigrid.regions.models import Level, Region
from epigrid.regions.scope import scope_for
from epigrid.reports.indicators import report_cutoff
from epigrid.reports.models import UnitReport

UNIT_LEVELS = (Level.TOWN, Level.VILLAGE)
MAX_PERIOD_DAYS = 62  # a completeness table spans at most two months

ON_TIME = "on_time"
LATE = "late"
MISSING = "missing"
PENDING = "pending"


def report_deadline(day: dt.date) -> dt.datetime:
    """Return the moment after which ``day``'s report is late: the cut-off plus the grace minutes."""
    return report_cutoff(day) + dt.timedelta(minutes=int(settings.EPIGRID_REPORT_GRACE_MINUTES))


def unit_for_user(*, user: User, region_id: int) -> Region:
    """Return a reporting unit (town or village) in the user's scope; 404 otherwise, as for a missing id."""
    region = Region.objects.filter(pk=region_id, level__in=UNIT_LEVELS).first()
    if region is None or not scope_for(user).contains(region):
        raise Http404
    return region


def region_for_user(*, user: User, region_id: int) -> Region:
    """Return any region in the user's scope (district, town, village, grid); 404 otherwise."""
    region = Region.objects.filter(pk=region_id).first()
    if region is None or not scope_for(user).contains(region):
        raise Http404
    return region


def region_children(region: Region) -> list[Region]:
    """Return the regions directly below ``region``, by code."""
    return list(Region.objects.filter(parent=region).order_by("code"))


def report_for_user(*, user: User, report_id: int) -> UnitReport:
    """Return one submission (any revision) of a unit in the user's scope; 404 otherwise."""
    report = UnitReport.objects.filter(pk=report_id).select_related("region", "submitted_by").first()
    if report is None or not scope_for(user).contains(report.region):
        raise Http404
    return report


def reports_by_id(ids: Sequence[int]) -> dict[int, UnitReport]:
    """Return reports by id, with who submitted them (for the rows of a status table)."""
    if not ids:
        return {}
    return {r.pk: r for r in UnitReport.objects.filter(pk__in=list(ids)).select_related("submitted_by")}


def reporting_units(region: Region) -> list[Region]:
    """Return the units that report to ``region``: a district's towns, a town's villages, by code."""
    if region.level not in (Level.DISTRICT, Level.TOWN):
        return []
    return list(Region.objects.filter(parent=region).order_by("code"))


def unit_reports_below(region: Region, day: dt.date) -> list[UnitReport]:
    """Return the current reports of ``day`` of the units reporting to ``region``, by region code."""
    if region.level not in (Level.DISTRICT, Level.TOWN):
        return []
    return list(
        UnitReport.objects.filter(region__parent=region, day=day, replaced_by__isnull=True)
        .select_related("region", "submitted_by")
        .order_by("region__code")
    )


def current_report(region: Region, day: dt.date) -> UnitReport | None:
    """Return the unit's current report of ``day``, if any."""
    return (
        UnitReport.objects.filter(region=region, day=day, replaced_by__isnull=True)
        .select_related("submitted_by")
        .first()
    )


def report_revisions(region: Region, day: dt.date) -> list[UnitReport]:
    """Return every submission of the unit for ``day``, newest revision first."""
    return list(
        UnitReport.objects.filter(region=region, day=day)
        .select_related("region", "submitted_by")
        .order_by("-revision")
    )


def unit_reports(region: Region, start: dt.date, end: dt.date) -> list[UnitReport]:
    """Return the unit's current reports between ``start`` and ``end``, newest day first."""
    return list(
        UnitReport.objects.filter(region=region, day__gte=start, day__lte=end, replaced_by__isnull=True)
        .select_related("region", "submitted_by")
        .order_by("-day")
    )


@dataclass(frozen=True)
class Cell:
    day: dt.date
    status: str  # ON_TIME, LATE, MISSING, PENDING
    report_id: int | None = None
    zero: bool = False
    submitted_at: dt.datetime | None = None


@dataclass
class UnitRow:
    region: Region
    cells: list[Cell] = field(default_factory=list)
    on_time: int = 0
    late: int = 0
    missing: int = 0

    @property
    def expected(self) -> int:
        return self.on_time + self.late + self.missing

    @property
    def completeness(self) -> float | None:
        return (self.on_time + self.late) / self.expected if self.expected else None

    @property
    def timeliness(self) -> float | None:
        return self.on_time / self.expected if self.expected else None


@dataclass
class Completeness:
    """Per unit and day: on time, late, missing or pending; with the rates of the period.

    Completeness (报告率) = reports received / reports due; timeliness (及时率) = on-time reports /
    reports due. Days whose deadline has not passed are not due yet.
    """

    region: Region
    start: dt.date
    end: dt.date
    days: list[dt.date]
    rows: list[UnitRow]
    deadlines: dict[dt.date, dt.datetime]

    @property
    def on_time(self) -> int:
        return sum(r.on_time for r in self.rows)

    @property
    def late(self) -> int:
        return sum(r.late for r in self.rows)

    @property
    def missing(self) -> int:
        return sum(r.missing for r in self.rows)

    @property
    def expected(self) -> int:
        return self.on_time + self.late + self.missing

    @property
    def completeness(self) -> float | None:
        return (self.on_time + self.late) / self.expected if self.expected else None

    @property
    def timeliness(self) -> float | None:
        return self.on_time / self.expected if self.expected else None

    def day_counts(self) -> list[dict[str, int]]:
        """Return, per day (in ``days`` order), how many units are in each status."""
        counts = [dict.fromkeys((ON_TIME, LATE, MISSING, PENDING), 0) for _ in self.days]
        for row in self.rows:
            for n, cell in enumerate(row.cells):
                counts[n][cell.status] += 1
        return counts


def period_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Return the days from ``start`` to ``end`` inclusive (newest last)."""
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def completeness(
    region: Region, start_day: dt.date, end_day: dt.date, *, moment: dt.datetime | None = None
) -> Completeness:
    """Tell, for each unit reporting to ``region`` and each day of the period, how it reported.

    Two queries whatever the period: the units, then their current reports of the period (the
    partial index on (day, region) of current rows).
    """
    if end_day < start_day:
        start_day, end_day = end_day, start_day
    moment = moment or now()
    units = reporting_units(region)
    days = period_days(start_day, end_day)
    deadlines = {day: report_deadline(day) for day in days}
    reports: dict[tuple[int, dt.date], tuple[int, bool, bool, dt.datetime]] = {}
    if units:
        rows = UnitReport.objects.filter(
            region__parent=region, day__gte=start_day, day__lte=end_day, replaced_by__isnull=True
        ).values_list("region_id", "day", "id", "late", "zero", "submitted_at")
        for region_id, day, pk, late, zero, at in rows:
            reports[(region_id, day)] = (pk, late, zero, at)
    result: list[UnitRow] = []
    for unit in units:
        row = UnitRow(region=unit)
        for day in days:
            found = reports.get((unit.pk, day))
            if found is not None:
                pk, late, zero, at = found
                status = LATE if late else ON_TIME
                row.cells.append(Cell(day, status, pk, zero, at))
                if late:
                    row.late += 1
                else:
                    row.on_time += 1
            elif deadlines[day] < moment:
                row.cells.append(Cell(day, MISSING))
                row.missing += 1
            else:
                row.cells.append(Cell(day, PENDING))
        result.append(row)
    return Completeness(region, start_day, end_day, days, result, deadlines)


def units_of(regions: Sequence[Region]) -> list[Region]:
    """Return the reporting units among ``regions`` (towns and villages), keeping their order."""
    return [r for r in regions if r.level in UNIT_LEVELS]
