"""Pre-triage at fever clinics and township fever rooms (预检分诊): one row per visit of a person with fever.

A ``FeverVisit`` is written only by ``triage.services.fever_visit_record``, in the transaction that
also moves the person's classification (``cases``) and starts what the disposition asks for (a hospital
measure, home medical observation). The row carries the person's region chain, copied like
``cases.CaseStatus`` does, so that the village and the grid see the visit at once (one indexed equality
on their level's column) and a town's or district's visits of a period are one grouped query.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from epigrid.people.models import TEMPERATURE_MAX, TEMPERATURE_MIN, Person
from epigrid.regions.models import Region, chain_copy
from epigrid.resources.models import Facility


class Disposition(models.TextChoices):
    """What the first doctor decided (首诊负责制), in the order of the 2020 pre-triage forms."""

    EXCLUDED = "excluded", _("排除")
    FEVER_UNEXCLUDED = "fever_unexcluded", _("不能排除的发热")
    SUSPECTED = "suspected", _("疑似")
    ADMITTED = "admitted", _("收治入院")
    HOME_OBSERVATION = "home_observation", _("居家医学观察")


class FeverVisit(models.Model):
    """One visit of a person with fever at a fever clinic or a township health centre's fever room."""

    facility = models.ForeignKey(
        Facility, verbose_name=_("就诊机构"), on_delete=models.PROTECT, related_name="fever_visits"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("就诊人员"), on_delete=models.PROTECT, related_name="fever_visits"
    )
    # The person's chain when the visit was recorded, kept up to date when they are placed later
    # (``triage.services.follow_placement``): their village and grid see their visits.
    district = models.ForeignKey(Region, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    town = chain_copy()
    village = chain_copy()
    grid = chain_copy()
    visited_at = models.DateTimeField(_("就诊时间"))
    temperature = models.DecimalField(
        _("体温"),
        max_digits=3,
        decimal_places=1,
        validators=[MinValueValidator(TEMPERATURE_MIN), MaxValueValidator(TEMPERATURE_MAX)],
    )
    # The verdict under the protocol version in force then (``monitoring.Policy.is_fever``), stored so a
    # later change of threshold does not rewrite past visits.
    fever = models.BooleanField(_("发热"), default=True)
    symptoms = models.JSONField(_("症状"), default=list, blank=True)
    from_outbreak_area = models.BooleanField(_("来自疫区"), default=False)
    via_outbreak_area = models.BooleanField(_("途经疫区"), default=False)
    case_contact = models.BooleanField(_("病例接触史"), default=False)
    cluster = models.BooleanField(_("聚集性发病"), default=False)
    disposition = models.CharField(_("处置"), max_length=20, choices=Disposition.choices)
    # The classification before and after the visit ("" = not classified): the visit shows what it did.
    classification_before = models.CharField(_("原分类"), max_length=20, blank=True)
    classification_after = models.CharField(_("分类"), max_length=20, blank=True)
    person_created = models.BooleanField(_("新登记"), default=False)
    doctor = models.CharField(_("首诊医生"), max_length=50)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    idempotency_key = models.CharField(_("提交标识"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("预检分诊登记")
        ordering = ["-visited_at", "-id"]
        indexes = [
            models.Index(fields=["facility", "visited_at"], name="fevervisit_facility_idx"),
            models.Index(fields=["district", "visited_at"], name="fevervisit_district_idx"),
            models.Index(fields=["town", "visited_at"], name="fevervisit_town_idx"),
            models.Index(fields=["village", "visited_at"], name="fevervisit_village_idx"),
            models.Index(fields=["grid", "visited_at"], name="fevervisit_grid_idx"),
            models.Index(fields=["person", "visited_at"], name="fevervisit_person_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recorded_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="fevervisit_idempotency_key",
            ),
            models.CheckConstraint(
                condition=Q(temperature__gte=TEMPERATURE_MIN, temperature__lte=TEMPERATURE_MAX),
                name="fevervisit_temperature_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility_id}/{self.person_id} {self.visited_at:%Y-%m-%d %H:%M}"

    @property
    def epidemiological_history(self) -> bool:
        return self.from_outbreak_area or self.via_outbreak_area or self.case_contact or self.cluster
