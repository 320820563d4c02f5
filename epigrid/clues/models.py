"""Clues and rumours routed to the police station of the area, and residents' reports without an account.

A ``Clue`` (线索/谣言) is reported by a member of staff or comes from a resident's report once the
community accepted it. It is routed by its ``region``: the police station accounts (``Role.POLICE``)
whose assigned regions contain it see it at once and record the outcome; the reporter's unit
(``reporter_unit``) sees the outcome too.

A ``CommunityLink`` is a village's or community's public page (an unguessable token, only its SHA-256
stored, revocable; printed as a QR poster for the notice board). A resident's submission through it
is a ``ResidentEntry`` waiting in the community's review list; accepting one puts it into the
registry (returnee, fever) or turns it into a clue.

Rows carry the chain of their place (district, town, village, grid) so that a subtree filter or a
count per unit is one indexed equality.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from epigrid.core.models import TimeStamped
from epigrid.people.models import Person
from epigrid.regions.models import Region, chain_copy


class ClueKind(models.TextChoices):
    RETURNEE = "returnee", _("未报告的返乡人员")
    GATHERING = "gathering", _("聚集活动")
    RUMOUR = "rumour", _("谣言")
    OTHER = "other", _("其他")


class Clue(TimeStamped):
    """One clue or rumour, where it was seen or heard, and what the police station found."""

    class Status(models.TextChoices):
        NEW = "new", _("待核实")
        CHECKING = "checking", _("核实中")
        VERIFIED = "verified", _("已核实")
        FALSE = "false", _("不实")
        HANDLED = "handled", _("已处置")

    class Source(models.TextChoices):
        STAFF = "staff", _("工作人员")
        RESIDENT = "resident", _("群众")

    kind = models.CharField(_("类型"), max_length=10, choices=ClueKind.choices)
    region = models.ForeignKey(Region, verbose_name=_("地点"), on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(Region, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    town = chain_copy()
    village = chain_copy()
    grid = chain_copy()
    place = models.CharField(_("具体位置"), max_length=100, blank=True)
    description = models.TextField(_("看到或听到的情况"))
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.STAFF)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("报告人"), on_delete=models.PROTECT, related_name="+"
    )
    reporter_unit = models.ForeignKey(
        Region, verbose_name=_("报告单位"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    status = models.CharField(_("核实结果"), max_length=10, choices=Status.choices, default=Status.NEW)
    outcome_note = models.CharField(_("处理情况"), max_length=500, blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    outcome_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)  # first verified/handled
    idempotency_key = models.CharField(_("提交标识"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("线索")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["district", "created_at"], name="clue_district_idx"),
            models.Index(fields=["town", "created_at"], name="clue_town_idx"),
            models.Index(fields=["village", "created_at"], name="clue_village_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["reported_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="clue_idempotency_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def open(self) -> bool:
        return self.status in (self.Status.NEW, self.Status.CHECKING)


class CommunityLink(TimeStamped):
    """A village's public report page: unguessable, revocable, printed as a poster. Only the hash is kept."""

    village = models.ForeignKey(Region, verbose_name=_("村/社区"), on_delete=models.PROTECT, related_name="+")
    label = models.CharField(_("张贴位置"), max_length=100, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    revoked_at = models.DateTimeField(_("收回时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近提交"), null=True, blank=True)

    class Meta:
        verbose_name = _("群众报告链接")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.village_id} {self.token_hash[:8]}"


class ResidentEntry(TimeStamped):
    """What a resident sent through a community link, waiting for the community to accept or reject it."""

    class Kind(models.TextChoices):
        RETURNEE = "returnee", _("返乡人员")
        FEVER = "fever", _("发热")
        CLUE = "clue", _("线索/谣言")

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        ACCEPTED = "accepted", _("已接收")
        REJECTED = "rejected", _("已退回")

    link = models.ForeignKey(CommunityLink, on_delete=models.PROTECT, related_name="entries")
    district = models.ForeignKey(Region, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    town = chain_copy()
    village = models.ForeignKey(Region, verbose_name=_("村/社区"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    origin = models.CharField(_("从何地返回"), max_length=100, blank=True)
    arrived_on = models.DateField(_("返回日期"), null=True, blank=True)
    address = models.CharField(_("村内住址"), max_length=100, blank=True)
    temperature = models.DecimalField(
        _("体温"), max_digits=3, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(Decimal("34.0")), MaxValueValidator(Decimal("43.0"))],
    )  # fmt: skip
    clue_kind = models.CharField(_("线索类型"), max_length=10, choices=ClueKind.choices, blank=True)
    description = models.TextField(_("情况说明"), blank=True)
    # Submissions beyond the link's hourly flood limit: kept for review, but apart.
    quarantined = models.BooleanField(_("疑似刷屏"), default=False)
    content_hash = models.CharField(max_length=64)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reject_reason = models.CharField(_("退回原因"), max_length=200, blank=True)
    person = models.ForeignKey(
        Person,
        verbose_name=_("登记人员"),
        on_delete=models.PROTECT,
        related_name="resident_entries",
        null=True,
        blank=True,
    )
    person_created = models.BooleanField(_("新登记"), default=False)
    clue = models.OneToOneField(Clue, on_delete=models.PROTECT, related_name="entry", null=True, blank=True)

    class Meta:
        verbose_name = _("群众报告")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["village", "status"], name="entry_village_status_idx"),
            models.Index(fields=["town", "status"], name="entry_town_status_idx"),
            models.Index(fields=["district", "status"], name="entry_district_status_idx"),
            models.Index(fields=["link", "created_at"], name="entry_link_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"
