"""The dashboard's figures of a region subtree: key figures now and at yesterday's cut-off, and its units.

Everything is a count read from the other apps' selectors, nobody is named:

- the daily report's indicators (``reports.indicators``) as of *now* and as of yesterday's report
  cut-off, so each key figure shows its change since the last daily report ("较昨日18时");
- alerts: abnormal current checks nobody has acknowledged, and those past their policy's escalation
  minutes (the same facts ``monitoring.alerts`` lists, counted for a region instead of for a user);
- report completeness: how many of the units reporting to the region have reported today;
- per unit below the region, the measures the battle map colours by;
- the risk level (低/中/高风险) of the towns concerned, with the counts behind it (``dashboard.risk``).

Computing all of it for a district of a million people takes seconds (the screening figures count
distinct people over every visit), so the dashboard serves it from a snapshot (``snapshots``) that is
refreshed in the background, the way DHIS2 serves its dashboards from analytics tables.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from epigrid.dashboard.reproduction import curve_json, rt_json
from epigrid.dashboard.risk import risk_json
from epigrid.monitoring.alerts import ALERT_DAYS
from epigrid.monitoring.models import CURRENT_ABNORMAL, AlertAck, Episode, HealthCheck, Policy
from epigrid.regions.models import Level, Region
from epigrid.regions.scope import subtree_q
from epigrid.reports.indicators import indicator_table, indicator_values, report_cutoff
from epigrid.reports.models import UnitReport

# Indicators read for the key figures (``reports.indicators.INDICATORS`` keys).
INDICATOR_KEYS = (
    "people_screened",
    "households_visited",
    "observation_total",
    "new_observation_today",
    "released_today",
    "confirmed",
    "new_confirmed_today",
    "suspected",
    "asymptomatic",
    "fever_hospital",
    "fever_community",
    "close_contacts",
    "checks_due_today",
    "checks_missed_today",
    "supplies_short",
    "supplies_out",
    "checkpoint_vehicles",
    "checkpoint_people",
)
# Indicators read for each unit below the region (the battle map's numeric measures).
UNIT_KEYS = ("observation_total", "confirmed", "suspected", "checks_missed_today")


@dataclass(frozen=True)
class KeyFigure:
    key: str
    label: StrOrPromise
    unit: StrOrPromise
    # "up" is bad news (more cases), "down" is bad news (fewer screened): the arrow's colour.
    worse: str = "up"


KEY_FIGURES: tuple[KeyFigure, ...] = (
    KeyFigure("people_screened", _("已摸排人数"), _("人"), worse="down"),
    KeyFigure("observation_total", _("医学观察和健康监测"), _("人")),
    KeyFigure("confirmed", _("确诊病例"), _("例")),
    KeyFigure("suspected", _("疑似病例"), _("例")),
    KeyFigure("fever", _("发热待查"), _("人")),
    KeyFigure("close_contacts", _("密切接触者"), _("人")),
    KeyFigure("alerts_open", _("未处置预警"), _("条")),
    KeyFigure("alerts_escalated", _("超时未处置预警"), _("条")),
    KeyFigure("checks_missed_today", _("当日未测温"), _("人次")),
    KeyFigure("reports_missing", _("今日未报告单位"), _("个")),
    KeyFigure("supplies_short", _("告急物资"), _("项")),
    KeyFigure("checkpoint_people", _("卡口检查人员"), _("人次"), worse="none"),
)

# The battle map's measures: key -> (label, kind). "reports" is categorical.
MEASURES: dict[str, tuple[StrOrPromise, str]] = {
    "observation": (_("观察人数"), "number"),
    "alerts": (_("发热预警"), "number"),
    "cases": (_("确诊和疑似"), "number"),
    "missed": (_("未测温人次"), "number"),
    "reports": (_("日报告"), "category"),
    "risk": (_("风险等级"), "category"),
}
REPORT_STATES = ("reported", "zero", "missing", "none")


@dataclass
class UnitFigures:
    region_id: int
    name: str
    observation: int = 0
    alerts: int = 0
    cases: int = 0
    missed: int = 0
    # reported / zero (a zero report) / missing (not yet today) / none (the unit does not report)
    report: str = "none"
    # low / medium / high for a town or street ("" for units below a town: they have no level of their own)
    risk: str = ""


@dataclass
class Figures:
    """What the dashboard shows for one region, as plain data (stored as JSON in a snapshot)."""

    region_id: int
    day: str  # ISO date of "today" when computed
    computed_at: str  # ISO datetime
    yesterday_cutoff: str
    now: dict[str, int] = field(default_factory=dict)
    yesterday: dict[str, int] = field(default_factory=dict)
    units_reporting: int = 0
    units: list[UnitFigures] = field(default_factory=list)
    # The epidemic curve (by onset and by report date, local and imported) and, for a district or a
    # town, Rt with the default serial interval: ``dashboard.reproduction`` (plain JSON).
    curve: dict[str, Any] = field(default_factory=dict)
    rt: dict[str, Any] | None = None
    # The towns' risk levels and the counts and thresholds behind them: ``dashboard.risk.risk_json``.
    risk: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Figures:
        units = [UnitFigures(**u) for u in data.get("units", [])]
        return cls(**{**data, "units": units})


# --- alerts -----------------------------------------------------------------------------------------


def _grid_q(region: Region) -> Q:
    """Checks of the region's subtree by the check's own grid column (the (grid, day) index serves)."""
    if region.level >= Level.GRID:
        grid = region.pk if region.level == Level.GRID else region.depth_ids[Level.GRID - 1]
        return Q(grid_id=grid)
    return Q(grid_id__in=Region.objects.filter(subtree_q(region.path), level=Level.GRID).values("pk"))


def alert_counts_by_grid(region: Region, moment: dt.datetime) -> dict[int, tuple[int, int]]:
    """Per grid of the subtree: (open alerts, escalated alerts) at ``moment``.

    Open: an abnormal current check of the last ``ALERT_DAYS`` days, entered by ``moment``, of an open
    episode, with no acknowledgement made by ``moment``. Escalated: entered longer ago than the
    episode policy's ``escalate_minutes``. One query over the partial index of abnormal checks.
    """
    local_day = timezone.localdate(moment)
    acked = AlertAck.objects.filter(
        health_check_id=OuterRef("pk"), kind=AlertAck.Kind.ABNORMAL, created_at__lte=moment
    )
    escalate = {p.pk: p.escalate_minutes for p in Policy.objects.all()}
    rows = (
        HealthCheck.objects.filter(_grid_q(region))
        .filter(CURRENT_ABNORMAL, day__gte=local_day - dt.timedelta(days=ALERT_DAYS - 1), day__lte=local_day)
        .filter(entered_at__lte=moment, episode__status=Episode.Status.OPEN)
        .exclude(Exists(acked))
        .values_list("grid_id", "episode__policy_id", "entered_at")
    )
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for grid_id, policy_id, entered_at in rows:
        counts[grid_id][0] += 1
        if entered_at < moment - dt.timedelta(minutes=escalate.get(policy_id, 30)):
            counts[grid_id][1] += 1
    return {grid: (n[0], n[1]) for grid, n in counts.items()}


# --- reports ----------------------------------------------------------------------------------------


def _report_states(children: Sequence[Region], day: dt.date) -> dict[int, str]:
    """Today's report state of each child that is a reporting unit (towns and villages)."""
    units = [c for c in children if c.level in (Level.TOWN, Level.VILLAGE)]
    if not units:
        return {}
    states = dict.fromkeys((u.pk for u in units), "missing")
    rows = UnitReport.objects.filter(
        region_id__in=[u.pk for u in units], day=day, replaced_by__isnull=True
    ).values_list("region_id", "zero")
    for region_id, zero in rows:
        states[region_id] = "zero" if zero else "reported"
    return states


# --- the figures ------------------------------------------------------------------------------------


def _derived(values: dict[str, int], alerts: tuple[int, int], missing: int) -> dict[str, int]:
    out = dict(values)
    out["fever"] = values.get("fever_hospital", 0) + values.get("fever_community", 0)
    out["alerts_open"], out["alerts_escalated"] = alerts
    out["reports_missing"] = missing
    return out


def _children(region: Region) -> list[Region]:
    if region.level >= Level.GRID:
        return []
    return list(Region.objects.filter(parent=region).order_by("code"))


def _child_of_grid(children: Sequence[Region]) -> dict[str, int]:
    """Path prefix of each child, to find the child a grid lies in."""
    return {child.path: child.pk for child in children}


def figures_compute(
    region: Region,
    moment: dt.datetime,
    *,
    yesterday: dict[str, int] | None = None,
) -> Figures:
    """Compute the dashboard's figures of ``region`` at ``moment`` (not scoped: check the region first).

    ``yesterday`` reuses the values at yesterday's cut-off from an earlier snapshot of the same day
    (they do not change: every figure is as of a cut-off that has passed).
    """
    started = time.perf_counter()
    today = timezone.localdate(moment)
    cutoff_before = report_cutoff(today - dt.timedelta(days=1))
    children = _children(region)
    states = _report_states(children, today)
    # Alerts per grid, then summed for the region and per child.
    by_grid = alert_counts_by_grid(region, moment)
    open_total = sum(n for n, _e in by_grid.values())
    escalated_total = sum(e for _n, e in by_grid.values())
    now_values = _derived(
        indicator_values(region, moment, INDICATOR_KEYS),
        (open_total, escalated_total),
        sum(1 for s in states.values() if s == "missing"),
    )
    if yesterday is None:
        before_grid = alert_counts_by_grid(region, cutoff_before)
        before_states = _report_states(children, today - dt.timedelta(days=1))
        yesterday = _derived(
            indicator_values(region, cutoff_before, INDICATOR_KEYS),
            (sum(n for n, _e in before_grid.values()), sum(e for _n, e in before_grid.values())),
            sum(1 for s in before_states.values() if s == "missing"),
        )
    risk = risk_json(region, today)
    unit_risk = {t["region_id"]: t["level"] for t in risk.get("towns", [])}
    units: list[UnitFigures] = []
    if children:
        table = indicator_table(children, moment, UNIT_KEYS)
        grid_paths = (
            dict(Region.objects.filter(pk__in=list(by_grid)).values_list("pk", "path")) if by_grid else {}
        )
        alerts_by_child: dict[int, int] = defaultdict(int)
        prefixes = _child_of_grid(children)
        for grid_id, (n, _e) in by_grid.items():
            path = grid_paths.get(grid_id, "")
            for prefix, child_id in prefixes.items():
                if path.startswith(prefix):
                    alerts_by_child[child_id] += n
                    break
        for child in children:
            row = table.get(child.pk, {})
            units.append(
                UnitFigures(
                    region_id=child.pk,
                    name=child.name,
                    observation=row.get("observation_total", 0),
                    alerts=alerts_by_child.get(child.pk, 0),
                    cases=row.get("confirmed", 0) + row.get("suspected", 0),
                    missed=row.get("checks_missed_today", 0),
                    report=states.get(child.pk, "none"),
                    risk=unit_risk.get(child.pk, ""),
                )
            )
    return Figures(
        curve=curve_json(region, today),
        rt=rt_json(region, today),
        risk=risk,
        region_id=region.pk,
        day=today.isoformat(),
        computed_at=moment.isoformat(),
        yesterday_cutoff=cutoff_before.isoformat(),
        now=now_values,
        yesterday=yesterday,
        units_reporting=len(states),
        units=units,
        seconds=round(time.perf_counter() - started, 3),
    )


def level_has_rt(region: Region) -> bool:
    """Rt is shown for the district and its towns, not below: too few cases per unit."""
    return region.level <= Level.TOWN
