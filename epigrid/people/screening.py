"""Door-to-door screening (入户摸排): record one household visit, its people, their travel and measures.

``screening_record`` is the one write. It checks every rule and reports every problem at once
(``ScreeningInvalid``, keyed by row and field so the form can show each message beside its input);
when the input is good it writes the visit, registers the people found at the door through
``person_register`` (source 自排), creates or links their travel records and the visit's entries, and
logs it, all in one transaction. A repeated submission with the same ``idempotency_key`` by the same
user returns the visit already recorded and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from epigrid.core.audit import audit_log
from epigrid.core.clock import now
from epigrid.core.models import AuditEvent, User
from epigrid.lib.idcard import parse_id
from epigrid.lib.phone import normalize_phone
from epigrid.lib.places import in_areas
from epigrid.people.models import (
    FEVER_THRESHOLD,
    TEMPERATURE_MAX,
    TEMPERATURE_MIN,
    Measure,
    Person,
    Screening,
    ScreeningEntry,
    Symptom,
    TravelRecord,
)
from epigrid.people.placement import may_pick, person_place
from epigrid.people.services import person_register
from epigrid.regions.models import Household
from epigrid.regions.scope import scope_for

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # types only: django-stubs is a dev dependency

ERR_NO_ENTRIES = _("请至少记录一名人员")
ERR_VISIT_FUTURE = _("摸排时间不能晚于现在")
ERR_MEASURE_UNKNOWN = _("未知的措施")
ERR_MEASURE_REQUIRED = _("发现发热或来自、途经疫区的人员，请选择采取的措施")
ERR_NOTES_LONG = _("备注不能超过1000字")
ERR_KEY_REUSED = _("这张表单已经提交过，请重新打开摸排页面")
ERR_PERSON_UNKNOWN = _("人员不存在或不在您的辖区")
ERR_PERSON_TWICE = _("同一人员在本次摸排中出现了两次")
ERR_NAME_REQUIRED = _("请填写姓名")
ERR_NAME_LONG = _("姓名不能超过50字")
ERR_SEX_REQUIRED = _("请选择性别")
ERR_SEX_MISMATCH = _("性别与身份证号不符")
ERR_ID_REGISTERED_HERE = _("该身份证号已在本辖区登记，请在查重结果中选择该人员，不要重复登记")
ERR_ID_TWICE = _("同一身份证号在本次摸排中填写了两次")
ERR_RELATION_LONG = _("与户主关系不能超过20字")
ERR_WHEREABOUTS_REQUIRED = _("请填写不在家人员的去向")
ERR_WHEREABOUTS_LONG = _("去向不能超过100字")
ERR_TEMPERATURE_ABSENT = _("人员不在家，不能记录体温")
ERR_SYMPTOMS_ABSENT = _("人员不在家，不能记录症状")
ERR_TEMPERATURE_RANGE = _("体温应在34.0至43.0 °C之间")
ERR_TEMPERATURE_DECIMALS = _("体温最多保留一位小数")
ERR_SYMPTOM_UNKNOWN = _("未知的症状")
ERR_ORIGIN_REQUIRED = _("请填写从何地返回")
ERR_ORIGIN_LONG = _("返回地不能超过100字")
ERR_ARRIVED_REQUIRED = _("请填写返回日期")
ERR_ARRIVED_FUTURE = _("返回日期不能晚于摸排日期")
ERR_TRAVEL_DATES = _("离开日期不能晚于返回日期")
ERR_TRANSPORT_UNKNOWN = _("未知的交通工具")
ERR_TRANSPORT_NO_LONG = _("车次/航班/车牌不能超过40字")
ERR_COMPANIONS_LONG = _("同行人员不能超过200字")

# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = dt.timedelta(minutes=10)
NOTES_MAX = 1000


@dataclass(frozen=True)
class TravelInput:
    """The journey of a returnee as the worker wrote it down."""

    origin: str
    from_outbreak_area: bool = False
    via_outbreak_area: bool = False
    left_on: dt.date | None = None
    arrived_on: dt.date | None = None
    transport: str = ""
    transport_no: str = ""
    companions: str = ""

    def outbreak_flags(self) -> tuple[bool, bool]:
        """Return (from, through) the outbreak area: as ticked, or as the origin names it.

        "广州（途经武汉）": the place before 途经 is where they came from, the rest where they passed;
        the areas are ``EPIGRID_OUTBREAK_AREAS`` (the same reading as the department lists').
        """
        areas = settings.EPIGRID_OUTBREAK_AREAS
        head, _sep, through = self.origin.partition("途经")
        came = self.from_outbreak_area or in_areas(head, areas)
        passed = self.via_outbreak_area or in_areas(through, areas)
        return came, passed and not came


@dataclass(frozen=True)
class NewPerson:
    """Someone found at the door who is not in the registry; identifiers as typed."""

    name: str
    sex: str = ""
    id_number: str = ""
    phone: str = ""
    relation: str = ""


@dataclass(frozen=True)
class EntryInput:
    """One row of the form: a registered person (``person_id``) or a new one (``new_person``).

    ``key`` names the row in errors (the form uses its prefix). ``travel`` set means a returnee.
    """

    key: str
    person_id: int | None = None
    new_person: NewPerson | None = None
    present: bool = True
    whereabouts: str = ""
    temperature: Decimal | None = None
    symptoms: Sequence[str] = ()
    travel: TravelInput | None = None


@dataclass(frozen=True)
class FieldError:
    """One problem: ``row`` is an entry's key ("" for the visit itself), ``field`` the input's name."""

    row: str
    field: str
    message: StrOrPromise


class ScreeningInvalid(Exception):
    """The visit was not recorded; ``errors`` lists every problem found."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.row}.{e.field}: {e.message}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class ScreeningResult:
    screening: Screening
    created: bool


@dataclass
class _Checked:
    """An entry after validation: the person to use or register, and the normalized values."""

    entry: EntryInput
    person: Person | None = None
    id_number: str = ""
    phone: str = ""
    sex: str = ""
    birth_date: dt.date | None = None
    fever: bool = False
    symptoms: list[str] = field(default_factory=list)


def is_fever(temperature: Decimal | None, symptoms: Sequence[str]) -> bool:
    """Tell whether a reading or the symptoms say fever (temperature >= ``FEVER_THRESHOLD``)."""
    return (temperature is not None and temperature >= FEVER_THRESHOLD) or Symptom.FEVER in symptoms


def _check_travel(travel: TravelInput, *, visit_day: dt.date, row: str, errors: list[FieldError]) -> None:
    def err(name: str, message: StrOrPromise) -> None:
        errors.append(FieldError(row, name, message))

    if not travel.origin.strip():
        err("origin", ERR_ORIGIN_REQUIRED)
    elif len(travel.origin.strip()) > 100:
        err("origin", ERR_ORIGIN_LONG)
    if travel.arrived_on is None:
        err("arrived_on", ERR_ARRIVED_REQUIRED)
    elif travel.arrived_on > visit_day:
        err("arrived_on", ERR_ARRIVED_FUTURE)
    if travel.left_on and travel.arrived_on and travel.left_on > travel.arrived_on:
        err("left_on", ERR_TRAVEL_DATES)
    if travel.transport and travel.transport not in TravelRecord.Transport.values:
        err("transport", ERR_TRANSPORT_UNKNOWN)
    if len(travel.transport_no.strip()) > 40:
        err("transport_no", ERR_TRANSPORT_NO_LONG)
    if len(travel.companions.strip()) > 200:
        err("companions", ERR_COMPANIONS_LONG)


def _check_new_person(
    new: NewPerson, checked: _Checked, *, visible_ids: set[str], row: str, errors: list[FieldError]
) -> None:
    def err(name: str, message: StrOrPromise) -> None:
        errors.append(FieldError(row, name, message))

    name = new.name.strip()
    if not name:
        err("name", ERR_NAME_REQUIRED)
    elif len(name) > 50:
        err("name", ERR_NAME_LONG)
    if len(new.relation.strip()) > 20:
        err("relation", ERR_RELATION_LONG)
    sex = new.sex if new.sex in Person.Sex.values else ""
    if new.id_number.strip():
        parsed = parse_id(new.id_number)
        if not parsed.valid or parsed.normalized is None:
            err("id_number", parsed.error or "")
        else:
            checked.id_number = parsed.normalized
            checked.birth_date = parsed.birth_date
            if sex and parsed.sex and sex != parsed.sex:
                err("sex", ERR_SEX_MISMATCH)
            sex = sex or parsed.sex or ""
            if parsed.normalized in visible_ids:
                err("id_number", ERR_ID_REGISTERED_HERE)
    if not sex:
        err("sex", ERR_SEX_REQUIRED)
    checked.sex = sex
    if new.phone.strip():
        result = normalize_phone(new.phone)
        if not result.valid or result.normalized is None:
            err("phone", result.error or "")
        else:
            checked.phone = result.normalized


def _validate(
    *,
    actor: User,
    household: Household,
    visited_at: dt.datetime,
    entries: Sequence[EntryInput],
    measures: Sequence[str],
    notes: str,
    picks: Collection[int],
) -> list[_Checked]:
    errors: list[FieldError] = []
    if visited_at > now() + CLOCK_SKEW:
        errors.append(FieldError("", "visited_at", ERR_VISIT_FUTURE))
    if any(m not in Measure.values for m in measures):
        errors.append(FieldError("", "measures", ERR_MEASURE_UNKNOWN))
    if len(notes) > NOTES_MAX:
        errors.append(FieldError("", "notes", ERR_NOTES_LONG))
    if not entries:
        errors.append(FieldError("", "", ERR_NO_ENTRIES))
    visit_day = timezone.localdate(visited_at)
    scope = scope_for(actor)
    wanted = {e.person_id for e in entries if e.person_id is not None}
    # People of the worker's scope, and people a list sent down to this area who are not placed yet
    # (the live lookup offers them on an exact ID number or phone): picked here, they are placed here.
    known = {
        p.pk: p
        for p in Person.objects.filter(pk__in=wanted, merged_into__isnull=True)
        if may_pick(actor, p, household, picks)
    }
    typed_ids = {parse_id(e.new_person.id_number).normalized for e in entries if e.new_person}
    typed_ids.discard(None)
    # Only numbers the worker could have picked count as "register the existing one instead": a match
    # outside their scope is registered again here and left to the merge review (people.selectors).
    visible_ids = {
        p.id_number
        for p in Person.objects.filter(id_number__in=typed_ids, merged_into__isnull=True).only(
            "id", "id_number", "district_id", "town_id", "village_id", "grid_id"
        )
        if scope.covers(p)
    }
    seen_people: set[int] = set()
    seen_ids: set[str] = set()
    checked_all: list[_Checked] = []
    any_alarm = False
    for entry in entries:
        row = entry.key
        checked = _Checked(entry=entry)

        def err(name: str, message: StrOrPromise, row: str = row) -> None:
            errors.append(FieldError(row, name, message))

        if entry.person_id is not None:
            person = known.get(entry.person_id)
            if person is None:
                err("", ERR_PERSON_UNKNOWN)
            elif person.pk in seen_people:
                err("", ERR_PERSON_TWICE)
            else:
                seen_people.add(person.pk)
                checked.person = person
        elif entry.new_person is not None:
            _check_new_person(entry.new_person, checked, visible_ids=visible_ids, row=row, errors=errors)
            if checked.id_number:
                if checked.id_number in seen_ids:
                    err("id_number", ERR_ID_TWICE)
                seen_ids.add(checked.id_number)
        else:
            err("", ERR_PERSON_UNKNOWN)
        whereabouts = entry.whereabouts.strip()
        if len(whereabouts) > 100:
            err("whereabouts", ERR_WHEREABOUTS_LONG)
        if entry.present:
            if entry.temperature is not None:
                if not TEMPERATURE_MIN <= entry.temperature <= TEMPERATURE_MAX:
                    err("temperature", ERR_TEMPERATURE_RANGE)
                elif entry.temperature != entry.temperature.quantize(Decimal("0.1")):
                    err("temperature", ERR_TEMPERATURE_DECIMALS)
        else:
            if not whereabouts:
                err("whereabouts", ERR_WHEREABOUTS_REQUIRED)
            if entry.temperature is not None:
                err("temperature", ERR_TEMPERATURE_ABSENT)
            if entry.symptoms:
                err("symptoms", ERR_SYMPTOMS_ABSENT)
        if any(s not in Symptom.values for s in entry.symptoms):
            err("symptoms", ERR_SYMPTOM_UNKNOWN)
        checked.symptoms = [s for s in Symptom.values if s in set(entry.symptoms)]
        checked.fever = is_fever(entry.temperature, checked.symptoms)
        if entry.travel is not None:
            _check_travel(entry.travel, visit_day=visit_day, row=row, errors=errors)
        any_alarm = any_alarm or checked.fever or bool(entry.travel and any(entry.travel.outbreak_flags()))
        checked_all.append(checked)
    if any_alarm and not measures:
        errors.append(FieldError("", "measures", ERR_MEASURE_REQUIRED))
    if errors:
        raise ScreeningInvalid(errors)
    return checked_all


def _replay(*, actor: User, household: Household, key: str) -> Screening | None:
    """Return the visit this user already recorded under ``key``; refuse a key used for another household."""
    existing = Screening.objects.filter(visited_by=actor, idempotency_key=key).first()
    if existing is not None and existing.household_id != household.pk:
        raise ScreeningInvalid([FieldError("", "", ERR_KEY_REUSED)])
    return existing


def _travel_for(person: Person, travel: TravelInput) -> tuple[TravelRecord, bool]:
    """Link the person's journey already on record (same origin and arrival day) or create it."""
    origin = travel.origin.strip()
    existing = TravelRecord.objects.filter(person=person, origin=origin, arrived_on=travel.arrived_on).first()
    if existing is not None:
        return existing, False
    came, passed = travel.outbreak_flags()
    record = TravelRecord.objects.create(
        person=person,
        origin=origin,
        from_outbreak_area=came,
        via_outbreak_area=passed,
        left_on=travel.left_on,
        arrived_on=travel.arrived_on,
        transport=travel.transport,
        transport_no=travel.transport_no.strip(),
        companions=travel.companions.strip(),
    )
    return record, True


def screening_record(
    *,
    actor: User,
    household: Household,
    visited_at: dt.datetime,
    entries: Sequence[EntryInput],
    measures: Sequence[str] = (),
    notes: str = "",
    idempotency_key: str = "",
    picks: Collection[int] = (),
) -> ScreeningResult:
    """Record one household visit with its people; the same ``idempotency_key`` twice records it once.

    ``picks``: people from above the worker's level found at this door by their exact number
    (``placement.picked``); they are placed in the household.
    """
    if not actor.caps.can_write or not scope_for(actor).covers(household):
        raise PermissionDenied
    key = idempotency_key.strip()[:64]
    if key:
        existing = _replay(actor=actor, household=household, key=key)
        if existing is not None:
            return ScreeningResult(existing, created=False)
    checked = _validate(
        actor=actor,
        household=household,
        visited_at=visited_at,
        entries=entries,
        measures=measures,
        notes=notes.strip(),
        picks=picks,
    )
    try:
        with transaction.atomic():
            screening = _write(
                actor=actor, household=household, visited_at=visited_at, checked=checked,
                measures=[m for m in Measure.values if m in set(measures)], notes=notes.strip(), key=key,
            )  # fmt: skip
    except IntegrityError:
        # Two copies of one submission raced past _replay; the first one's row holds the key.
        replayed = _replay(actor=actor, household=household, key=key) if key else None
        if replayed is None:
            raise
        return ScreeningResult(replayed, created=False)
    return ScreeningResult(screening, created=True)


def _write(
    *,
    actor: User,
    household: Household,
    visited_at: dt.datetime,
    checked: list[_Checked],
    measures: list[str],
    notes: str,
    key: str,
) -> Screening:
    # The visit row first: its unique key is what makes a racing duplicate fail before anything else.
    screening = Screening.objects.create(
        household=household,
        district_id=household.district_id,
        town_id=household.town_id,
        village_id=household.village_id,
        grid_id=household.grid_id,
        visited_at=visited_at,
        visited_by=actor,
        measures=measures,
        notes=notes,
        idempotency_key=key,
    )
    registered: list[int] = []
    placed: list[int] = []
    travels: list[int] = []
    rows: list[ScreeningEntry] = []
    for item in checked:
        entry = item.entry
        person = item.person
        if person is None and entry.new_person is not None:
            new = entry.new_person
            person = person_register(
                actor=actor,
                household=household,
                name=new.name.strip(),
                sex=item.sex,
                birth_date=item.birth_date,
                id_number=item.id_number,
                phone=item.phone,
                relation=new.relation.strip(),
                source=Person.Source.LOCAL,
            )
            registered.append(person.pk)
        if person is None:  # _validate guarantees one or the other
            raise ValueError("an entry without a person passed validation")
        if person.household_id is None:
            # Sent down by a list and found at this door: the worker has found where they live.
            person = person_place(actor=actor, person=person, household=household)
            placed.append(person.pk)
        travel = None
        if entry.travel is not None:
            travel, created = _travel_for(person, entry.travel)
            if created:
                travels.append(travel.pk)
        rows.append(
            ScreeningEntry(
                screening=screening,
                person=person,
                present=entry.present,
                whereabouts=entry.whereabouts.strip(),
                temperature=entry.temperature if entry.present else None,
                symptoms=item.symptoms,
                fever=item.fever,
                returnee=entry.travel is not None,
                travel=travel,
            )
        )
    ScreeningEntry.objects.bulk_create(rows)
    audit_log(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        object_type="screening",
        object_id=screening.pk,
        region_path=household.grid.path,
        detail={
            "household": household.pk,
            "persons": [row.person_id for row in rows],
            "registered": registered,
            "placed": placed,
            "travels": travels,
            "returnees": sum(row.returnee for row in rows),
            "fevers": sum(row.fever for row in rows),
            "measures": measures,
        },
    )
    return screening
