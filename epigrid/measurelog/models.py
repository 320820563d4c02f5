"""The measures log (防控措施台账): what a unit did on a day, counted once, and the compounds it sealed.

A ``MeasureEntry`` is one count of one kind of measure (notices posted, banners hung, venues closed,
patrol rounds …) by a town/street, a village/community or a grid on a day, recorded by a user. The
entries of a unit's subtree and day are what its daily report's measure fields are pre-filled with
(``selectors.report_prefill``). An entry is never deleted: a correction is a new revision that the old
row points at (``replaced_by``), a withdrawal marks the current row (``withdrawn_at``); the counted rows
are those neither replaced nor withdrawn (``current_q``).

A ``SealedCompound`` is a residential compound or a whole village under closed management (封闭管理):
its name, the day it was sealed, the guard posts (卡点/值守点) kept at it and, later, the day it
reopened. "Sealed now" is derived from the dates, never kept.

Both carry the chain of their region (district, town, village, grid) so that a subtree's sums are one
grouped query on an indexed column, as people and passages do.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from epigrid.core.models import TimeStamped
from epigrid.regions.models import Region, chain_copy
from epigrid.reports.models import MEASURE_KINDS, MEASURE_UNITS

# Every log kind is a daily-report kind (``reports.models.MEASURE_KINDS``, which took in the seeds' banners,
# gatherings cancelled, venues closed and patrols), so the whole log flows into the report. A kind kept in
# the log only would go here, with its unit.
LOG_ONLY_KINDS: dict[str, str | Promise] = {}
LOG_ONLY_UNITS: dict[str, str | Promise] = {}

# The kinds grouped as the seeds' section 二 groups them; a report kind no group names goes last.
KIND_GROUPS: tuple[tuple[str, str | Promise, tuple[str, ...]], ...] = (
    ("publicity", _("宣传"), ("notices", "leaflets", "banners", "screens", "audio", "loudspeakers")),
    ("organisation", _("联防联控、群防群治"), ("meetings", "grids", "wechat_groups")),
    ("blocking", _("阻断传播途径"), ("gatherings_cancelled", "venues_closed", "patrols", "disinfection")),
)


def _entry_kinds() -> dict[str, str | Promise]:
    labels = {**LOG_ONLY_KINDS, **MEASURE_KINDS}
    grouped = [kind for _key, _label, kinds in KIND_GROUPS for kind in kinds if kind in labels]
    rest = [kind for kind in labels if kind not in grouped]
    return {kind: labels[kind] for kind in grouped + rest}


# Every kind an entry may have, in display order, with the unit it is counted in ("张贴通知公告12份").
ENTRY_KINDS: dict[str, str | Promise] = _entry_kinds()
ENTRY_UNITS: dict[str, str | Promise] = {**LOG_ONLY_UNITS, **MEASURE_UNITS}


def current_q(prefix: str = "") -> Q:
    """Match the entries that count: neither corrected by a later revision nor withdrawn."""
    return Q(**{f"{prefix}replaced_by__isnull": True, f"{prefix}withdrawn_at__isnull": True})


class MeasureEntry(models.Model):
    """One count of one kind of measure by a unit on a day; a correction is a new row (see module)."""

    region = models.ForeignKey(Region, verbose_name=_("登记单位"), on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(Region, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    town = chain_copy()
    village = chain_copy()  # empty for a town's own entry
    grid = chain_copy()  # set for a grid's entry, which counts into its village
    day = models.DateField(_("日期"))
    kind = models.CharField(_("措施类型"), max_length=30)  # a key of ENTRY_KINDS
    count = models.PositiveIntegerField(_("数量"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"))
    idempotency_key = models.CharField(_("提交标识"), max_length=64, blank=True)
    revision = models.PositiveSmallIntegerField(_("版本"), default=1)
    # The first revision of this entry (empty on the first itself): its history is one indexed query.
    original = models.ForeignKey(
        "self", verbose_name=_("原记录"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replaced_by = models.ForeignKey(
        "self",
        verbose_name=_("被更正为"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤回人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdraw_reason = models.CharField(_("撤回原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("措施台账记录")
        constraints = [
            models.CheckConstraint(condition=Q(count__gt=0), name="measure_entry_count_positive"),
            models.UniqueConstraint(
                fields=["recorded_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="measure_entry_idempotency",
            ),
            # Two corrections of one entry at once: one of them becomes the next revision.
            models.UniqueConstraint(
                fields=["original", "revision"],
                condition=Q(original__isnull=False),
                name="measure_entry_revision_once",
            ),
        ]
        indexes = [
            # A unit's own log of a day (a town's, a grid's), withdrawn and corrected rows included.
            models.Index(fields=["region", "day"], name="measure_entry_region_day_idx"),
            # A subtree over days: a village with its grids, a town, a district (sums and lists).
            models.Index(fields=["village", "day"], name="measure_entry_village_idx"),
            models.Index(fields=["town", "day"], name="measure_entry_town_idx"),
            models.Index(fields=["district", "day"], name="measure_entry_district_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.day} {self.kind} {self.count}"

    @property
    def current(self) -> bool:
        return self.replaced_by_id is None and self.withdrawn_at is None

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def kind_label(self) -> str:
        return str(ENTRY_KINDS.get(self.kind, self.kind))

    @property
    def unit_label(self) -> str:
        return str(ENTRY_UNITS.get(self.kind, ""))

    @property
    def root_id(self) -> int:
        """The id of the entry's first revision, which names the whole history."""
        return self.original_id or self.pk


class SealedCompound(TimeStamped):
    """A compound or a whole village under closed management, with its guard posts (see module)."""

    class Kind(models.TextChoices):
        COMPOUND = "compound", _("小区")
        VILLAGE = "village", _("整村")

    region = models.ForeignKey(
        Region, verbose_name=_("所在村（社区）或网格"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(Region, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    town = chain_copy()
    village = chain_copy()
    grid = chain_copy()
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.COMPOUND)
    sealed_on = models.DateField(_("封闭日期"))
    reopened_on = models.DateField(_("解除日期"), null=True, blank=True)
    guard_posts = models.PositiveSmallIntegerField(_("卡点/值守点"), default=0)
    arrangements = models.CharField(_("值守和巡逻安排"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("解除登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    idempotency_key = models.CharField(_("提交标识"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("封闭管理小区（村）")
        constraints = [
            models.CheckConstraint(
                condition=Q(reopened_on__isnull=True) | Q(reopened_on__gte=models.F("sealed_on")),
                name="sealed_compound_reopened_after_sealed",
            ),
            # One closure at a time of the same compound; once reopened it may be sealed again.
            models.UniqueConstraint(
                fields=["region", "name"],
                condition=Q(reopened_on__isnull=True),
                name="sealed_compound_one_open",
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="sealed_compound_idempotency",
            ),
        ]
        indexes = [
            models.Index(fields=["district", "sealed_on"], name="sealed_compound_district_idx"),
            models.Index(fields=["town", "sealed_on"], name="sealed_compound_town_idx"),
            models.Index(fields=["village", "sealed_on"], name="sealed_compound_village_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def sealed_on_day(self, day: dt.date) -> bool:
        """Tell whether the compound was closed on ``day`` (the day it reopened it no longer was)."""
        return self.sealed_on <= day and (self.reopened_on is None or self.reopened_on > day)


def sealed_on_q(day: dt.date, prefix: str = "") -> Q:
    """Match the compounds closed on ``day``: sealed by then and not reopened by then."""
    return Q(**{f"{prefix}sealed_on__lte": day}) & (
        Q(**{f"{prefix}reopened_on__isnull": True}) | Q(**{f"{prefix}reopened_on__gt": day})
    )
