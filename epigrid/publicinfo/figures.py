"""The public figures of a district or town as of the last daily cut-off, and small-count suppression.

Everything here is a count from grouped queries (``reports.indicators``, ``risk.selectors`` and one
grouped count of released observations): the cost does not grow with the number of people, and no
row of a person leaves the database. The figures are those of the last cut-off that has passed
(``EPIGRID_REPORT_CUTOFF``): the public sees what the daily report said, not a moving number.

Small counts: below the district, a count from 1 to ``EPIGRID_PUBLIC_MIN_COUNT`` − 1 is shown as
"<N" (default 5). Where the district total is published beside its towns, one hidden cell in a
column could be worked out from the total and the others, so a second cell, the smallest other, is
hidden with it (complementary suppression). The district's own figures are the official ones and are
shown in full.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.utils import timezone, translation

from epigrid.core.clock import now
from epigrid.monitoring.models import Episode
from epigrid.regions.models import LEVEL_FIELD, Level, Region
from epigrid.reports.indicators import indicator_table, indicator_values, report_cutoff
from epigrid.risk.selectors import NoRiskLevel, RiskAssessment, district_summary, region_risk, risk_levels

# The indicators a public page shows (current counts as of the cut-off, and the report period's new).
INDICATOR_KEYS = (
    "confirmed",
    "suspected",
    "asymptomatic",
    "observation_total",
    "released_today",
    "new_confirmed_today",
    "new_suspected_today",
)
# The figures of a region on the page, in display order: (key, label msgid kept in ``texts``).
FIGURE_KEYS = (
    "confirmed_total",
    "new_confirmed",
    "confirmed_current",
    "suspected",
    "new_suspected",
    "asymptomatic",
    "observation",
    "released_today",
    "released_total",
)
RISK_ORDER = {"high": 0, "medium": 1, "low": 2}


def min_count() -> int:
    return int(getattr(settings, "EPIGRID_PUBLIC_MIN_COUNT", 5))


def last_cutoff(moment: dt.datetime | None = None) -> tuple[dt.date, dt.datetime]:
    """The report day whose cut-off is the last one passed at ``moment``, and that cut-off."""
    moment = moment or now()
    day = timezone.localdate(moment)
    cutoff = report_cutoff(day)
    if cutoff > moment:
        day -= dt.timedelta(days=1)
        cutoff = report_cutoff(day)
    return day, cutoff


def _released_totals(column: str, ids: list[int], cutoff: dt.datetime) -> dict[int, int]:
    """Observations released by the cut-off, per unit (one grouped query)."""
    rows = (
        Episode.objects.filter(**{f"{column}__in": ids}, status=Episode.Status.RELEASED, ended_at__lte=cutoff)
        .values_list(column)
        .annotate(n=Count("id"))
        .order_by()
    )
    return dict(rows)


def _figures(values: dict[str, int], risk: RiskAssessment | None, released_total: int) -> dict[str, int]:
    return {
        "confirmed_total": risk.cumulative_confirmed if risk is not None else values.get("confirmed", 0),
        "new_confirmed": values.get("new_confirmed_today", 0),
        "confirmed_current": values.get("confirmed", 0),
        "suspected": values.get("suspected", 0),
        "new_suspected": values.get("new_suspected_today", 0),
        "asymptomatic": values.get("asymptomatic", 0),
        "observation": values.get("observation_total", 0),
        "released_today": values.get("released_today", 0),
        "released_total": released_total,
    }


def _risk_json(risk: RiskAssessment | None) -> dict[str, Any] | None:
    if risk is None:
        return None
    return {
        "level": risk.level,
        "reason": risk.reason,
        "new_confirmed": risk.new_confirmed,
        "cumulative_confirmed": risk.cumulative_confirmed,
        "clusters": risk.clusters,
        "window_start": risk.window_start.isoformat(),
        "window_end": risk.window_end.isoformat(),
        "policy_version": risk.policy_version,
    }


def public_figures_compute(region: Region, day: dt.date, cutoff: dt.datetime) -> dict[str, Any]:
    """The JSON of a region's public snapshot: its figures and risk, and (a district) its towns'.

    A constant number of grouped queries whatever the size of the district. The risk's reason is
    kept in Chinese, the language of the official wording; the English page words its own.
    """
    column = LEVEL_FIELD[region.level]
    own_risk: RiskAssessment | None = None
    town_risks: dict[int, RiskAssessment] = {}
    with translation.override("zh-hans"):
        if region.level == Level.DISTRICT:
            town_risks = risk_levels(district=region, day=day)
            if town_risks:
                own_risk = district_summary(region.pk, town_risks, day)
        else:
            try:
                own_risk = region_risk(region=region, day=day)
            except NoRiskLevel:  # before the first policy version: figures without a level
                own_risk = None
    values = indicator_values(region, cutoff, INDICATOR_KEYS)
    released = _released_totals(column, [region.pk], cutoff)
    data: dict[str, Any] = {
        "day": day.isoformat(),
        "cutoff": cutoff.isoformat(),
        "region": {"id": region.pk, "code": region.code, "name": region.name, "level": region.level},
        "figures": _figures(values, own_risk, released.get(region.pk, 0)),
        "risk": _risk_json(own_risk),
        "towns": [],
    }
    if region.level == Level.DISTRICT:
        towns = list(Region.objects.filter(parent=region, level=Level.TOWN).order_by("code", "pk"))
        table = indicator_table(towns, cutoff, INDICATOR_KEYS)
        released_towns = _released_totals(LEVEL_FIELD[Level.TOWN], [t.pk for t in towns], cutoff)
        counts: dict[str, int] = defaultdict(int)
        for town in towns:
            risk = town_risks.get(town.pk)
            if risk is not None:
                counts[risk.level] += 1
            data["towns"].append(
                {
                    "id": town.pk,
                    "code": town.code,
                    "name": town.name,
                    "figures": _figures(table.get(town.pk, {}), risk, released_towns.get(town.pk, 0)),
                    "risk": _risk_json(risk),
                }
            )
        data["risk_counts"] = {level: counts.get(level, 0) for level in RISK_ORDER}
    return data


@dataclass(frozen=True)
class Cell:
    """A published count: ``value`` when shown, else ``text`` says how it is hidden."""

    value: int | None
    text: str

    @property
    def hidden(self) -> bool:
        return self.value is None


def _cell(value: int, threshold: int) -> Cell:
    if 0 < value < threshold:
        return Cell(None, f"<{threshold}")
    return Cell(value, str(value))


def suppress_one(figures: dict[str, int], threshold: int | None = None) -> dict[str, Cell]:
    """A small unit's own figures with small counts hidden (a town's page)."""
    threshold = min_count() if threshold is None else threshold
    return {key: _cell(figures.get(key, 0), threshold) for key in FIGURE_KEYS}


def suppress_table(rows: list[dict[str, int]], threshold: int | None = None) -> list[dict[str, Cell]]:
    """The towns' figures beside a published total, hidden so that no hidden cell can be worked out.

    Primary: 1..threshold-1 is hidden. Complementary: a column with exactly one hidden cell hides the
    smallest other cell too (zeros included: with the total published, a lone hidden cell next to
    zeros would be exact).
    """
    threshold = min_count() if threshold is None else threshold
    cells = [{key: _cell(row.get(key, 0), threshold) for key in FIGURE_KEYS} for row in rows]
    for key in FIGURE_KEYS:
        hidden = [i for i, row in enumerate(cells) if row[key].hidden]
        if len(hidden) != 1:
            continue
        others = [(rows[i].get(key, 0), i) for i in range(len(rows)) if i not in hidden]
        if others:
            _, second = min(others)
            cells[second][key] = Cell(None, "*")
    return cells
