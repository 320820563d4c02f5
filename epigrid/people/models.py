"""The person registry (the registry issue extends it: normalization keys, travel, screening)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from epigrid.core.models import TimeStamped
from epigrid.regions.models import Household, Region, RegionChain


def _chain_copy() -> models.ForeignKey[Region, Region]:
    # A copy of the household's chain, kept by the services: the household's own foreign keys already
    # guarantee these regions exist, and four more constraint checks per person halve the bulk load
    # rate on PostgreSQL (docs/performance.md).
    return models.ForeignKey(
        Region, on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )


class Person(RegionChain, TimeStamped):
    """One real person, in one household and grid."""

    district = _chain_copy()
    town = _chain_copy()
    village = _chain_copy()
    grid = _chain_copy()

    class Sex(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    class Residency(models.TextChoices):
        RESIDENT = "resident", _("常住")
        FLOATING = "floating", _("流动")

    class DocType(models.TextChoices):
        ID_CARD = "id_card", _("居民身份证")
        PASSPORT = "passport", _("护照")
        HMT_PERMIT = "hmt_permit", _("港澳台通行证")
        OTHER = "other", _("其他")

    household = models.ForeignKey(
        Household, verbose_name=_("户"), on_delete=models.PROTECT, related_name="members", db_index=False
    )
    name = models.CharField(_("姓名"), max_length=50)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
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
        ]

    def __str__(self) -> str:
        return self.name
