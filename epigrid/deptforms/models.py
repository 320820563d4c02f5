"""Department forms as data: a template is a title, columns, filters and grouping over the registry.

DOMAIN.md: every department form is a projection of one registry. A ``FormTemplate`` says which rows
(people, journeys, episodes, contacts — or one row per region of indicators) and which columns; the
export (``epigrid.deptforms.export``) fills it from the records, so no figure is typed twice. Editing a
form makes a new version (``FormRevision`` keeps each one); exports record the version they used.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from epigrid.core.models import TimeStamped
from epigrid.regions.models import Region


class Kind(models.TextChoices):
    PEOPLE = "people", _("人员登记表")
    FIGURES = "figures", _("统计表")


class RowSource(models.TextChoices):
    """What one row of a people form is (a figures form has one row per region or site)."""

    PERSON = "person", _("每人一行")
    JOURNEY = "journey", _("每次返乡一行")
    EPISODE = "episode", _("每次医学观察一行")
    CONTACT = "contact", _("每名密切接触者一行")
    CASE = "case", _("每名分类人员一行")
    CHECKPOINT = "checkpoint", _("每次卡口登记一行")


class Grouping(models.TextChoices):
    NONE = "none", _("不分组")
    GRID = "grid", _("按网格")
    VILLAGE = "village", _("按村/社区")
    TOWN = "town", _("按镇/街道")
    SITE = "site", _("按集中隔离点")


class FormTemplate(TimeStamped):
    """The current version of one department form; ``FormRevision`` keeps every version."""

    name = models.SlugField(_("表格代码"), max_length=60, unique=True)
    title = models.CharField(_("表格名称"), max_length=100)
    department = models.CharField(_("使用部门"), max_length=50, blank=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    row_source = models.CharField(_("每行内容"), max_length=12, choices=RowSource.choices, blank=True)
    # Ordered [{"key": ..., "label": ...}]: person fields (deptforms.fields) or indicator keys.
    columns = models.JSONField(_("列"), default=list)
    filters = models.JSONField(_("筛选条件"), default=dict, blank=True)
    grouping = models.CharField(_("分组"), max_length=10, choices=Grouping.choices, default=Grouping.NONE)
    requires_identifiers = models.BooleanField(_("需要完整证件号和电话"), default=False)
    builtin = models.BooleanField(_("内置"), default=False)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    # Where a defined form is used: the definer's region and everything below (null for built-in forms).
    region = models.ForeignKey(
        Region, verbose_name=_("适用区域"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    # The client's key for the definition: the same key from the same account defines the form once.
    idempotency_key = models.CharField(_("提交标识"), max_length=64, blank=True)

    # Not stored: false on a form answered again for a repeated idempotency key.
    created = True

    class Meta:
        verbose_name = _("部门表格")
        ordering = ["-builtin", "title", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="form_idempotency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    def definition(self) -> dict[str, Any]:
        """Return what a version fixes (stored in its ``FormRevision``)."""
        return {
            "title": self.title,
            "department": self.department,
            "kind": self.kind,
            "row_source": self.row_source,
            "columns": self.columns,
            "filters": self.filters,
            "grouping": self.grouping,
            "requires_identifiers": self.requires_identifiers,
            "note": self.note,
        }


class FormRevision(models.Model):
    """One version of a form as it was defined: an export names the version it used."""

    template = models.ForeignKey(FormTemplate, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField(_("版本"))
    definition = models.JSONField(_("定义"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("表格版本")
        ordering = ["template", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["template", "version"], name="form_revision_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.template_id} v{self.version}"
