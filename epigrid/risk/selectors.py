"""Risk levels of towns and streets, as of a day: the stable reading API of the risk app.

Public information, counts only: an assessment names a region and its counts, never a person, so it
is not audited and ``region_risk`` answers for any region (the pages and the API check the caller's
scope first). ``risk_levels`` reads a district in a constant number of queries (its towns, the policy
versions, the confirmed people, the contact links: ``facts``), whatever the number of towns;
``town_history`` reuses one read for every day it shows.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from django.db.models import Q
from django.utils.translation import gettext as _

from epigrid.regions.models import Level, Region
from epigrid.risk.facts import Facts, TownCounts, facts_load
from epigrid.risk.models import FEB_2020, RiskPolicy
from epigrid.risk.rules import HIGH, LOW, MEDIUM, RANK, label_of, level_of, reason_of

HISTORY_DAYS = 30


@dataclass(frozen=True)
class RiskAssessment:
    """A region's risk level on a day with its counts and the reason, under one policy version."""

    region_id: int
    level: str  # "low" | "medium" | "high"
    new_confirmed: int  # in the window
    cumulative_confirmed: int
    clusters: int  # clusters active in the window
    window_start: dt.date
    window_end: dt.date
    policy_version: int
    reason: str

    @property
    def label(self) -> str:
        """Return 低风险 / 中风险 / 高风险 in the active language."""
        return label_of(self.level)

    @property
    def rank(self) -> int:
        """Return 0 (low), 1 (medium) or 2 (high), to sort the highest first."""
        return RANK[self.level]


# --- policy versions -----------------------------------------------------------------------------------


def policies_for_district(*, district_id: int) -> list[RiskPolicy]:
    """Return the versions a district follows: the national ones and its own, newest first.

    Migration 0002 writes the national version 1; a database emptied since (a flushed test database,
    a restore of data without it) gets the same version back rather than no grading at all, as the
    observation protocol does (``monitoring.policy.current_policy``). One query when it is there.
    """
    found = list(
        RiskPolicy.objects.filter(Q(district__isnull=True) | Q(district_id=district_id))
        .select_related("district")
        .order_by("-effective_from", "-version", "district_id")
    )
    if any(p.district_id is None for p in found):
        return found
    RiskPolicy.objects.get_or_create(district=None, version=1, defaults=FEB_2020)
    return policies_for_district(district_id=district_id)


def policy_for(policies: Sequence[RiskPolicy], day: dt.date) -> RiskPolicy | None:
    """Return the version effective on ``day``: the latest ``effective_from`` on or before it (at one
    date, the district's own version over the national one, then the higher version)."""
    effective = [p for p in policies if p.effective_from <= day]
    if not effective:
        return None
    return max(effective, key=lambda p: (p.effective_from, p.district_id is not None, p.version))


def _district_of(region: Region) -> int:
    return region.pk if region.level == Level.DISTRICT else region.depth_ids[Level.DISTRICT - 1]


# --- assessments ---------------------------------------------------------------------------------------


def _assess(region_id: int, counts: TownCounts, policy: RiskPolicy, day: dt.date) -> RiskAssessment:
    values = {"new": counts.new, "cumulative": counts.cumulative, "clusters": counts.clusters}
    return RiskAssessment(
        region_id=region_id,
        level=level_of(**values, policy=policy),
        new_confirmed=counts.new,
        cumulative_confirmed=counts.cumulative,
        clusters=counts.clusters,
        window_start=day - dt.timedelta(days=policy.window_days - 1),
        window_end=day,
        policy_version=policy.version,
        reason=reason_of(**values, policy=policy),
    )


def _levels(
    town_ids: Sequence[int], facts: Facts, policies: Sequence[RiskPolicy], day: dt.date
) -> dict[int, RiskAssessment]:
    policy = policy_for(policies, day)
    if policy is None:
        return {}  # before the first version took effect there was no grading
    counts = facts.counts(day=day, window_days=policy.window_days, cluster_min_cases=policy.cluster_min_cases)
    return {town: _assess(town, counts.get(town, TownCounts()), policy, day) for town in town_ids}


def _towns(district: Region) -> list[int]:
    return list(
        Region.objects.filter(parent=district, level=Level.TOWN).order_by("code").values_list("pk", flat=True)
    )


def risk_levels(
    *, district: Region, day: dt.date, policy: RiskPolicy | None = None
) -> dict[int, RiskAssessment]:
    """Every town/street of the district (keyed by region id), in a small constant number of queries.

    ``policy`` forces a version (to preview one); otherwise each day uses the version effective on it.
    Empty when no version was in effect on ``day``.
    """
    if policy is not None:
        policies = [replace_effective(policy, day)]  # forced: previewed on any day, not looked up
    else:
        policies = policies_for_district(district_id=district.pk)
    return _levels(_towns(district), facts_load(district=district), policies, day)


def replace_effective(policy: RiskPolicy, day: dt.date) -> RiskPolicy:
    """Return an unsaved copy of ``policy`` in effect from ``day`` (for a preview)."""
    return RiskPolicy(
        district_id=policy.district_id,
        version=policy.version,
        name=policy.name,
        effective_from=min(policy.effective_from, day),
        window_days=policy.window_days,
        medium_max_cumulative=policy.medium_max_cumulative,
        high_requires_cluster=policy.high_requires_cluster,
        cluster_min_cases=policy.cluster_min_cases,
    )


def district_summary(district_id: int, towns: dict[int, RiskAssessment], day: dt.date) -> RiskAssessment:
    """Return the district's assessment: the highest of its towns, the reason counting each level."""
    if not towns:
        raise ValueError("a district without towns or before any policy has no risk level")
    top = max(towns.values(), key=lambda a: (a.rank, a.new_confirmed, a.cumulative_confirmed))
    levels = Counter(a.level for a in towns.values())
    reason = _(
        "所辖%(n)d个镇（街道）中高风险%(high)d个、中风险%(medium)d个、低风险%(low)d个，按最高等级为%(label)s"
    ) % {
        "n": len(towns),
        "high": levels[HIGH],
        "medium": levels[MEDIUM],
        "low": levels[LOW],
        "label": top.label,
    }
    return RiskAssessment(
        region_id=district_id,
        level=top.level,
        new_confirmed=sum(a.new_confirmed for a in towns.values()),
        cumulative_confirmed=sum(a.cumulative_confirmed for a in towns.values()),
        clusters=sum(a.clusters for a in towns.values()),
        window_start=top.window_start,
        window_end=day,
        policy_version=top.policy_version,
        reason=reason,
    )


class NoRiskLevel(Exception):
    """The region has no level on the day: no town to grade, or no policy version in effect yet."""


def region_risk(*, region: Region, day: dt.date) -> RiskAssessment:
    """A town/street: its own; a district: the highest of its towns (reason says how many towns are
    high/medium); a village/grid: its town's, the reason naming the town.

    Raises ``NoRiskLevel`` for a district without towns or a day before the first policy version.
    """
    if region.level == Level.DISTRICT:
        towns = risk_levels(district=region, day=day)
        if not towns:
            raise NoRiskLevel
        return district_summary(region.pk, towns, day)
    town_id = region.pk if region.level == Level.TOWN else region.depth_ids[Level.TOWN - 1]
    district = Region.objects.get(pk=_district_of(region))
    policies = policies_for_district(district_id=district.pk)
    found = _levels([town_id], facts_load(district=district), policies, day).get(town_id)
    if found is None:
        raise NoRiskLevel
    if region.level == Level.TOWN:
        return found
    town_name = Region.objects.filter(pk=town_id).values_list("name", flat=True).first() or ""
    return replace(
        found, region_id=region.pk, reason=_("按所在%(town)s计：") % {"town": town_name} + found.reason
    )


def town_history(*, town: Region, day: dt.date, days: int = HISTORY_DAYS) -> list[RiskAssessment]:
    """Return the town's assessment on each of the ``days`` days ending on ``day``, oldest first
    (days before the first policy version are left out); one read of the district's facts for all."""
    district = Region.objects.get(pk=_district_of(town))
    facts = facts_load(district=district)
    policies = policies_for_district(district_id=district.pk)
    history = []
    for back in range(days - 1, -1, -1):
        on = day - dt.timedelta(days=back)
        found = _levels([town.pk], facts, policies, on).get(town.pk)
        if found is not None:
            history.append(found)
    return history


def levels_sorted(
    assessments: dict[int, RiskAssessment], names: dict[int, str]
) -> list[tuple[str, RiskAssessment]]:
    """Return (town name, assessment), the highest level first, then most new cases, then by name."""
    rows = [(names.get(pk, ""), a) for pk, a in assessments.items()]
    return sorted(rows, key=lambda r: (-r[1].rank, -r[1].new_confirmed, -r[1].cumulative_confirmed, r[0]))
