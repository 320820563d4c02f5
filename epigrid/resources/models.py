"""Protective supplies and medical capacity: items, the depots that hold them, a ledger that never goes
negative, requests from towns and the district's allocation; hospitals and fever clinics with beds.

Seed report 1, problem 2: "目前，XX镇采购的口罩仅够镇村干部两天使用". A ``Depot`` is one holder of stock —
the district warehouse, a town or street office, a village, an observation site — carrying the chain
of its region so a subtree's stock is one grouped query. ``Stock`` is the current quantity of an item
in a depot (never below zero: a check constraint), kept by the services in the same transaction as the
``StockMovement`` rows that explain it; the movements are the ledger (append-only, each with the
balance after it). ``Staffing`` is how many people a depot equips per day, which with an item's use
per person per shift drives the days-of-supply forecast.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from epigrid.core.models import TimeStamped
from epigrid.monitoring.models import Site
from epigrid.regions.models import Region, chain_copy


class SupplyItem(TimeStamped):
    """A kind of supply counted in whole units (只, 套, 副, 瓶 …)."""

    class Category(models.TextChoices):
        PROTECTIVE = "protective", _("防护用品")
        DISINFECTION = "disinfection", _("消杀用品")
        INSTRUMENT = "instrument", _("检测器具")
        OTHER = "other", _("其他")

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("物资名称"), max_length=60, unique=True)
    unit = models.CharField(_("单位"), max_length=10)
    category = models.CharField(
        _("类别"), max_length=20, choices=Category.choices, default=Category.PROTECTIVE
    )
    # Planned use: how many one person on duty uses per shift (a mask per cadre per shift: 1). Zero for
    # durable items (thermometers), whose forecast comes from recent issues only.
    use_per_shift = models.DecimalField(_("每人每班用量"), max_digits=6, decimal_places=2, default=0)
    sort = models.PositiveSmallIntegerField(_("排序"), default=100)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("物资")
        ordering = ["sort", "id"]

    def __str__(self) -> str:
        return self.name


class Depot(TimeStamped):
    """A holder of stock: a region's (the district warehouse, a town, a village) or a site's."""

    region = models.ForeignKey(Region, verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+")
    site = models.OneToOneField(
        Site, verbose_name=_("隔离点"), on_delete=models.PROTECT, related_name="depot", null=True, blank=True
    )
    name = models.CharField(_("名称"), max_length=100)
    district = models.ForeignKey(Region, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    town = chain_copy()
    village = chain_copy()

    class Meta:
        verbose_name = _("物资存放点")
        constraints = [
            # One depot per region (its own stock) and one per site.
            models.UniqueConstraint(
                fields=["region"], condition=Q(site__isnull=True), name="depot_one_per_region"
            ),
        ]
        indexes = [
            models.Index(fields=["district"], name="depot_district_idx"),
            models.Index(fields=["town"], name="depot_town_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Stock(models.Model):
    """How much of an item a depot holds now."""

    depot = models.ForeignKey(Depot, on_delete=models.PROTECT, related_name="stock")
    item = models.ForeignKey(SupplyItem, on_delete=models.PROTECT, related_name="+")
    quantity = models.BigIntegerField(_("库存"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("库存")
        constraints = [
            models.UniqueConstraint(fields=["depot", "item"], name="stock_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stock_never_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.depot_id}/{self.item_id}: {self.quantity}"


class StockMovement(models.Model):
    """One line of the ledger: what came in or went out of a depot, when, why and by whom."""

    class Kind(models.TextChoices):
        PURCHASE = "purchase", _("采购入库")
        DONATION = "donation", _("捐赠入库")
        ALLOCATION_IN = "alloc_in", _("调拨入库")
        ISSUE = "issue", _("发放")
        TRANSFER_OUT = "transfer_out", _("调出")
        TRANSFER_IN = "transfer_in", _("调入")
        ALLOCATION_OUT = "alloc_out", _("调拨出库")

    depot = models.ForeignKey(Depot, on_delete=models.PROTECT, related_name="movements")
    item = models.ForeignKey(SupplyItem, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    quantity = models.BigIntegerField(_("数量"))  # signed: + in, - out
    balance_after = models.BigIntegerField(_("结存"))
    occurred_on = models.DateField(_("日期"))
    counterpart = models.ForeignKey(
        Depot, verbose_name=_("对方"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    recipient = models.CharField(_("领用人/单位"), max_length=100, blank=True)
    purpose = models.CharField(_("用途"), max_length=100, blank=True)
    source = models.CharField(_("来源"), max_length=100, blank=True)  # supplier or donor
    note = models.CharField(_("备注"), max_length=200, blank=True)
    group = models.UUIDField(_("关联单号"), null=True, blank=True)  # the two legs of a transfer
    request = models.ForeignKey(
        "SupplyRequest", on_delete=models.PROTECT, related_name="movements", null=True, blank=True
    )
    district = models.ForeignKey(Region, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    town = chain_copy()
    village = chain_copy()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    # The client's key for the submission (a receipt, an issue, a transfer's outgoing line): the same key
    # from the same account writes once; unique per account, so two racing retries cannot both write.
    idempotency_key = models.CharField(_("提交标识"), max_length=64, blank=True)

    # Not stored: false on a line a service answered again for a repeated idempotency key.
    created = True

    class Meta:
        verbose_name = _("出入库记录")
        constraints = [
            models.UniqueConstraint(
                fields=["by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="movement_idempotency",
            ),
            models.CheckConstraint(condition=~Q(quantity=0), name="movement_not_zero"),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="movement_balance_not_negative"),
        ]
        indexes = [
            models.Index(fields=["depot", "item", "occurred_on"], name="movement_depot_item_idx"),
            models.Index(fields=["district", "occurred_on"], name="movement_district_day_idx"),
            # The days-of-supply forecast reads the last week's issues of a subtree from the index alone
            # (not partial: SQLite cannot match a partial index to a bound parameter).
            models.Index(
                fields=["district", "kind", "occurred_on", "depot", "item", "quantity"],
                name="movement_issue_district_idx",
            ),
            models.Index(
                fields=["town", "kind", "occurred_on", "depot", "item", "quantity"],
                name="movement_issue_town_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity}"


class Staffing(models.Model):
    """How many people a depot equips: on duty per shift and shifts per day (for the forecast)."""

    depot = models.OneToOneField(Depot, on_delete=models.CASCADE, related_name="staffing")
    staff_on_duty = models.PositiveIntegerField(_("在岗人数"), default=0)
    shifts_per_day = models.PositiveSmallIntegerField(_("每日班次"), default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name = _("在岗人员")

    def __str__(self) -> str:
        return f"{self.staff_on_duty} x {self.shifts_per_day}"


class SupplyRequest(TimeStamped):
    """A town's (or village's) request to the district for an item."""

    class Status(models.TextChoices):
        OPEN = "open", _("待分配")
        PARTLY = "partly", _("部分满足")
        DONE = "done", _("已满足")
        REFUSED = "refused", _("未分配")
        WITHDRAWN = "withdrawn", _("已撤回")

    depot = models.ForeignKey(
        Depot, verbose_name=_("申请单位"), on_delete=models.PROTECT, related_name="requests"
    )
    item = models.ForeignKey(SupplyItem, verbose_name=_("物资"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("申请数量"))
    allocated = models.PositiveIntegerField(_("已分配"), default=0)
    days = models.PositiveSmallIntegerField(_("保障天数"), default=7)
    reason = models.CharField(_("申请理由"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    district = models.ForeignKey(Region, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    town = chain_copy()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(_("提交标识"), max_length=64, blank=True)

    # Not stored: false on a request a service answered again for a repeated idempotency key.
    created = True

    class Meta:
        verbose_name = _("物资申请")
        indexes = [models.Index(fields=["district", "item", "status"], name="request_district_item_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="request_positive"),
            models.UniqueConstraint(
                fields=["requested_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="request_idempotency",
            ),
        ]


class Facility(TimeStamped):
    """A designated hospital or a fever clinic, with its beds (seed report 2: 确定3家定点医院)."""

    class Kind(models.TextChoices):
        DESIGNATED_HOSPITAL = "hospital", _("定点医院")
        FEVER_CLINIC = "fever_clinic", _("发热门诊")
        # A township health centre's fever room (乡镇卫生院发热诊室): its pre-triage sends a fever that
        # cannot be excluded to the community's count (社区发热待查), not the hospital's (epigrid.triage).
        TOWNSHIP_FEVER_ROOM = "township_fever_room", _("乡镇卫生院发热诊室")

    district = models.ForeignKey(Region, verbose_name=_("区/县"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    beds = models.PositiveIntegerField(_("床位"), default=0)
    occupied = models.PositiveIntegerField(_("在床人数"), default=0)
    occupied_on = models.DateTimeField(_("更新时间"), null=True, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # The client's key for the creation: the same key from the same account adds the facility once.
    idempotency_key = models.CharField(_("提交标识"), max_length=64, blank=True)

    # Not stored: false on a facility answered again for a repeated idempotency key.
    created = True

    class Meta:
        verbose_name = _("医疗机构")
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="facility_idempotency",
            ),
            models.UniqueConstraint(fields=["district", "name"], name="facility_unique_name"),
            models.CheckConstraint(
                condition=Q(occupied__lte=models.F("beds")), name="facility_not_over_beds"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def free(self) -> int:
        return max(self.beds - self.occupied, 0)
