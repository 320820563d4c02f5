"""The risk rules as versioned data: one row per version, national (no district) or a district's own.

DOMAIN.md, "Risk zones (Feb 2020)": over a 14-day window, a town or street is **low** risk with no new
confirmed case, **medium** with new cases and a cumulative total of at most 50, **high** with more than
50 in total and a cluster within the window. The numbers are data: a version is a new row, never an
edit, and an assessment of day D uses the version effective on D (``policy.policy_for``), so adding a
version never rewrites a level already published.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from epigrid.regions.models import Region

# The national version 1 (the same as migration 0002 writes), for a database that has lost it.
FEB_2020: dict[str, object] = {
    "name": "2020年2月分区分级标准（以县区为单位，14天）",
    "effective_from": dt.date(2020, 2, 1),
    "window_days": 14,
    "medium_max_cumulative": 50,
    "high_requires_cluster": True,
    "cluster_min_cases": 2,
    "note": (
        "低风险：14天内无新增确诊病例；中风险：14天内有新增确诊病例，累计确诊病例不超过50例；"
        "高风险：累计确诊病例超过50例，14天内有聚集性疫情。"
        "累计超过50例、有新增但无聚集性疫情的，标准未作规定，本系统按中风险处理。"
    ),
}


class RiskPolicy(models.Model):
    """One version of the risk rules; ``district`` empty for the national rules every district follows.

    A district's HQ adds versions of its own (a district-specific row wins over a national one that
    took effect on or before it); the national rows come from migrations only.
    """

    district = models.ForeignKey(
        Region,
        verbose_name=_("区/县"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("版本"))
    name = models.CharField(_("名称"), max_length=100)
    effective_from = models.DateField(_("生效日期"))
    window_days = models.PositiveSmallIntegerField(_("统计天数"), default=14)
    # Medium while the cumulative count is at most this; high needs strictly more.
    medium_max_cumulative = models.PositiveIntegerField(_("中风险累计确诊上限（例）"), default=50)
    high_requires_cluster = models.BooleanField(_("高风险须有聚集性疫情"), default=True)
    cluster_min_cases = models.PositiveSmallIntegerField(_("聚集性疫情最少病例数"), default=2)
    note = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # The same form or API call sent twice (a double click, a retried request) adds one version.
    idempotency_key = models.CharField(_("幂等键"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("风险等级规则版本")
        ordering = ["-effective_from", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "version"],
                condition=Q(district__isnull=False),
                name="risk_policy_district_version",
            ),
            models.UniqueConstraint(
                fields=["version"], condition=Q(district__isnull=True), name="risk_policy_national_version"
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="risk_policy_idempotency",
            ),
            models.CheckConstraint(condition=Q(window_days__gte=1), name="risk_policy_window_positive"),
            models.CheckConstraint(condition=Q(cluster_min_cases__gte=2), name="risk_policy_cluster_two"),
        ]

    def __str__(self) -> str:
        return f"v{self.version} {self.name}"
