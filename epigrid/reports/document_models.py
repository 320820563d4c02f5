"""The editable draft of a town's daily work report, and the issued (locked) version.

The report is generated from the records; before it is issued a town officer or the district HQ may
correct its wording in the preview. The draft holds the whole ``ReportDocument`` (``content``, its
JSON form) so what was edited is what is written to the .docx, and once issued it is never changed:
the issued report reads the same later, whatever the records say by then.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from epigrid.regions.models import Region


class ReportDraft(models.Model):
    """One town's report of one day: a draft while ``issued_at`` is empty, then the issued report."""

    region = models.ForeignKey(
        Region, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="report_drafts"
    )
    day = models.DateField(_("报告日期"))
    content = models.JSONField(_("报告内容"))
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("修改人"), on_delete=models.PROTECT, related_name="+"
    )
    edited_at = models.DateTimeField(_("修改时间"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("签发时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("工作报告")
        constraints = [models.UniqueConstraint(fields=["region", "day"], name="report_draft_one_per_day")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.day}{' issued' if self.issued_at else ''}"

    @property
    def issued(self) -> bool:
        return self.issued_at is not None
