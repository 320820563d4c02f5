"""The region tree 区 → 镇/街道 → 村/社区 → 网格 (→ 片区), households and staff assignments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from epigrid.core.models import TimeStamped


class Level(models.IntegerChoices):
    DISTRICT = 1, _("区/县")
    TOWN = 2, _("镇/街道")
    VILLAGE = 3, _("村/社区")
    GRID = 4, _("网格")
    AREA = 5, _("片区")


# The column on Person/Household rows that carries the ancestor at each level, so that a subtree
# filter or an aggregate is one indexed equality or GROUP BY, not a tree walk. Used by
# epigrid.regions.scope and the region pages.
LEVEL_FIELD: dict[int, str] = {
    Level.DISTRICT: "district_id",
    Level.TOWN: "town_id",
    Level.VILLAGE: "village_id",
    Level.GRID: "grid_id",
}


class Region(TimeStamped):
    """One unit of the tree, coded with the statistical division code (grids extend their village's).

    ``path`` is the materialized path of ids ("1/7/42/"); a subtree is the range
    [path, path[:-1] + "0"), which both SQLite and PostgreSQL answer from the plain b-tree index.
    ``person_count`` and ``household_count`` are kept by the services that add or move people
    (``regions.services.counts_*``) and rebuilt by ``epigrid recount_regions``; the region pages read
    them instead of counting a million rows.
    """

    code = models.CharField(_("区划代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("路径"), max_length=255, db_index=True, editable=False)
    boundary = models.JSONField(_("边界"), null=True, blank=True)
    person_count = models.PositiveIntegerField(_("人数"), default=0)
    household_count = models.PositiveIntegerField(_("户数"), default=0)

    class Meta:
        verbose_name = _("区域")
        ordering = ["code"]
        indexes = [models.Index(fields=["parent", "code"])]

    def __str__(self) -> str:
        return self.name

    @property
    def depth_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]

    @property
    def kind_label(self) -> str:
        """Tell a town from a street office and a village from a community by the code (GB/T 2260)."""
        code = self.code
        if self.level == Level.TOWN and len(code) >= 9:
            return (
                str(_("街道")) if code[6:9] < "100" else str(_("镇")) if code[6:9] < "200" else str(_("乡"))
            )
        if self.level == Level.VILLAGE and len(code) >= 12:
            return str(_("社区")) if code[9:12] < "200" else str(_("村"))
        return str(self.get_level_display())


def chain_copy() -> models.ForeignKey[Region | None, Region | None]:
    """A region-chain column copied from elsewhere (a person's from their household, an episode's or a
    case status's from the person), kept by the services: no database constraint or index of its own
    (the rows it was copied from guarantee the region exists; indexes are declared per table, by use),
    empty below the level that is known."""
    return models.ForeignKey(
        Region, on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False, null=True
    )


class RegionChain(models.Model):
    """Ancestor ids carried by every row that belongs to a place (households, people, later checks)."""

    district = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", db_index=False)
    town = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", db_index=False)
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", db_index=False)
    grid = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", db_index=False)

    class Meta:
        abstract = True


class Household(RegionChain, TimeStamped):
    """A household registered in a grid; its people are ``people.Person`` rows."""

    number = models.CharField(_("户编号"), max_length=40)
    address = models.CharField(_("住址"), max_length=200)
    head_name = models.CharField(_("户主"), max_length=50, blank=True)
    member_count = models.PositiveSmallIntegerField(_("人数"), default=0)

    class Meta:
        verbose_name = _("户")
        constraints = [models.UniqueConstraint(fields=["grid", "number"], name="household_number_per_grid")]
        indexes = [
            models.Index(fields=["village"], name="household_village_idx"),
            models.Index(fields=["town"], name="household_town_idx"),
            models.Index(fields=["district"], name="household_district_idx"),
        ]

    def __str__(self) -> str:
        return self.address


class Assignment(TimeStamped):
    """A user works in a region and everything below it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="assignments")

    class Meta:
        verbose_name = _("工作区域")
        constraints = [models.UniqueConstraint(fields=["user", "region"], name="assignment_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.region}"


class RegionImport(TimeStamped):
    """One uploaded region or boundary file and what became of it.

    The file's bytes live in the database, not on a disk, because web and worker processes share
    nothing but the database. ``status`` moves queued → running → done | failed, written only by
    ``regions.services.region_import_process``; ``errors`` lists every problem ("第N行 第M列…") of a
    refused file, of which nothing was imported.
    """

    class Kind(models.TextChoices):
        TREE = "tree", _("区域树")
        BOUNDARIES = "boundaries", _("区域边界")

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("处理中")
        DONE = "done", _("已导入")
        FAILED = "failed", _("未导入")

    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    file_name = models.CharField(_("文件名"), max_length=200)
    content = models.BinaryField(_("文件内容"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    summary = models.JSONField(_("结果"), default=dict, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("区划导入")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
