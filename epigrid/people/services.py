"""Writes to the registry (the registry issue adds normalization, matching and screening)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F

from epigrid.core.audit import audit_log
from epigrid.core.models import AuditEvent, User
from epigrid.lib.names import pinyin_key
from epigrid.people.models import Person
from epigrid.regions.models import Household, Level, Region
from epigrid.regions.services import chain_ids, chain_to


def _bump(region_ids: list[int], *, persons: int = 0, households: int = 0) -> None:
    Region.objects.filter(pk__in=region_ids).update(
        person_count=F("person_count") + persons, household_count=F("household_count") + households
    )


@transaction.atomic
def household_register(*, actor: User | None, grid: Region, number: str, address: str) -> Household:
    """Register a household in a grid and count it up the chain."""
    if grid.level != Level.GRID:
        raise ValueError("a household belongs to a grid")
    household = Household.objects.create(number=number, address=address, **chain_ids(grid))
    _bump(grid.depth_ids, households=1)
    audit_log(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        object_type="household",
        object_id=household.pk,
        region_path=grid.path,
    )
    return household


@transaction.atomic
def person_register(
    *,
    actor: User | None,
    household: Household,
    name: str,
    sex: str,
    birth_date: dt.date | None = None,
    id_number: str = "",
    phone: str = "",
    relation: str = "",
    source: str = Person.Source.REGISTRY,
) -> Person:
    """Add a person to a household, keep the household's head and size, and count them up the chain.

    ``source`` is 自排 (``Person.Source.LOCAL``) for someone a grid worker finds at the door.
    """
    person = Person.objects.create(
        household=household,
        source=source,
        name=name,
        name_key=pinyin_key(name)[:80],
        sex=sex,
        birth_date=birth_date,
        id_number=id_number,
        phone=phone,
        relation=relation,
        district_id=household.district_id,
        town_id=household.town_id,
        village_id=household.village_id,
        grid_id=household.grid_id,
    )
    household.member_count = F("member_count") + 1
    fields = ["member_count", "updated_at"]
    if relation == "户主" or not household.head_name:
        household.head_name = name
        fields.append("head_name")
    household.save(update_fields=fields)
    household.refresh_from_db(fields=["member_count"])
    _bump([household.district_id, household.town_id, household.village_id, household.grid_id], persons=1)
    audit_log(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        object_type="person",
        object_id=person.pk,
        detail={"fields": ["name", "sex", "birth_date", "id_number", "phone"], "source": source},
    )
    return person


@transaction.atomic
def person_register_unplaced(
    *,
    actor: User | None,
    region: Region,
    name: str,
    source: str,
    sex: str = "",
    birth_date: dt.date | None = None,
    id_number: str = "",
    phone: str = "",
) -> Person:
    """Register a person known only as far as ``region`` (a department list, a checkpoint).

    The chain is filled down to ``region``'s level and no further; the household stays empty until a
    grid worker finds them. Counts are kept for the regions that are known.
    """
    chain = chain_to(region)
    person = Person.objects.create(
        name=name,
        name_key=pinyin_key(name)[:80],
        sex=sex,
        birth_date=birth_date,
        id_number=id_number,
        phone=phone,
        source=source,
        **chain,
    )
    _bump(list(chain.values()), persons=1)
    audit_log(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        object_type="person",
        object_id=person.pk,
        region_path=region.path,
        detail={"source": source, "placed_to_level": len(chain)},
    )
    return person
