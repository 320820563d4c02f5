"""The risk rule itself, on plain numbers: a level and its reason from the window's counts.

No database here, so the boundaries (0 new cases, 50 against 51, a cluster or none) are tested on
their own. The February 2020 standard leaves one case open: more than 50 cases in total and new ones
in the window, but no cluster. It names high risk only *with* a cluster and medium risk only up to 50,
so this module keeps such a town at **medium** and says why in the reason, rather than leaving it
without a level: under-reporting a town's risk is the worse mistake, but promoting it to high would
contradict the standard's own condition.
"""

from __future__ import annotations

from typing import Protocol

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

LOW, MEDIUM, HIGH = "low", "medium", "high"
LEVELS = (LOW, MEDIUM, HIGH)
RANK = {LOW: 0, MEDIUM: 1, HIGH: 2}
LABELS: dict[str, StrOrPromise] = {
    LOW: gettext_lazy("低风险"),
    MEDIUM: gettext_lazy("中风险"),
    HIGH: gettext_lazy("高风险"),
}


class Thresholds(Protocol):
    """What the rule reads of a policy version (``models.RiskPolicy`` has these fields)."""

    @property
    def window_days(self) -> int: ...
    @property
    def medium_max_cumulative(self) -> int: ...
    @property
    def high_requires_cluster(self) -> bool: ...


def level_of(*, new: int, cumulative: int, clusters: int, policy: Thresholds) -> str:
    """Return "low", "medium" or "high" for a town's counts in the window under ``policy``."""
    if new <= 0:
        return LOW
    if cumulative <= policy.medium_max_cumulative:
        return MEDIUM
    if policy.high_requires_cluster and clusters <= 0:
        return MEDIUM  # the gap in the standard (module docstring)
    return HIGH


def reason_of(*, new: int, cumulative: int, clusters: int, policy: Thresholds) -> str:
    """Return the official wording of why a town has its level (counts only, nobody named)."""
    days, limit = policy.window_days, policy.medium_max_cumulative
    level = level_of(new=new, cumulative=cumulative, clusters=clusters, policy=policy)
    if level == LOW:
        return _("近%(days)d天无新增确诊病例（累计确诊%(cumulative)d例），为低风险地区") % {
            "days": days,
            "cumulative": cumulative,
        }
    counts = {"days": days, "new": new, "cumulative": cumulative, "limit": limit, "clusters": clusters}
    if cumulative <= limit:
        return (
            _("近%(days)d天新增确诊%(new)d例，累计确诊%(cumulative)d例（不超过%(limit)d例），为中风险地区")
            % counts
        )
    if level == MEDIUM:
        return (
            _(
                "近%(days)d天新增确诊%(new)d例，累计确诊%(cumulative)d例（超过%(limit)d例），"
                "但近%(days)d天内无聚集性疫情，标准未规定此情形，按中风险地区管理"
            )
            % counts
        )
    if clusters > 0:
        return (
            _(
                "近%(days)d天新增确诊%(new)d例，累计确诊%(cumulative)d例（超过%(limit)d例），"
                "近%(days)d天内有聚集性疫情%(clusters)d起，为高风险地区"
            )
            % counts
        )
    return (
        _("近%(days)d天新增确诊%(new)d例，累计确诊%(cumulative)d例（超过%(limit)d例），为高风险地区") % counts
    )


def label_of(level: str) -> str:
    """Return the level's name (低风险 / 中风险 / 高风险) in the active language."""
    return str(LABELS[level])
