"""The person registry, travel records and door-to-door screening (入户摸排) visits."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from epigrid.core.models import TimeStamped
from epigrid.regions.models import Household, Region, RegionChain, chain_copy

# The chain columns of a person are copies of their household's, kept by the services: the household's
# own foreign keys guarantee these regions exist, and four more constraint checks per person halve the
# bulk load rate on PostgreSQL (docs/performance.md).


class Person(TimeStamped):
    """One real person.

    A person registered in a household carries the household's whole chain. A person known only from
    a department list or a checkpoint is not yet placed: the chain stops at the level that is known
    (the district always; the town, village and grid once someone locates them), and the household is
    empty. Scope rules follow the chain, so an unplaced person is seen by the level that knows them.
    """

    district = models.ForeignKey(
        Region, on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    town = chain_copy()
    village = chain_copy()
    grid = chain_copy()

    class Sex(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    class Residency(models.TextChoices):
        RESIDENT = "resident", _("常住")
        FLOATING = "floating", _("流动")

    class Source(models.TextChoices):
        REGISTRY = "registry", _("户籍登记")
        SENT_DOWN = "sent_down", _("下发")
        LOCAL = "local", _("自排")

    class DocType(models.TextChoices):
        ID_CARD = "id_card", _("居民身份证")
        PASSPORT = "passport", _("护照")
        HMT_PERMIT = "hmt_permit", _("港澳台通行证")
        OTHER = "other", _("其他")

    household = models.ForeignKey(
        Household,
        verbose_name=_("户"),
        on_delete=models.PROTECT,
        related_name="members",
        db_index=False,
        null=True,
        blank=True,
    )
    name = models.CharField(_("姓名"), max_length=50)
    # Toneless pinyin of the name with surname readings (epigrid.lib.names.pinyin_key): the blocking
    # key record linkage looks people up by, so it is stored, not computed per import.
    name_key = models.CharField(_("姓名拼音"), max_length=80, blank=True, default="")
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    doc_type = models.CharField(
        _("证件类型"), max_length=12, choices=DocType.choices, default=DocType.ID_CARD
    )
    id_number = models.CharField(_("证件号码"), max_length=32, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    relation = models.CharField(_("与户主关系"), max_length=20, blank=True)
    residency = models.CharField(
        _("居住类型"), max_length=10, choices=Residency.choices, default=Residency.RESIDENT
    )
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.REGISTRY)
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("包保人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Set when an officer merges this record into the one that stays (epigrid.lists.merge): the
    # record is kept so the merge can be undone, but every page and count skips it.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("已合并至"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = _("人员")
        indexes = [
            models.Index(fields=["household"], name="person_household_idx"),
            models.Index(fields=["grid"], name="person_grid_idx"),
            models.Index(fields=["village"], name="person_village_idx"),
            models.Index(fields=["town"], name="person_town_idx"),
            models.Index(fields=["district"], name="person_district_idx"),
            models.Index(fields=["id_number"], name="person_id_number_idx"),
            models.Index(fields=["phone"], name="person_phone_idx"),
            models.Index(fields=["name_key"], name="person_name_key_idx"),
            # Few people are ever merged: a partial index finds them (and lets a deleted person's
            # SET NULL find its merged records) without costing the bulk loads anything.
            models.Index(
                fields=["merged_into"],
                name="person_merged_into_idx",
                condition=models.Q(merged_into__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def place(self) -> Region:
        """Return the deepest region known for the person (the grid once they are placed)."""
        return self.grid or self.village or self.town or self.district


class TravelRecord(TimeStamped):
    """One journey of a person: where from, whether from or through the outbreak area, when, how."""

    class Transport(models.TextChoices):
        TRAIN = "train", _("火车")
        PLANE = "plane", _("飞机")
        COACH = "coach", _("长途汽车")
        CAR = "car", _("自驾")
        SHIP = "ship", _("轮船")
        OTHER = "other", _("其他")

    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="travels"
    )
    origin = models.CharField(_("从何地返回"), max_length=100)
    from_outbreak_area = models.BooleanField(_("来自疫区"), default=False)
    via_outbreak_area = models.BooleanField(_("途经疫区"), default=False)
    left_on = models.DateField(_("离开日期"), null=True, blank=True)
    arrived_on = models.DateField(_("返回日期"), null=True, blank=True)
    transport = models.CharField(_("交通工具"), max_length=10, choices=Transport.choices, blank=True)
    transport_no = models.CharField(_("车次/航班/车牌"), max_length=40, blank=True)
    companions = models.CharField(_("同行人员"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("行程")
        ordering = ["-arrived_on", "-id"]

    def __str__(self) -> str:
        return f"{self.origin} → {self.arrived_on or '?'}"

    @property
    def outbreak_related(self) -> bool:
        """Tell whether the journey counts as 'from the outbreak area' (含途经)."""
        return self.from_outbreak_area or self.via_outbreak_area


class Symptom(models.TextChoices):
    """Symptoms asked about at the door and in health checks (2020 protocol wording)."""

    FEVER = "fever", _("发热")
    COUGH = "cough", _("咳嗽")
    FATIGUE = "fatigue", _("乏力")
    SORE_THROAT = "sore_throat", _("咽痛")
    SHORT_BREATH = "short_breath", _("气促")
    DIARRHOEA = "diarrhoea", _("腹泻")
    SMELL_TASTE = "smell_taste", _("嗅觉味觉减退")


class Measure(models.TextChoices):
    """What the visiting worker did about the household."""

    INFORMED = "informed", _("告知防控要求")
    REGISTERED = "registered", _("登记")
    HOME_ISOLATION = "home_isolation", _("居家隔离")
    HEALTH_MONITORING = "health_monitoring", _("健康监测")
    FEVER_CLINIC = "fever_clinic", _("送发热门诊")
    REPORTED = "reported", _("上报村/镇")


# The accepted temperature range of a reading (axillary, °C): outside it the reading is a typo.
TEMPERATURE_MIN = Decimal("34.0")
TEMPERATURE_MAX = Decimal("43.0")
# Axillary temperature at or above this is a fever (most 2020 forms say >= 37.3 °C). The visit stores
# its verdict (ScreeningEntry.fever), so a later change of threshold does not rewrite past visits.
FEVER_THRESHOLD = Decimal("37.3")


class Screening(RegionChain, TimeStamped):
    """One door-to-door visit (入户摸排) of a household: who lives there, who was found, what was done.

    Written only by ``people.screening.screening_record``. The region chain is the household's, copied
    so that a region's visits are one indexed equality, like people. ``idempotency_key`` comes from the
    form: a phone that submits twice (a double tap, a resend on a bad connection) records one visit.
    """

    household = models.ForeignKey(
        Household,
        verbose_name=_("户"),
        on_delete=models.PROTECT,
        related_name="screenings",
        db_index=False,  # screening_household_idx starts with it
    )
    visited_at = models.DateTimeField(_("摸排时间"))
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("排查人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    measures = models.JSONField(_("采取措施"), default=list, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    idempotency_key = models.CharField(_("提交标识"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("入户摸排")
        ordering = ["-visited_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["visited_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="screening_idempotency_key",
            )
        ]
        indexes = [
            models.Index(fields=["grid", "visited_at"], name="screening_grid_idx"),
            models.Index(fields=["village", "visited_at"], name="screening_village_idx"),
            models.Index(fields=["town", "visited_at"], name="screening_town_idx"),
            models.Index(fields=["district", "visited_at"], name="screening_district_idx"),
            models.Index(fields=["household", "visited_at"], name="screening_household_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.visited_at:%Y-%m-%d %H:%M}"

    def get_measures_display(self) -> list[str]:
        """Return the measures' labels in the order of ``Measure``."""
        chosen = set(self.measures)
        return [str(label) for value, label in Measure.choices if value in chosen]


class ScreeningEntry(TimeStamped):
    """One person seen (or found absent) during a visit: presence, temperature, symptoms, travel."""

    screening = models.ForeignKey(
        Screening, verbose_name=_("入户摸排"), on_delete=models.CASCADE, related_name="entries"
    )
    # No unique (screening, person): a merge repoints entries to the kept person, and two records of
    # one person met in one visit must still merge. The service lists a person once per visit.
    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="screening_entries"
    )
    present = models.BooleanField(_("在家"), default=True)
    whereabouts = models.CharField(_("去向"), max_length=100, blank=True)
    temperature = models.DecimalField(
        _("体温"),
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(TEMPERATURE_MIN), MaxValueValidator(TEMPERATURE_MAX)],
    )
    symptoms = models.JSONField(_("症状"), default=list, blank=True)
    # Set by the service from the temperature and symptoms under the threshold then in force.
    fever = models.BooleanField(_("发热"), default=False)
    returnee = models.BooleanField(_("返乡人员"), default=False)
    travel = models.ForeignKey(
        TravelRecord,
        verbose_name=_("行程"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="screening_entries",
    )

    class Meta:
        verbose_name = _("摸排人员")
        ordering = ["screening", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(temperature__isnull=True)
                | models.Q(temperature__gte=TEMPERATURE_MIN, temperature__lte=TEMPERATURE_MAX),
                name="screening_entry_temperature_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.screening_id}/{self.person_id}"

    def get_symptoms_display(self) -> list[str]:
        """Return the symptoms' labels in the order of ``Symptom``."""
        chosen = set(self.symptoms)
        return [str(label) for value, label in Symptom.choices if value in chosen]
