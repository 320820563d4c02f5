"""Public information: what a district or town publishes without login, and nothing personal.

- ``PublicSnapshot``: the aggregate figures of a region as of one daily cut-off (counts only, JSON),
  computed once per region and cut-off and then read by every public request.
- ``Bulletin``: the daily epidemic bulletin (疫情通报), drafted from the figures in official wording,
  edited and published by staff. Every edit and the publication are checked for names, ID numbers
  and phones (``privacy``) and refused when one is found.
- ``PublicNotice``: guidance texts (防控指引) and hotline numbers (咨询热线) kept by staff.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from epigrid.regions.models import Region


class PublicSnapshot(models.Model):
    """The public figures of a region as of the cut-off that closes ``day`` (counts only)."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("统计日期"))
    cutoff = models.DateTimeField(_("截止时间"))
    data = models.JSONField(_("数据"))
    computed_at = models.DateTimeField(_("统计时间"))

    class Meta:
        verbose_name = _("公开数据快照")
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["region", "day"], name="public_snapshot_unique_day")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.day}"


class Bulletin(models.Model):
    """One day's bulletin of a district or town: a draft, then published (and possibly withdrawn)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        WITHDRAWN = "withdrawn", _("已撤回")

    region = models.ForeignKey(Region, verbose_name=_("发布区域"), on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("通报日期"))
    number = models.PositiveIntegerField(_("期号"), null=True, blank=True)
    title = models.CharField(_("标题"), max_length=100)
    text = models.TextField(_("正文"))
    generated_text = models.TextField(_("系统生成稿"))
    figures = models.JSONField(_("所据数据"), default=dict)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("撤回原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("疫情通报")
        verbose_name_plural = verbose_name
        ordering = ["-day", "-id"]
        constraints = [
            # One bulletin per region and day (a withdrawn one is kept, and a new one may replace it).
            models.UniqueConstraint(
                fields=["region", "day"], condition=~Q(status="withdrawn"), name="bulletin_one_per_day"
            )
        ]
        indexes = [models.Index(fields=["region", "status", "day"], name="bulletin_region_status_idx")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.day} {self.status}"


class PublicNotice(models.Model):
    """A guidance text or a hotline a region publishes, kept up by its staff."""

    class Kind(models.TextChoices):
        GUIDANCE = "guidance", _("防控指引")
        HOTLINE = "hotline", _("咨询热线")

    region = models.ForeignKey(Region, verbose_name=_("发布区域"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("内容"), blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("公开"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # The client's key for the creation: the same key from the same account adds the notice once.
    idempotency_key = models.CharField(_("提交标识"), max_length=64, blank=True)

    # Not stored: false on a notice answered again for a repeated idempotency key.
    created = True

    class Meta:
        verbose_name = _("公开信息")
        verbose_name_plural = verbose_name
        ordering = ["kind", "position", "id"]
        indexes = [models.Index(fields=["region", "active"], name="notice_region_active_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="notice_idempotency",
            )
        ]

    def __str__(self) -> str:
        return self.title
