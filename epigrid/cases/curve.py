"""Epidemic curve data: cases per day by onset date and by report date, local and imported apart.

For the dashboard (a later issue) and ``GET /api/v1/curve``. Figures only, nobody named, so nothing is
logged. A case is counted on its current classification: confirmed, clinically diagnosed, recovered or
died (the outcome of a case) — or, for ``kind="asymptomatic"``, asymptomatic infections, which the
reports of early 2020 give apart from confirmed cases. Two grouped queries on ``CaseStatus`` (one per
date column) over the chain column of the region's level; records merged into another are left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from django.db.models import Count, Q
from django.http import Http404
from django.utils.translation import gettext as _

from epigrid.cases.models import CaseStatus, Classification
from epigrid.core.models import User
from epigrid.regions.models import LEVEL_FIELD, Level, Region
from epigrid.regions.scope import scope_for

CurveKind = Literal["cases", "asymptomatic"]
KINDS: dict[str, tuple[str, ...]] = {
    "cases": (
        Classification.CONFIRMED,
        Classification.CLINICAL,
        Classification.RECOVERED,
        Classification.DIED,
    ),
    "asymptomatic": (Classification.ASYMPTOMATIC,),
}
DEFAULT_DAYS = 60
MAX_DAYS = 366


class CurveRangeError(ValueError):
    """The date range is reversed or longer than ``MAX_DAYS``; the message says which."""


@dataclass(frozen=True)
class Series:
    local: list[int]
    imported: list[int]

    @property
    def total(self) -> list[int]:
        return [a + b for a, b in zip(self.local, self.imported, strict=True)]


@dataclass(frozen=True)
class Curve:
    region: Region
    kind: str
    days: list[dt.date]
    onset: Series
    report: Series
    # Cases reported inside the range whose onset date is not recorded (asymptomatic infections have none).
    onset_unknown: int


def curve_range(start: dt.date | None, end: dt.date | None, *, today: dt.date) -> tuple[dt.date, dt.date]:
    """Fill a missing end with today and a missing start with ``DEFAULT_DAYS`` before the end."""
    end = end or today
    start = start or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise CurveRangeError(_("开始日期晚于结束日期"))
    if (end - start).days + 1 > MAX_DAYS:
        raise CurveRangeError(_("日期范围不能超过 %(n)d 天") % {"n": MAX_DAYS})
    return start, end


def _region_q(region: Region) -> Q:
    level = min(region.level, Level.GRID)
    region_id = region.pk if region.level <= Level.GRID else region.depth_ids[Level.GRID - 1]
    return Q(**{LEVEL_FIELD[level]: region_id})


def epidemic_curve(
    *, user: User, region: Region, start: dt.date, end: dt.date, kind: CurveKind = "cases"
) -> Curve:
    """Count a region subtree's cases per day of ``[start, end]`` by onset and by report date.

    404 when the region is not the user's (the caller usually has it from ``region_get_for_user``).
    """
    if not scope_for(user).contains(region):
        raise Http404
    return curve_counts(region=region, start=start, end=end, kind=kind)


def curve_counts(*, region: Region, start: dt.date, end: dt.date, kind: CurveKind = "cases") -> Curve:
    """``epidemic_curve`` without the scope check, for callers that have checked the region already
    (the dashboard's snapshot, computed by a background task with no user)."""
    base = CaseStatus.objects.filter(
        _region_q(region), classification__in=KINDS[kind], person__merged_into__isnull=True
    )
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    position = {day: i for i, day in enumerate(days)}
    onset = Series([0] * len(days), [0] * len(days))
    report = Series([0] * len(days), [0] * len(days))
    by_onset = (
        base.filter(onset_date__range=(start, end))
        .values_list("onset_date", "imported")
        .annotate(n=Count("id"))
        .order_by()
    )
    for day, was_imported, n in by_onset:
        (onset.imported if was_imported else onset.local)[position[day]] += n
    by_report = (
        base.filter(reported_on__range=(start, end))
        .values_list("reported_on", "imported")
        .annotate(n=Count("id"), no_onset=Count("id", filter=Q(onset_date__isnull=True)))
        .order_by()
    )
    unknown = 0
    for day, was_imported, n, no_onset in by_report:
        (report.imported if was_imported else report.local)[position[day]] += n
        unknown += no_onset
    return Curve(region=region, kind=kind, days=days, onset=onset, report=report, onset_unknown=unknown)
