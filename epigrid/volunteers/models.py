"""Volunteer teams (党员突击队, 志愿服务队, 物业) and their members, and the duty roster (值班值守).

A ``Duty`` is one shift of one person — a staff account or a volunteer — at one place: a unit (a
region: the district HQ, a town or street office, a village or community, a grid) or a checkpoint. The
shift has a day (the day it starts), a start and an end time; an end at or before the start crosses
midnight (20:00–08:00), an end equal to the start is a 24-hour shift. ``start_at``/``end_at`` are the
same moments as aware datetimes, so overlaps are one indexed range query.

``person_key`` names the human behind the shift across identities ("u:<user id>" for a staff account
or a volunteer linked to one, "p:<person id>" for a volunteer linked to the registry, "v:<volunteer
id>" otherwise): two overlapping shifts with the same key are a double booking, which the services
accept and report (``services.duty_assign``) and the roster flags.

Rows carry the chain of their place's region (district … grid), so a region's roster is one indexed
equality on one column.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from epigrid.checkpoints.models import Checkpoint
from epigrid.core.models import TimeStamped
from epigrid.people.models import Person
from epigrid.regions.models import Region, chain_copy


class VolunteerTeam(TimeStamped):
    """A team helping the grids of a town, a village or a grid."""

    class Kind(models.TextChoices):
        PARTY_COMMANDO = "party", _("党员突击队")
        SERVICE = "service", _("志愿服务队")
        PROPERTY = "property", _("物业服务队")
        OTHER = "other", _("其他")

    name = models.CharField(_("队伍名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    region = models.ForeignKey(Region, verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(Region, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    town = chain_copy()
    village = chain_copy()
    grid = chain_copy()
    leader = models.ForeignKey(
        "Volunteer", verbose_name=_("队长"), on_delete=models.SET_NULL, related_name="+", null=True,
        blank=True,
    )  # fmt: skip
    note = models.CharField(_("备注"), max_length=200, blank=True)
    active = models.BooleanField(_("在岗"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name = _("志愿服务队")
        ordering = ["region_id", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="volunteer_team_name")]
        indexes = [
            models.Index(fields=["district"], name="vteam_district_idx"),
            models.Index(fields=["town"], name="vteam_town_idx"),
            models.Index(fields=["village"], name="vteam_village_idx"),
            models.Index(fields=["grid"], name="vteam_grid_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Volunteer(TimeStamped):
    """A member helping the grids: party member, volunteer, building leader, property staff."""

    class Kind(models.TextChoices):
        PARTY_MEMBER = "party", _("党员")
        VOLUNTEER = "volunteer", _("志愿者")
        BUILDING_LEADER = "building", _("楼栋长")
        PROPERTY_STAFF = "property", _("物业人员")
        OTHER = "other", _("其他")

    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=20)
    kind = models.CharField(_("身份"), max_length=10, choices=Kind.choices)
    team = models.ForeignKey(
        VolunteerTeam, verbose_name=_("所属队伍"), on_delete=models.PROTECT, related_name="members",
        null=True, blank=True,
    )  # fmt: skip
    region = models.ForeignKey(Region, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(Region, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    town = chain_copy()
    village = chain_copy()
    grid = chain_copy()
    grids = models.ManyToManyField(Region, verbose_name=_("服务网格"), related_name="volunteers", blank=True)
    person = models.ForeignKey(
        Person, verbose_name=_("登记人员"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("工作人员账号"), on_delete=models.PROTECT, related_name="+",
        null=True, blank=True,
    )  # fmt: skip
    note = models.CharField(_("备注"), max_length=200, blank=True)
    active = models.BooleanField(_("在岗"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # The client's key for the creation: the same key from the same account adds the member once.
    idempotency_key = models.CharField(_("提交标识"), max_length=64, blank=True)

    # Not stored: false on a member answered again for a repeated idempotency key.
    created = True

    class Meta:
        verbose_name = _("志愿者")
        ordering = ["region_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="volunteer_idempotency",
            ),
            models.UniqueConstraint(fields=["user"], condition=Q(user__isnull=False), name="volunteer_user"),
            models.UniqueConstraint(
                fields=["person"], condition=Q(person__isnull=False), name="volunteer_person"
            ),
        ]
        indexes = [
            models.Index(fields=["district", "active"], name="volunteer_district_idx"),
            models.Index(fields=["town", "active"], name="volunteer_town_idx"),
            models.Index(fields=["village", "active"], name="volunteer_village_idx"),
            models.Index(fields=["grid", "active"], name="volunteer_grid_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def person_key(self) -> str:
        """The key of the human behind this member (see the module docstring)."""
        if self.user_id:
            return f"u:{self.user_id}"
        if self.person_id:
            return f"p:{self.person_id}"
        return f"v:{self.pk}"


class Duty(TimeStamped):
    """One shift of one person at a unit or a checkpoint."""

    class Role(models.TextChoices):
        LEADER = "leader", _("带班领导")
        OFFICER = "officer", _("值班员")
        GUARD = "guard", _("值守人员")

    region = models.ForeignKey(
        Region, verbose_name=_("值班单位"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    checkpoint = models.ForeignKey(
        Checkpoint, verbose_name=_("卡口"), on_delete=models.PROTECT, related_name="duties", null=True,
        blank=True,
    )  # fmt: skip
    district = models.ForeignKey(Region, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    town = chain_copy()
    village = chain_copy()
    grid = chain_copy()
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("工作人员"), on_delete=models.PROTECT, related_name="+",
        null=True, blank=True,
    )  # fmt: skip
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("志愿者"), on_delete=models.PROTECT, related_name="duties", null=True,
        blank=True,
    )  # fmt: skip
    person_key = models.CharField(max_length=24)
    day = models.DateField(_("日期"))
    starts_at = models.TimeField(_("开始时间"))
    ends_at = models.TimeField(_("结束时间"))
    start_at = models.DateTimeField()
    end_at = models.DateTimeField()
    phone = models.CharField(_("联系电话"), max_length=20)
    duty_role = models.CharField(_("值班角色"), max_length=10, choices=Role.choices, default=Role.OFFICER)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name = _("值班")
        ordering = ["start_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(region__isnull=False, checkpoint__isnull=True)
                | Q(region__isnull=True, checkpoint__isnull=False),
                name="duty_one_place",
            ),
            models.CheckConstraint(
                condition=Q(staff__isnull=False, volunteer__isnull=True)
                | Q(staff__isnull=True, volunteer__isnull=False),
                name="duty_one_person",
            ),
            models.CheckConstraint(condition=Q(end_at__gt=models.F("start_at")), name="duty_positive"),
            # The same person starting twice at the same place and time is the same shift entered twice.
            models.UniqueConstraint(
                fields=["person_key", "region", "start_at"], condition=Q(region__isnull=False),
                name="duty_unit_once",
            ),
            models.UniqueConstraint(
                fields=["person_key", "checkpoint", "start_at"], condition=Q(checkpoint__isnull=False),
                name="duty_checkpoint_once",
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["district", "day"], name="duty_district_day_idx"),
            models.Index(fields=["town", "day"], name="duty_town_day_idx"),
            models.Index(fields=["village", "day"], name="duty_village_day_idx"),
            models.Index(fields=["grid", "day"], name="duty_grid_day_idx"),
            models.Index(fields=["person_key", "start_at"], name="duty_person_idx"),
            models.Index(fields=["region", "day"], name="duty_region_day_idx"),
            models.Index(fields=["checkpoint", "day"], name="duty_checkpoint_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    @property
    def who(self) -> str:
        """The name on duty (a staff account's display name or a volunteer's name)."""
        if self.volunteer_id is not None and self.volunteer is not None:
            return self.volunteer.name
        return str(self.staff) if self.staff is not None else ""

    @property
    def place_name(self) -> str:
        if self.checkpoint_id is not None and self.checkpoint is not None:
            return self.checkpoint.name
        return self.region.name if self.region is not None else ""

    @property
    def crosses_midnight(self) -> bool:
        return self.ends_at <= self.starts_at
