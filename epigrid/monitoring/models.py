"""Medical observation and health monitoring: the protocol versions, episodes, checks, links, alerts.

States such as "due for release today", "not reported this slot" and "alert unacknowledged for 30
minutes" are never stored: they are queries over the facts below at the time they are read
(``epigrid.monitoring.alerts`` and ``episode_selectors``), so no timer has to keep them up.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from epigrid.core.models import TimeStamped
from epigrid.people.models import Person, Symptom
from epigrid.regions.models import Household, Region, chain_copy


def _default_slots() -> list[dict[str, str]]:
    return [
        {"key": "am", "label": "上午", "deadline": "12:00"},
        {"key": "pm", "label": "下午", "deadline": "20:00"},
    ]


def _default_symptoms() -> list[str]:
    return list(Symptom.values)


class Policy(TimeStamped):
    """One version of the observation protocol (DOMAIN.md: protocol numbers are data).

    A new version is a new row; the current one is the latest whose ``effective_from`` has passed. An
    episode keeps the version it started under, so changing the protocol never rewrites history.
    """

    class Comparator(models.TextChoices):
        GTE = ">=", _("不低于")
        GT = ">", _("高于")

    version = models.PositiveIntegerField(_("版本"), unique=True)
    name = models.CharField(_("名称"), max_length=100)
    effective_from = models.DateTimeField(_("生效时间"))
    observation_days = models.PositiveSmallIntegerField(_("观察天数"), default=14)
    # Check-in slots of a day: key, label and the local time after which a missing check is overdue.
    slots = models.JSONField(_("测温时段"), default=_default_slots)
    fever_threshold = models.DecimalField(
        _("发热体温"), max_digits=3, decimal_places=1, default=Decimal("37.3")
    )
    fever_comparator = models.CharField(
        _("判定方式"), max_length=2, choices=Comparator.choices, default=Comparator.GTE
    )
    symptoms = models.JSONField(_("症状清单"), default=_default_symptoms)
    escalate_minutes = models.PositiveSmallIntegerField(_("未处置上报时限（分钟）"), default=30)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("防控规则版本")
        ordering = ["-effective_from", "-version"]

    def __str__(self) -> str:
        return f"v{self.version} {self.name}"

    def is_fever(self, temperature: Decimal | None) -> bool:
        """Tell whether a temperature is a fever under this version."""
        if temperature is None:
            return False
        if self.fever_comparator == self.Comparator.GT:
            return temperature > self.fever_threshold
        return temperature >= self.fever_threshold

    @property
    def slot_keys(self) -> list[str]:
        return [str(slot["key"]) for slot in self.slots]


class Site(TimeStamped):
    """A centralized observation site (集中医学观察点, e.g. a hotel); its rooms say how many each holds."""

    district = models.ForeignKey(Region, verbose_name=_("区/县"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("隔离点"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("集中隔离点")
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="site_unique_name")]

    def __str__(self) -> str:
        return self.name


class Room(TimeStamped):
    site = models.ForeignKey(Site, verbose_name=_("隔离点"), on_delete=models.PROTECT, related_name="rooms")
    number = models.CharField(_("房间"), max_length=20)
    # One person per room unless the site says more (a family kept together): 单人单间.
    capacity = models.PositiveSmallIntegerField(_("可住人数"), default=1)

    class Meta:
        verbose_name = _("房间")
        constraints = [models.UniqueConstraint(fields=["site", "number"], name="room_unique_number")]

    def __str__(self) -> str:
        return f"{self.site} {self.number}"


class Episode(TimeStamped):
    """One period of observation or monitoring of one person.

    Carries the region chain of where the person is watched (their household's, or the site's
    district) so a grid's roster is one indexed equality. At most one open episode per person.
    """

    class Kind(models.TextChoices):
        HOME = "home", _("居家医学观察")
        CENTRAL = "central", _("集中医学观察")
        MONITORING = "monitoring", _("居家健康监测")

    class Basis(models.TextChoices):
        OUTBREAK_RETURN = "outbreak_return", _("来自或途经疫区")
        CLOSE_CONTACT = "close_contact", _("密切接触者")
        FEVER = "fever", _("发热")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        OPEN = "open", _("观察中")
        RELEASED = "released", _("已解除")
        CONVERTED = "converted", _("已转归")

    class EndReason(models.TextChoices):
        RELEASED = "released", _("期满解除")
        FEVER_CLINIC = "fever_clinic", _("送发热门诊")
        SUSPECTED = "suspected", _("转为疑似病例")
        TRANSFERRED = "transferred", _("转至他处")
        OTHER = "other", _("其他")

    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="episodes"
    )
    district = models.ForeignKey(Region, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    town = chain_copy()
    village = chain_copy()
    grid = chain_copy()
    household = models.ForeignKey(
        Household, verbose_name=_("户"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    basis = models.CharField(_("原因"), max_length=20, choices=Basis.choices)
    basis_note = models.CharField(_("原因说明"), max_length=200, blank=True)
    room = models.ForeignKey(
        Room, verbose_name=_("房间"), null=True, blank=True, on_delete=models.PROTECT, related_name="episodes"
    )
    policy = models.ForeignKey(Policy, verbose_name=_("规则版本"), on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField(_("开始日期"))
    last_exposure = models.DateField(_("末次暴露日期"), null=True, blank=True)
    planned_end = models.DateField(_("计划解除日期"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    end_reason = models.CharField(_("结束原因"), max_length=15, choices=EndReason.choices, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Where it came from: a screening entry, a list row, a contact (the cases issue) — by name and id.
    source_type = models.CharField(_("来源"), max_length=30, blank=True)
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    doctor = models.CharField(_("责任医生"), max_length=50, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("医学观察")
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(status="open"), name="episode_one_open_per_person"
            ),
        ]
        indexes = [
            models.Index(fields=["grid", "status"], name="episode_grid_status_idx"),
            models.Index(fields=["village", "status"], name="episode_village_status_idx"),
            # Covers the "not reported" list of a town (open episodes started by the day, their ids), so
            # PostgreSQL reads it index-only instead of walking the primary key filtering the town.
            models.Index(fields=["town", "status", "started_on", "id"], name="episode_town_started_idx"),
            models.Index(fields=["district", "status", "planned_end"], name="episode_district_end_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.get_kind_display()} {self.started_on}"


# A current check (not replaced) with a fever or a symptom: what raises an alert. The alerts filter with
# this very condition so both databases see that the partial index below answers it.
CURRENT_ABNORMAL = Q(replaced_by__isnull=True) & (Q(fever=True) | ~Q(symptoms=[]))


class HealthCheck(models.Model):
    """One temperature and symptom report for an episode, day and slot.

    A second entry for the same slot replaces the first: the earlier row stays, pointing at the one
    that replaced it (``replaced_by``), so the current check of a slot is the one not replaced.
    ``recorded_at`` is when it was taken, as entered (late entries keep their real time).
    """

    class Channel(models.TextChoices):
        ROSTER = "roster", _("网格员录入")
        SELF = "self", _("本人填报")
        PHONE = "phone", _("电话询问")

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="checks")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="health_checks", db_index=False)
    grid = models.ForeignKey(
        Region, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, null=True, db_index=False
    )
    day = models.DateField(_("日期"))
    slot = models.CharField(_("时段"), max_length=10)
    temperature = models.DecimalField(_("体温"), max_digits=3, decimal_places=1, null=True, blank=True)
    symptoms = models.JSONField(_("症状"), default=list, blank=True)
    went_out = models.BooleanField(_("是否外出"), default=False)
    fever = models.BooleanField(_("发热"), default=False)  # the verdict under the episode's policy
    channel = models.CharField(_("方式"), max_length=10, choices=Channel.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("测量时间"))
    entered_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("健康监测记录")
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "day", "slot"],
                condition=Q(replaced_by__isnull=True),
                name="check_one_current_per_slot",
            ),
            models.CheckConstraint(
                condition=Q(temperature__isnull=True) | Q(temperature__gte=34, temperature__lte=43),
                name="check_temperature_range",
            ),
        ]
        indexes = [
            models.Index(fields=["grid", "day"], name="check_grid_day_idx"),
            models.Index(fields=["person", "day"], name="check_person_day_idx"),
            # The alerts: current abnormal checks are about 1 % of the rows a (grid, day) range holds.
            models.Index(
                fields=["grid", "day"], condition=CURRENT_ABNORMAL, name="check_abnormal_grid_day_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.episode_id} {self.day} {self.slot}"

    @property
    def abnormal(self) -> bool:
        return self.fever or bool(self.symptoms)


class ReportLink(TimeStamped):
    """A personal self-report link: no log-in, unguessable, revocable. Only the token's hash is stored."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近填报"), null=True, blank=True)

    class Meta:
        verbose_name = _("自报链接")

    def __str__(self) -> str:
        return f"{self.episode_id} {self.token_hash[:8]}"


class AlertAck(TimeStamped):
    """What someone did about an alert: a fever or symptom check, or a missed slot.

    The alerts themselves are derived (``alerts.alerts_for_user``); an acknowledgement is the fact
    that closes one.
    """

    class Kind(models.TextChoices):
        ABNORMAL = "abnormal", _("体温或症状异常")
        MISSED = "missed", _("未按时报告")

    class Action(models.TextChoices):
        VISITED = "visited", _("已上门查看")
        PHONED = "phoned", _("已电话联系")
        FEVER_CLINIC = "fever_clinic", _("已送发热门诊")
        MISTAKEN = "mistaken", _("误报（测量有误）")
        OTHER = "other", _("其他")

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="acks")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    health_check = models.ForeignKey(
        HealthCheck, null=True, blank=True, on_delete=models.CASCADE, related_name="acks"
    )
    day = models.DateField(_("日期"))
    slot = models.CharField(_("时段"), max_length=10)
    action = models.CharField(_("处置"), max_length=15, choices=Action.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("预警处置")
        indexes = [models.Index(fields=["episode", "day", "slot"], name="ack_episode_slot_idx")]

    def __str__(self) -> str:
        return f"{self.episode_id} {self.day} {self.slot} {self.action}"
