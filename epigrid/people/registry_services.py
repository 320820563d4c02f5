"""Checked writes to the registry for the API: add a household to a grid, add a person to a household,
change a person's fields.

``people.services`` holds the raw writes (counts up the chain, the household's head and size); these
wrap them with the checks a client's input needs, every problem at once in ``RegistryInvalid.errors``
keyed by field, with the screening form's messages. Adding is idempotent per account: the same
``idempotency_key`` twice from one account answers the record the first call made (``created`` false).
The key is kept in the creation's audit event (``detail["idempotency_key"]``), which already names the
account and the record; creations by one account are serialized by locking its user row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from epigrid.core.audit import audit_log
from epigrid.core.clock import local_today
from epigrid.core.models import AuditEvent, User
from epigrid.lib.idcard import parse_id
from epigrid.lib.names import pinyin_key
from epigrid.lib.phone import normalize_phone
from epigrid.people.models import Person
from epigrid.people.screening import (
    ERR_ID_REGISTERED_HERE,
    ERR_NAME_LONG,
    ERR_NAME_REQUIRED,
    ERR_RELATION_LONG,
    ERR_SEX_MISMATCH,
    ERR_SEX_REQUIRED,
)
from epigrid.people.services import household_register, person_register
from epigrid.regions.models import Household, Level, Region
from epigrid.regions.scope import scope_for

ERR_NUMBER_REQUIRED = _("请填写户编号")
ERR_NUMBER_LONG = _("户编号不能超过40字")
ERR_NUMBER_TAKEN = _("该网格已有此户编号")
ERR_ADDRESS_REQUIRED = _("请填写住址")
ERR_ADDRESS_LONG = _("住址不能超过200字")
ERR_NOT_A_GRID = _("户只能登记在网格中")
ERR_SEX_UNKNOWN = _("性别应为 M 或 F")
ERR_BIRTH_FUTURE = _("出生日期不能晚于今天")
ERR_BIRTH_MISMATCH = _("出生日期与身份证号不符")
ERR_MERGED = _("该记录已合并到另一条记录，请修改保留的记录")

KEY_MAX = 64
# The fields a person's record may be changed in (the household and the region chain stay: moving a
# person is placement's work, ``people.placement``).
PERSON_FIELDS = ("name", "sex", "birth_date", "id_number", "phone", "relation")


class RegistryInvalid(Exception):
    """Nothing was written; ``errors`` maps each field to why."""

    def __init__(self, errors: Mapping[str, object]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = dict(errors)


@dataclass(frozen=True)
class Added[T]:
    record: T
    created: bool


def _replayed(actor: User, object_type: str, key: str) -> str | None:
    """Return the id of the record this account created with ``key``, if any (its user row is locked
    first, so a concurrent call with the same key waits and then finds the first one's record)."""
    User.objects.select_for_update().filter(pk=actor.pk).first()
    event = (
        AuditEvent.objects.filter(
            user=actor, action=AuditEvent.Action.CREATE, object_type=object_type, detail__idempotency_key=key
        )
        .order_by("id")
        .first()
    )
    return event.object_id if event is not None else None


def _note_key(object_type: str, object_id: int, key: str) -> None:
    # The raw services write the creation's event; the key is added to it (the newest such event).
    event = AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE, object_type=object_type, object_id=str(object_id)
    ).latest("id")
    event.detail = {**event.detail, "idempotency_key": key}
    event.save(update_fields=["detail"])


@transaction.atomic
def household_add(
    *, actor: User, grid: Region, number: str, address: str, idempotency_key: str = ""
) -> Added[Household]:
    """Register a household in one of the actor's grids; 户编号 is unique in the grid."""
    key = idempotency_key.strip()[:KEY_MAX]
    if key and (found := _replayed(actor, "household", key)) is not None:
        return Added(Household.objects.get(pk=int(found)), created=False)
    number, address = number.strip(), address.strip()
    errors: dict[str, object] = {}
    if grid.level != Level.GRID:
        errors["region_id"] = ERR_NOT_A_GRID
    if not number:
        errors["number"] = ERR_NUMBER_REQUIRED
    elif len(number) > 40:
        errors["number"] = ERR_NUMBER_LONG
    elif Household.objects.filter(grid_id=grid.pk, number=number).exists():
        errors["number"] = ERR_NUMBER_TAKEN
    if not address:
        errors["address"] = ERR_ADDRESS_REQUIRED
    elif len(address) > 200:
        errors["address"] = ERR_ADDRESS_LONG
    if errors:
        raise RegistryInvalid(errors)
    try:
        with transaction.atomic():
            household = household_register(actor=actor, grid=grid, number=number, address=address)
    except IntegrityError:  # the same number registered at the same moment by someone else
        raise RegistryInvalid({"number": ERR_NUMBER_TAKEN}) from None
    if key:
        _note_key("household", household.pk, key)
    return Added(household, created=True)


@dataclass
class _Clean:
    values: dict[str, object]
    errors: dict[str, object]


def _check_person(fields: Mapping[str, object], *, person: Person | None, user: User) -> _Clean:
    """Check and normalize the given fields (a subset of ``PERSON_FIELDS``) as the screening form does."""
    values: dict[str, object] = {}
    errors: dict[str, object] = {}
    if "name" in fields:
        name = str(fields["name"] or "").strip()
        if not name:
            errors["name"] = ERR_NAME_REQUIRED
        elif len(name) > 50:
            errors["name"] = ERR_NAME_LONG
        values["name"] = name
    if "relation" in fields:
        relation = str(fields["relation"] or "").strip()
        if len(relation) > 20:
            errors["relation"] = ERR_RELATION_LONG
        values["relation"] = relation
    sex = str(fields.get("sex", person.sex if person else "") or "")
    if sex and sex not in Person.Sex.values:
        errors["sex"] = ERR_SEX_UNKNOWN
    birth = fields.get("birth_date", person.birth_date if person else None)
    if "birth_date" in fields:
        if isinstance(birth, dt.date) and birth > local_today():
            errors["birth_date"] = ERR_BIRTH_FUTURE
        values["birth_date"] = birth
    if str(fields.get("id_number") or "").strip():
        parsed = parse_id(str(fields["id_number"]))
        if not parsed.valid or parsed.normalized is None:
            errors["id_number"] = parsed.error or ""
        else:
            values["id_number"] = parsed.normalized
            if sex and parsed.sex and sex != parsed.sex:
                errors["sex"] = ERR_SEX_MISMATCH
            sex = sex or parsed.sex or ""
            if parsed.birth_date is not None:
                if "birth_date" in fields and birth is not None and birth != parsed.birth_date:
                    errors["birth_date"] = ERR_BIRTH_MISMATCH
                values["birth_date"] = parsed.birth_date
            # Registering a second record of someone the caller can already see is a duplicate: the
            # same check as the screening form's (a match elsewhere is left to the merge review).
            others = Person.objects.filter(
                scope_for(user).rows_q(), id_number=parsed.normalized, merged_into__isnull=True
            )
            if person is not None:
                others = others.exclude(pk=person.pk)
            if others.exists():
                errors["id_number"] = ERR_ID_REGISTERED_HERE
    elif "id_number" in fields:
        values["id_number"] = ""
    if str(fields.get("phone") or "").strip():
        result = normalize_phone(str(fields["phone"]))
        if not result.valid or result.normalized is None:
            errors["phone"] = result.error or ""
        else:
            values["phone"] = result.normalized
    elif "phone" in fields:
        values["phone"] = ""
    if "sex" in fields or "id_number" in fields or person is None:
        if not sex:
            errors["sex"] = errors.get("sex", ERR_SEX_REQUIRED)
        values["sex"] = sex
    return _Clean(values=values, errors=errors)


@transaction.atomic
def person_add(
    *,
    actor: User,
    household: Household,
    name: str,
    sex: str = "",
    birth_date: dt.date | None = None,
    id_number: str = "",
    phone: str = "",
    relation: str = "",
    idempotency_key: str = "",
) -> Added[Person]:
    """Add a person to a household of the actor's scope (自排: found by local staff)."""
    key = idempotency_key.strip()[:KEY_MAX]
    if key and (found := _replayed(actor, "person", key)) is not None:
        return Added(Person.objects.get(pk=int(found)), created=False)
    fields: dict[str, object] = {
        "name": name,
        "sex": sex,
        "id_number": id_number,
        "phone": phone,
        "relation": relation,
    }
    if birth_date is not None:
        fields["birth_date"] = birth_date
    clean = _check_person(fields, person=None, user=actor)
    if clean.errors:
        raise RegistryInvalid(clean.errors)
    v = clean.values
    birth = v.get("birth_date")
    person = person_register(
        actor=actor,
        household=household,
        name=str(v["name"]),
        sex=str(v["sex"]),
        birth_date=birth if isinstance(birth, dt.date) else None,
        id_number=str(v.get("id_number", "")),
        phone=str(v.get("phone", "")),
        relation=str(v.get("relation", "")),
        source=Person.Source.LOCAL,
    )
    if key:
        _note_key("person", person.pk, key)
    return Added(person, created=True)


@transaction.atomic
def person_update(*, actor: User, person: Person, changes: Mapping[str, object]) -> list[str]:
    """Change the given fields of a person's record; return the names of the fields that changed.

    Only the fields present in ``changes`` are looked at. A merged duplicate is refused (its surviving
    record is the one to change). When the household's head is renamed, the household follows.
    """
    if person.merged_into_id is not None:
        raise RegistryInvalid({"__all__": ERR_MERGED})
    unknown = set(changes) - set(PERSON_FIELDS)
    if unknown:
        raise ValueError(f"not a person field: {sorted(unknown)}")
    clean = _check_person(changes, person=person, user=actor)
    if clean.errors:
        raise RegistryInvalid(clean.errors)
    changed = [f for f, value in clean.values.items() if getattr(person, f) != value]
    if not changed:
        return []
    old_name = person.name
    for f in changed:
        setattr(person, f, clean.values[f])
    if "name" in changed:
        person.name_key = pinyin_key(person.name)[:80]
        changed_columns = [*changed, "name_key"]
    else:
        changed_columns = list(changed)
    person.save(update_fields=[*changed_columns, "updated_at"])
    household = person.household
    if household is not None and (
        ("name" in changed and household.head_name == old_name and person.relation == "户主")
        or ("relation" in changed and person.relation == "户主")
    ):
        household.head_name = person.name
        household.save(update_fields=["head_name", "updated_at"])
    audit_log(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        object_type="person",
        object_id=person.pk,
        region_path=person.place.path,
        detail={"fields": sorted(changed)},
    )
    return sorted(changed)
