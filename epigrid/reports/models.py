"""Daily unit reports (日报告/零报告): one current report per village/community or town/street and day.

The figures are the indicators computed at submission (``reports.indicators``), kept as they were so
the report reads the same later; people add only what the records cannot know: the measures taken
with their counts, problems and suggestions. A second submission for the same unit and day is a
revision: the old row stays and points at the new one (``replaced_by``), so one row per (region, day)
is current, which a partial unique constraint enforces.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from epigrid.regions.models import Region

# The measures a unit counts in its report, in the order of seed report 1's 二、采取措施.
MEASURE_KINDS: dict[str, str | Promise] = {
    "notices": _("通知公告"),
    "leaflets": _("宣传单"),
    "screens": _("电子屏"),
    "audio": _("音频"),
    "loudspeakers": _("大喇叭"),
    "meetings": _("会议"),
    "grids": _("网格"),
    "wechat_groups": _("微信群"),
    "disinfection": _("消杀"),
    # What the seeds count beyond publicity and meetings: seed report 3's "300余条防控疫情宣传条幅",
    # seed report 1's "取消春节社火、庙会等大型集会活动;关闭宗教、娱乐场所", and patrols of closed
    # compounds.
    "banners": _("横幅标语"),
    "gatherings_cancelled": _("取消聚集性活动"),
    "venues_closed": _("关闭公共场所"),
    "patrols": _("巡逻"),
}

# The unit each measure is counted in, for sentences such as "张贴通知公告12份".
MEASURE_UNITS: dict[str, str | Promise] = {
    "notices": _("份"),
    "leaflets": _("份"),
    "screens": _("块"),
    "audio": _("条"),
    "loudspeakers": _("个"),
    "meetings": _("次"),
    "grids": _("个"),
    "wechat_groups": _("个"),
    "disinfection": _("次"),
    "banners": _("条"),
    "gatherings_cancelled": _("场"),
    "venues_closed": _("处"),
    "patrols": _("次"),
}


class UnitReport(models.Model):
    """One submission of a unit's daily report; the current one has no ``replaced_by``."""

    region = models.ForeignKey(
        Region, verbose_name=_("填报单位"), on_delete=models.PROTECT, related_name="unit_reports"
    )
    day = models.DateField(_("报告日期"))
    zero = models.BooleanField(_("零报告"), default=False)
    figures = models.JSONField(_("数据"), default=dict, blank=True)
    measures = models.JSONField(_("采取措施"), default=dict, blank=True)
    problems = models.TextField(_("存在问题"), blank=True)
    suggestions = models.TextField(_("下步建议"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("报送时间"))
    late = models.BooleanField(_("迟报"), default=False)
    revision = models.PositiveIntegerField(_("版本"), default=1)
    replaced_by = models.ForeignKey(
        "self",
        verbose_name=_("被替换为"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = _("日报告")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "day"],
                condition=Q(replaced_by__isnull=True),
                name="unit_report_one_current",
            ),
            models.UniqueConstraint(fields=["region", "day", "revision"], name="unit_report_revision_once"),
        ]
        indexes = [
            # The level above reads the current reports of its units for a range of days.
            models.Index(
                fields=["day", "region"],
                condition=Q(replaced_by__isnull=True),
                name="unit_report_current_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.day} r{self.revision}"

    @property
    def current(self) -> bool:
        return self.replaced_by_id is None


from epigrid.reports.document_models import ReportDraft  # noqa: E402, F401
