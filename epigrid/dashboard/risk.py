"""Risk levels on the dashboard: computed with the snapshot, shown in a panel and on the battle map.

The snapshot (``figures.Figures.risk``) keeps each town's counts, level and the thresholds of the
policy version behind it, not the reason's text: the reason is written again when the page is shown
(``rules.reason_of``), so a reader in English gets it in English from the same snapshot. A district's
snapshot holds all its towns, a town's (and a village's or grid's) its own town: the page never reads
the register for them, so its query count does not grow with towns.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from epigrid.lib.regionmap_classes import Category
from epigrid.regions.models import Level, Region
from epigrid.risk.rules import HIGH, LEVELS, LOW, MEDIUM, RANK, label_of, reason_of
from epigrid.risk.selectors import policies_for_district, policy_for, risk_levels

# Lightness (CIE L*) about 94 / 74 / 30: the three levels stay apart in greyscale print and for
# red-green colour blindness (pale green, orange, dark red differ in lightness, not only in hue); the
# map also writes each town's level under its name and the legend names every colour.
RISK_FILLS = {LOW: "#e0f3db", MEDIUM: "#f6a33b", HIGH: "#99000d"}


@dataclass(frozen=True)
class _Rules:
    window_days: int
    medium_max_cumulative: int
    high_requires_cluster: bool
    cluster_min_cases: int = 2


@dataclass(frozen=True)
class RiskRow:
    """One town as the panel shows it."""

    region_id: int
    name: str
    level: str
    label: str
    reason: str
    new: int
    cumulative: int
    clusters: int
    href: str


def _district_id(region: Region) -> int:
    return region.pk if region.level == Level.DISTRICT else region.depth_ids[Level.DISTRICT - 1]


def risk_json(region: Region, day: dt.date) -> dict[str, Any]:
    """Return the region's risk part of the snapshot (empty before any policy version took effect):
    the district's towns for a district, its own town for anything below."""
    district_id = _district_id(region)
    policy = policy_for(policies_for_district(district_id=district_id), day)
    if policy is None:
        return {}
    district = region if region.level == Level.DISTRICT else Region.objects.get(pk=district_id)
    levels = risk_levels(district=district, day=day, policy=policy)
    if region.level != Level.DISTRICT:
        town_id = region.depth_ids[Level.TOWN - 1]
        levels = {k: v for k, v in levels.items() if k == town_id}
    names = dict(Region.objects.filter(pk__in=list(levels)).values_list("pk", "name"))
    return {
        "day": day.isoformat(),
        "policy_version": policy.version,
        "window_days": policy.window_days,
        "limit": policy.medium_max_cumulative,
        "requires_cluster": policy.high_requires_cluster,
        "towns": [
            {
                "region_id": pk,
                "name": names.get(pk, ""),
                "level": a.level,
                "new": a.new_confirmed,
                "cumulative": a.cumulative_confirmed,
                "clusters": a.clusters,
            }
            for pk, a in levels.items()
        ],
    }


def _reason(data: dict[str, Any], town: dict[str, Any]) -> str:
    rules = _Rules(data["window_days"], data["limit"], data["requires_cluster"])
    return reason_of(new=town["new"], cumulative=town["cumulative"], clusters=town["clusters"], policy=rules)


def risk_rows(data: dict[str, Any]) -> list[RiskRow]:
    """The towns of the snapshot, highest level first, then most new cases, then by name."""
    rows = [
        RiskRow(
            region_id=t["region_id"],
            name=t["name"],
            level=t["level"],
            label=label_of(t["level"]),
            reason=_reason(data, t),
            new=t["new"],
            cumulative=t["cumulative"],
            clusters=t["clusters"],
            href=reverse("risk:region", args=[t["region_id"]]),
        )
        for t in data.get("towns", [])
    ]
    return sorted(rows, key=lambda r: (-RANK[r.level], -r.new, -r.cumulative, r.name))


@dataclass(frozen=True)
class RiskHeadline:
    level: str
    label: str
    reason: str


def risk_headline(data: dict[str, Any], region: Region) -> RiskHeadline | None:
    """The region's own level: a district's highest town with the count of each level, a town's own,
    a village's or grid's its town's (the reason names the town)."""
    rows = risk_rows(data)
    if not rows:
        return None
    top = rows[0]
    if region.level == Level.DISTRICT:
        levels = Counter(r.level for r in rows)
        reason = _(
            "所辖%(n)d个镇（街道）中高风险%(high)d个、中风险%(medium)d个、低风险%(low)d个，按最高等级为%(label)s"
        ) % {
            "n": len(rows),
            "high": levels[HIGH],
            "medium": levels[MEDIUM],
            "low": levels[LOW],
            "label": top.label,
        }
        return RiskHeadline(top.level, top.label, reason)
    if region.level == Level.TOWN:
        return RiskHeadline(top.level, top.label, top.reason)
    return RiskHeadline(top.level, top.label, _("按所在%(town)s计：") % {"town": top.name} + top.reason)


def risk_categories() -> list[Category]:
    """The battle map's classes for the risk measure, lowest first."""
    return [Category(level, label_of(level), RISK_FILLS[level]) for level in LEVELS]
