"""Record a fever visit (预检分诊): the person, the reading, the history, the doctor's disposition, and what
follows from it, in one transaction.

``fever_visit_record`` checks everything first and refuses with every wrong field at once
(``TriageInvalid``, keyed by field, without the values typed): a missing or impossible temperature, no
disposition, a disposition that contradicts the person's current classification ("该人员当前为确诊病例，
预检处置不能为“排除”"), a patient who could be one of several registered people (the candidates come
with the refusal; the next submission names one or says "new"). Nothing is written then. Otherwise
the patient is linked (ID number, one strong match, or the chosen candidate) or registered unplaced
where they live; the visit is written with their region chain, so their village and grid see it at
once; the classification moves through ``cases`` with source 发热门诊, so the four categories count
it without anyone typing it again; and the disposition's measure and home observation are started
(``triage.effects``). The same ``idempotency_key`` twice from one account records one visit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from epigrid.cases.services import CaseError, current_classification, person_locked
from epigrid.core.audit import audit_log
from epigrid.core.clock import now
from epigrid.core.models import AuditEvent, User
from epigrid.lib.idcard import parse_id
from epigrid.lib.names import pinyin_key
from epigrid.lib.phone import normalize_phone
from epigrid.monitoring.episodes import EpisodeError
from epigrid.monitoring.policy import current_policy
from epigrid.people.models import TEMPERATURE_MAX, TEMPERATURE_MIN, Person
from epigrid.people.selectors import person_in_scope
from epigrid.people.services import person_register_unplaced
from epigrid.regions.models import Level, Region
from epigrid.regions.scope import scope_for
from epigrid.regions.services import chain_to
from epigrid.resources.models import Facility
from epigrid.triage.effects import outcome_apply
from epigrid.triage.errors import FieldError, TriageInvalid
from epigrid.triage.matching import person_resolve
from epigrid.triage.models import Disposition, FeverVisit
from epigrid.triage.rules import disposition_outcome
from epigrid.triage.selectors import facility_records_for

NAME_MAX = 50
DOCTOR_MAX = 50
NOTE_MAX = 200
# A visit is registered while the patient is there or soon after; a week back covers a night shift's
# paper register typed in later, and stops a mistyped year from dating a visit long ago.
BACKDATE_DAYS = 7


@dataclass(frozen=True)
class VisitInput:
    """One visit as typed: the patient (``person_id`` once chosen, else who they say they are)."""

    temperature: str | Decimal | None
    disposition: str
    doctor: str
    symptoms: list[str] = field(default_factory=list)
    from_outbreak_area: bool = False
    via_outbreak_area: bool = False
    case_contact: bool = False
    cluster: bool = False
    person_id: int | None = None
    new_person: bool = False  # the clinic says the patient is none of the candidates shown
    name: str = ""
    id_number: str = ""
    phone: str = ""
    region: Region | None = None  # where a new patient lives (district, town or village)
    visited_at: dt.datetime | None = None
    note: str = ""
    idempotency_key: str = ""


@dataclass(frozen=True)
class VisitResult:
    visit: FeverVisit
    created: bool  # False: the same submission was received before, nothing written now


@dataclass(frozen=True)
class _Patient:
    """Who the visit is about once checked: a registry person, or someone to register where they live."""

    person: Person | None
    name: str
    id_number: str
    phone: str
    sex: str
    birth_date: dt.date | None
    region: Region | None


def temperature_parse(raw: str | Decimal | None) -> tuple[Decimal | None, str]:
    """Return the temperature to one decimal place, or the reason it cannot be one (Chinese)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, _("请填写体温。")
    try:
        value = Decimal(str(raw).strip().replace("℃", "").replace("°C", "")).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        return None, _("体温应为数字，如 38.5。")
    if not value.is_finite() or not TEMPERATURE_MIN <= value <= TEMPERATURE_MAX:
        return None, _("体温应在34.0至43.0℃之间，请核对。")
    return value, ""


def _check_fields(data: VisitInput, errors: list[FieldError]) -> tuple[Decimal | None, dt.datetime]:
    temperature, problem = temperature_parse(data.temperature)
    if problem:
        errors.append(FieldError("temperature", problem))
    if data.disposition not in Disposition.values:
        errors.append(FieldError("disposition", _("请选择处置结果。")))
    doctor = data.doctor.strip()
    if not doctor:
        errors.append(FieldError("doctor", _("请填写首诊医生。")))
    elif len(doctor) > DOCTOR_MAX:
        errors.append(FieldError("doctor", _("首诊医生不能超过50字。")))
    known = set(current_policy().symptoms)
    if any(code not in known for code in data.symptoms):
        errors.append(FieldError("symptoms", _("症状须从清单中选择。")))
    if len(data.note.strip()) > NOTE_MAX:
        errors.append(FieldError("note", _("备注不能超过200字。")))
    stamp = now()
    visited_at = data.visited_at or stamp
    if visited_at > stamp + dt.timedelta(minutes=5):
        errors.append(FieldError("visited_at", _("就诊时间不能晚于现在。")))
    elif visited_at < stamp - dt.timedelta(days=BACKDATE_DAYS):
        errors.append(FieldError("visited_at", _("就诊时间不能早于7天前。")))
    return temperature, visited_at


def _check_patient(actor: User, facility: Facility, data: VisitInput, errors: list[FieldError]) -> _Patient:
    """Check who the patient is; a choice among candidates comes back as a refusal with them."""
    if data.person_id is not None:
        person = person_in_scope(user=actor, person_id=data.person_id)
        if person is None:
            errors.append(FieldError("person", _("未找到该人员，请重新查找。")))
        return _Patient(person, "", "", "", "", None, None)
    name = " ".join(data.name.split())
    if not name:
        errors.append(FieldError("name", _("请填写就诊人员姓名。")))
    elif len(name) > NAME_MAX or not pinyin_key(name):
        errors.append(FieldError("name", _("姓名不能超过50字，且须包含汉字或字母。")))
    id_number, sex, birth = "", "", None
    if data.id_number.strip():
        parsed = parse_id(data.id_number)
        if not parsed.valid or parsed.normalized is None:
            # The parser's reasons are fixed Chinese sentences naming no digit of the number.
            errors.append(FieldError("id_number", parsed.error or _("身份证号无效。")))
        else:
            id_number, sex, birth = parsed.normalized, parsed.sex or "", parsed.birth_date
    phone = ""
    if data.phone.strip():
        result = normalize_phone(data.phone)
        if not result.valid or result.normalized is None:
            errors.append(FieldError("phone", _("联系电话无效，请填写手机号或座机号。")))
        else:
            phone = result.normalized
    region = data.region
    if region is None and scope_for(actor).contains_path(_district_path(facility)):
        region = facility.district
    if region is None:
        errors.append(FieldError("region", _("请选择居住地（镇/街道或村/社区）。")))
    elif (
        region.level > Level.VILLAGE
        or region.depth_ids[0] != facility.district_id
        or not scope_for(actor).contains(region)
    ):
        errors.append(FieldError("region", _("居住地须为本区的镇/街道或村/社区，且在您的管辖范围内。")))
    return _Patient(None, name, id_number, phone, sex, birth, region)


def _district_path(facility: Facility) -> str:
    return facility.district.path


def _resolve(actor: User, data: VisitInput, patient: _Patient) -> _Patient:
    """Link the patient to the registry, or refuse with the candidates to choose from."""
    if patient.person is not None or data.new_person:
        return patient
    found = person_resolve(
        actor=actor, name=patient.name, id_number=patient.id_number, phone=patient.phone, sex=patient.sex
    )
    if found.person is not None:
        return replace(patient, person=found.person)
    if found.candidates:
        raise TriageInvalid(
            [FieldError("person", _("本区有疑似同一人的已登记人员，请选择其中一人，或确认为新登记人员。"))],
            candidates=[c.person for c in found.candidates],
        )
    return patient


def _replay(actor: User, key: str) -> FeverVisit | None:
    return FeverVisit.objects.filter(recorded_by=actor, idempotency_key=key).first() if key else None


def fever_visit_record(*, actor: User, facility: Facility, data: VisitInput) -> VisitResult:
    """Record a fever visit at ``facility`` and what its disposition does (see the module docstring)."""
    if not actor.caps.record_triage or not facility_records_for(actor, facility):
        raise PermissionDenied
    key = data.idempotency_key.strip()[:64]
    previous = _replay(actor, key)
    if previous is not None:
        return VisitResult(previous, created=False)
    errors: list[FieldError] = []
    temperature, visited_at = _check_fields(data, errors)
    patient = _check_patient(actor, facility, data, errors)
    if errors:
        raise TriageInvalid(errors)
    patient = _resolve(actor, data, patient)
    assert temperature is not None  # noqa: S101 - _check_fields reported its absence as an error
    try:
        with transaction.atomic():
            visit = _write(actor, facility, data, patient, temperature, visited_at, key)
    except IntegrityError:
        previous = _replay(actor, key)  # the same submission, written by a request a moment ago
        if previous is None:
            raise
        return VisitResult(previous, created=False)
    return VisitResult(visit, created=True)


def _write(
    actor: User,
    facility: Facility,
    data: VisitInput,
    patient: _Patient,
    temperature: Decimal,
    visited_at: dt.datetime,
    key: str,
) -> FeverVisit:
    """Write the visit and its consequences (inside the caller's transaction); refusals undo it all."""
    created = patient.person is None
    person = patient.person
    if person is None:
        assert patient.region is not None  # noqa: S101 - _check_patient refused a missing region
        # A patient found by the health system rather than by the village: 下发, as a department list's.
        person = person_register_unplaced(
            actor=actor, region=patient.region, name=patient.name, source=Person.Source.SENT_DOWN,
            sex=patient.sex, birth_date=patient.birth_date, id_number=patient.id_number, phone=patient.phone,
        )  # fmt: skip
    try:
        person = person_locked(actor, person)
    except CaseError as exc:
        raise TriageInvalid([FieldError("person", exc.message)]) from None
    current = current_classification(person)
    outcome, refusal = disposition_outcome(
        disposition=data.disposition, current=current, facility_kind=facility.kind
    )
    if refusal:
        raise TriageInvalid([FieldError("disposition", refusal)])
    visit = FeverVisit.objects.create(
        facility=facility,
        person=person,
        **chain_to(person.place),
        visited_at=visited_at,
        temperature=temperature,
        fever=current_policy(visited_at).is_fever(temperature),
        symptoms=sorted(set(data.symptoms)),
        from_outbreak_area=data.from_outbreak_area,
        via_outbreak_area=data.via_outbreak_area,
        case_contact=data.case_contact,
        cluster=data.cluster,
        disposition=data.disposition,
        classification_before=current,
        classification_after=current,
        person_created=created,
        doctor=data.doctor.strip(),
        recorded_by=actor,
        note=data.note.strip(),
        idempotency_key=key,
    )
    try:
        after = outcome_apply(actor=actor, person=person, visit=visit, outcome=outcome)
    except (CaseError, EpisodeError) as exc:
        raise TriageInvalid([FieldError("disposition", exc.message)]) from None
    if after != current:
        visit.classification_after = after
        visit.save(update_fields=["classification_after"])
    audit_log(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        object_type="fever_visit",
        object_id=visit.pk,
        region_path=person.place.path,
        detail={
            "person": person.pk, "person_created": created, "facility": facility.pk,
            "disposition": visit.disposition, "from": current, "to": after,
        },
    )  # fmt: skip
    return visit


def follow_placement(*, person: Person, **_kwargs: object) -> None:
    """Show a person's visits where they now live (``people.signals.person_chain_changed``)."""
    FeverVisit.objects.filter(person_id=person.pk).update(
        district_id=person.district_id, town_id=person.town_id, village_id=person.village_id,
        grid_id=person.grid_id,
    )  # fmt: skip
