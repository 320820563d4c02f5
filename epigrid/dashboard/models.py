"""The dashboard's one table: the last computed figures of each region it was asked for."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from epigrid.regions.models import Region


class DashboardSnapshot(models.Model):
    """Counts only (``figures.Figures`` as JSON), never personal data; one row per region.

    ``refreshing_since`` is set while a background refresh is queued or running, so that a busy
    dashboard queues one refresh, not one per request.
    """

    region = models.OneToOneField(Region, on_delete=models.CASCADE, primary_key=True, related_name="+")
    computed_at = models.DateTimeField(_("统计时间"))
    data = models.JSONField(_("数据"))
    refreshing_since = models.DateTimeField(_("刷新开始"), null=True, blank=True)

    class Meta:
        verbose_name = _("指挥大屏快照")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.region_id} {self.computed_at:%Y-%m-%d %H:%M:%S}"
