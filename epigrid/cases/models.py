"""Cases: each person's classification with its dated history, the measures taken, who was exposed to whom.

``CaseStatus`` is the current classification (one row per person), carrying the region chain of the
person so the four categories of a region are one grouped query on the chain column of its level.
``ClassificationChange`` is the history; the services write both in one transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from epigrid.monitoring.models import Episode
from epigrid.people.models import Person
from epigrid.regions.models import Region, chain_copy


class Classification(models.TextChoices):
    SUSPECTED = "suspected", _("疑似病例")
    CONFIRMED = "confirmed", _("确诊病例")
    CLINICAL = "clinical", _("临床诊断病例")
    ASYMPTOMATIC = "asymptomatic", _("无症状感染者")
    FEVER_HOSPITAL = "fever_hospital", _("医院发热待查")
    FEVER_COMMUNITY = "fever_community", _("社区发热待查")
    CLOSE_CONTACT = "close_contact", _("密切接触者")
    SECONDARY_CONTACT = "secondary_contact", _("次密接")
    EXCLUDED = "excluded", _("排除")
    RECOVERED = "recovered", _("治愈")
    DIED = "died", _("死亡")


class CaseStatus(models.Model):
    """The current classification of one person, where they are counted."""

    person = models.OneToOneField(
        Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="case_status"
    )
    classification = models.CharField(_("分类"), max_length=20, choices=Classification.choices)
    since = models.DateTimeField(_("分类时间"))
    district = models.ForeignKey(Region, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    town = chain_copy()
    village = chain_copy()
    grid = chain_copy()
    onset_date = models.DateField(_("发病日期"), null=True, blank=True)
    reported_on = models.DateField(_("报告日期"), null=True, blank=True)
    imported = models.BooleanField(_("输入病例"), default=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("病例分类")
        indexes = [
            models.Index(fields=["district", "classification"], name="case_district_class_idx"),
            models.Index(fields=["town", "classification"], name="case_town_class_idx"),
            models.Index(fields=["village", "classification"], name="case_village_class_idx"),
            models.Index(fields=["grid", "classification"], name="case_grid_class_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.classification}"


class ClassificationChange(models.Model):
    """One dated change of a person's classification (the first has no ``from_classification``)."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("人工判定")
        FEVER_CLINIC = "fever_clinic", _("发热门诊")
        CONTACT_TRACING = "contact_tracing", _("密接追踪")
        IMPORT = "import", _("导入")

    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="classification_changes"
    )
    from_classification = models.CharField(
        _("原分类"), max_length=20, choices=Classification.choices, blank=True
    )
    to_classification = models.CharField(_("新分类"), max_length=20, choices=Classification.choices)
    at = models.DateTimeField(_("时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("依据"), blank=True)
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices, default=Source.MANUAL)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("分类变更")
        indexes = [models.Index(fields=["person", "at"], name="class_change_person_at_idx")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.from_classification}->{self.to_classification}"


class Measure(models.Model):
    """A measure taken for a person (the report's "已采取XX措施"), with who decided and when."""

    class Kind(models.TextChoices):
        DESIGNATED_HOSPITAL = "designated_hospital", _("定点医院收治")
        CENTRALIZED_OBSERVATION = "centralized_observation", _("集中医学观察")
        HOME_OBSERVATION = "home_observation", _("居家医学观察")
        FEVER_CLINIC = "fever_clinic", _("发热门诊就诊")
        HOME_MONITORING = "home_monitoring", _("居家健康监测")
        OTHER = "other", _("其他")

    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="measures"
    )
    kind = models.CharField(_("措施"), max_length=25, choices=Kind.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("决定时间"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    episode = models.ForeignKey(
        Episode,
        verbose_name=_("医学观察"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The client's key for the submission: the same key from the same account records the measure once.
    idempotency_key = models.CharField(_("提交标识"), max_length=64, blank=True)

    # Not stored: false on a measure answered again for a repeated idempotency key.
    created = True

    class Meta:
        verbose_name = _("措施")
        indexes = [models.Index(fields=["person", "decided_at"], name="measure_person_at_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["decided_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="measure_idempotency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind}"


class Contact(models.Model):
    """``contact`` was exposed to ``case``; the last exposure starts the contact's observation clock."""

    class Setting(models.TextChoices):
        HOUSEHOLD = "household", _("共同居住")
        WORK = "work", _("同事/同学")
        MEAL = "meal", _("共同就餐")
        VEHICLE = "vehicle", _("同乘交通工具")
        MEDICAL = "medical", _("医疗护理")
        OTHER = "other", _("其他")

    case = models.ForeignKey(
        Person, verbose_name=_("关联病例"), on_delete=models.CASCADE, related_name="contacts_named"
    )
    contact = models.ForeignKey(
        Person, verbose_name=_("接触者"), on_delete=models.CASCADE, related_name="exposures", db_index=False
    )
    setting = models.CharField(_("接触方式"), max_length=10, choices=Setting.choices)
    last_exposure = models.DateField(_("末次接触日期"))
    source = models.CharField(_("信息来源"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    episode = models.ForeignKey(
        Episode,
        verbose_name=_("医学观察"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("密切接触")
        constraints = [
            models.UniqueConstraint(fields=["case", "contact"], name="contact_unique_pair"),
            models.CheckConstraint(condition=~Q(case=F("contact")), name="contact_not_self"),
        ]
        indexes = [
            models.Index(fields=["contact"], name="contact_contact_idx"),
            models.Index(fields=["last_exposure"], name="contact_last_exposure_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}->{self.contact_id}"
