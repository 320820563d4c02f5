"""Rt and doubling time of a district and its towns (or of one town), from the cases' daily incidence.

Incidence is read once for the whole subtree, grouped by town: cases (confirmed, clinically diagnosed,
recovered, died: ``cases.curve.KINDS["cases"]``) per day of symptom onset, or of report where the onset
is not recorded, local and imported apart. The estimate is ``lib.rt`` (Cori et al. 2013, as EpiEstim's
``estimate_R`` with a parametric serial interval). Counts only, nobody named: nothing to log.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import Count
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from epigrid.cases.curve import DEFAULT_DAYS, KINDS, curve_counts
from epigrid.cases.models import CaseStatus
from epigrid.lib import rt as rtlib
from epigrid.regions.models import LEVEL_FIELD, Level, Region

# Serial interval of COVID-19 from the first 425 cases in Wuhan (Li et al., NEJM 2020): mean 7.5 days,
# sd 3.4 days. Staff can try other values on the Rt page; the CLI takes any.
SI_MEAN = 7.5
SI_SD = 3.4
WINDOW = 7
# At most this many days of incidence are read (a year); Rt needs the infectivity of the serial interval.
MAX_DAYS = 365
DOUBLING_DAYS = 14
RT_LEVELS = gettext_noop("Rt 只对区县和乡镇（街道）计算")


class RtParamsError(ValueError):
    """Serial interval or window out of range; the message says which (translated)."""


@dataclass(frozen=True)
class RtParams:
    si_mean: float = SI_MEAN
    si_sd: float = SI_SD
    window: int = WINDOW


def rt_params_from(query: Mapping[str, str]) -> RtParams:
    """Read ``si_mean``, ``si_sd`` and ``window`` from a query string, refusing what EpiEstim refuses."""
    try:
        si_mean = float(query.get("si_mean") or SI_MEAN)
        si_sd = float(query.get("si_sd") or SI_SD)
        window = int(query.get("window") or WINDOW)
    except ValueError as exc:
        raise RtParamsError(_("序列间隔和窗口须为数字")) from exc
    if not si_mean > 1 or si_mean > 60:
        raise RtParamsError(_("序列间隔均值须大于1天（EpiEstim 的要求）且不超过60天"))
    if not 0 < si_sd <= 60:
        raise RtParamsError(_("序列间隔标准差须大于0且不超过60天"))
    if not 2 <= window <= 28:
        raise RtParamsError(_("窗口须为2到28天"))
    return RtParams(si_mean, si_sd, window)


@dataclass
class RtRow:
    region_id: int
    name: str
    href: str | None
    mean: float | None = None
    low: float | None = None
    high: float | None = None
    cases: int = 0
    reliable: bool = False
    doubling: str = ""


@dataclass
class RtSummary:
    params: RtParams
    rows: list[RtRow] = field(default_factory=list)
    chart: dict[str, object] = field(default_factory=dict)


def incidence_by_unit(region: Region, start: dt.date, end: dt.date) -> dict[int, tuple[list[int], list[int]]]:
    """Daily (local, imported) cases of ``[start, end]`` for the region and, for a district, each town."""
    level = min(region.level, Level.GRID)
    column = LEVEL_FIELD[level]
    by_town = region.level == Level.DISTRICT
    days = (end - start).days + 1
    result: dict[int, tuple[list[int], list[int]]] = defaultdict(lambda: ([0] * days, [0] * days))
    rows = (
        CaseStatus.objects.filter(
            **{column: region.pk}, classification__in=KINDS["cases"], person__merged_into__isnull=True
        )
        .annotate(day=Coalesce("onset_date", "reported_on"))
        .filter(day__gte=start, day__lte=end)
        .values_list("town_id", "day", "imported")
        .annotate(n=Count("id"))
        .order_by()
    )
    for town_id, day, imported, n in rows:
        index = (day - start).days
        targets = [region.pk] + ([town_id] if by_town and town_id else [])
        for target in targets:
            (result[target][1] if imported else result[target][0])[index] += n
    return dict(result)


def _first_day(region: Region, today: dt.date) -> dt.date | None:
    level = min(region.level, Level.GRID)
    first = (
        CaseStatus.objects.filter(
            **{LEVEL_FIELD[level]: region.pk},
            classification__in=KINDS["cases"],
            person__merged_into__isnull=True,
        )
        .annotate(day=Coalesce("onset_date", "reported_on"))
        .filter(day__gte=today - dt.timedelta(days=MAX_DAYS - 1), day__lte=today)
        .order_by("day")
        .values_list("day", flat=True)
        .first()
    )
    return first


def _days(value: float) -> str:
    return f"{value:.1f}" if value < 100 else "≥100"


def doubling_text(result: rtlib.DoublingTime) -> str:
    """The doubling (or halving) time in words, with its 95 % interval."""
    if result.trend == "doubling" and result.doubling is not None:
        return _("倍增约 %(d)s 天（%(lo)s–%(hi)s）") % {
            "d": _days(result.doubling),
            "lo": _days(result.doubling_low or result.doubling),
            "hi": _days(result.doubling_high or result.doubling),
        }
    if result.trend == "halving" and result.halving is not None:
        return _("减半约 %(d)s 天（%(lo)s–%(hi)s）") % {
            "d": _days(result.halving),
            "lo": _days(result.halving_low or result.halving),
            "hi": _days(result.halving_high or result.halving),
        }
    if result.trend == "no clear trend":
        return _("无明显增减趋势")
    return _("病例过少，无法估计")


def rt_summaries(*, region: Region, today: dt.date, params: RtParams) -> RtSummary:
    """Rt of the region (a district or a town) and, for a district, of each of its towns."""
    summary = RtSummary(params=params)
    start = _first_day(region, today)
    units = [region]
    if region.level == Level.DISTRICT:
        units += list(Region.objects.filter(parent=region).order_by("code"))
    series: list[dict[str, object]] = []
    incidence = incidence_by_unit(region, start, today) if start is not None else {}
    for unit in units:
        href = reverse("dashboard:region", args=[unit.pk]) if unit.pk != region.pk else None
        row = RtRow(region_id=unit.pk, name=unit.name, href=href)
        summary.rows.append(row)
        if start is None or unit.pk not in incidence:
            continue
        local, imported = incidence[unit.pk]
        if len(local) <= params.window:
            row.doubling = _("病例过少，无法估计")
            continue
        estimate = rtlib.rt_estimate(
            local, imported, si_mean=params.si_mean, si_sd=params.si_sd, window=params.window
        )
        total = [a + b for a, b in zip(local, imported, strict=True)]
        row.doubling = doubling_text(rtlib.doubling_time(total, days=DOUBLING_DAYS))
        last = estimate.windows[-1]
        row.cases, row.reliable = last.cases, last.reliable
        if last.mean is not None:
            row.mean, row.low, row.high = last.mean, last.q025, last.q975
        shown = [w for w in estimate.windows if w.mean is not None and w.cases > 0]
        series.append(
            {
                "name": unit.name,
                "days": [(start + dt.timedelta(days=w.t_end - 1)).isoformat() for w in shown],
                "mean": [round(w.mean or 0.0, 4) for w in shown],
                "low": [round(w.q025 or 0.0, 4) for w in shown],
                "high": [round(w.q975 or 0.0, 4) for w in shown],
            }
        )
    summary.chart = {"series": series, "labels": {"x": _("窗口末日")}}
    return summary


def curve_json(region: Region, today: dt.date) -> dict[str, Any]:
    """The region's epidemic curve of the last ``DEFAULT_DAYS`` days as plain JSON (for the snapshot)."""
    start = today - dt.timedelta(days=DEFAULT_DAYS - 1)
    curve = curve_counts(region=region, start=start, end=today)
    return {
        "days": [d.isoformat() for d in curve.days],
        "onset": {"local": curve.onset.local, "imported": curve.onset.imported},
        "report": {"local": curve.report.local, "imported": curve.report.imported},
        "onset_unknown": curve.onset_unknown,
    }


def rt_json(region: Region, today: dt.date) -> dict[str, Any] | None:
    """Rt with the default parameters as plain JSON (for the snapshot); None below a town."""
    if region.level > Level.TOWN:
        return None
    summary = rt_summaries(region=region, today=today, params=RtParams())
    return {"rows": [asdict(row) for row in summary.rows], "chart": summary.chart}


def rt_from_json(data: dict[str, Any]) -> RtSummary:
    return RtSummary(params=RtParams(), rows=[RtRow(**row) for row in data["rows"]], chart=data["chart"])
