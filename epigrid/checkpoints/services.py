"""Writes of the checkpoints app: set up a checkpoint, register a passage at the barrier, receive a
handover in the village.

Registration is built for a barrier: one call writes the passage, its people, their links to the
registry, and the handovers, in one transaction, or nothing with every problem named by its field
("第2人 身份证号：…"). A repeated submission (the same idempotency key from the same account: a phone
that lost its answer and sent again) returns the first passage and writes nothing.

Who is who: typed identifiers are looked up in the whole district (the same ID number, or the same
phone with the same name key), never a person id sent by the phone, so a passage cannot be tied to
someone by guessing ids. A traveller heading for a village of the district who is not found is added
to the registry there, unplaced (source 自排), and handed over; passers-by heading elsewhere stay on
the passage only and do not enter the registry (collect only what prevention needs).

Dispositions: a person with fever (the observation policy's threshold) is sent to a fever clinic, not
let through or turned back; a traveller from or through the outbreak area let through towards a village
of the district is handed over to it instead — both said back to the user as notes. A transport hub
(``hubs``) adds its own: fever goes to its observation room (留观) while a place is free, a traveller
heading outside the district goes on the outside-district handover list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from epigrid.checkpoints.errors import CheckpointInvalid, FieldError
from epigrid.checkpoints.handovers import handover_create
from epigrid.checkpoints.hubs import hub_errors, hub_settle, outside_text, places_errors, stays_open_for
from epigrid.checkpoints.models import Checkpoint, Disposition, Handover, Passage, PassagePerson
from epigrid.core.audit import audit_log
from epigrid.core.clock import now
from epigrid.core.models import AuditEvent, User
from epigrid.lib.idcard import parse_id
from epigrid.lib.names import name_info
from epigrid.lib.phone import normalize_phone
from epigrid.lib.plate import check_plate
from epigrid.monitoring.checks import CheckInvalid, parse_temperature
from epigrid.monitoring.policy import current_policy
from epigrid.people.models import TEMPERATURE_MAX, TEMPERATURE_MIN, Person
from epigrid.people.services import person_register_unplaced
from epigrid.regions.models import Level, Region
from epigrid.regions.scope import scope_for
from epigrid.regions.services import chain_to

MAX_PEOPLE = 60  # a coach; more is a typing accident
TEXT_MAX = 100
LATE_HOURS = 72  # a passage may be entered afterwards, within three days, with its real time


# --- checkpoints ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckpointInput:
    name: str
    kind: str
    region: Region
    road_name: str = ""
    longitude: float | None = None
    latitude: float | None = None
    unit: str = ""
    person_in_charge: str = ""
    phone: str = ""
    opens_at: dt.time | None = None
    closes_at: dt.time | None = None
    staff: str = ""
    active: bool = True
    observation_places: int = 0  # the observation room of a transport hub (0: none)
    idempotency_key: str = ""  # a new checkpoint's: the same key twice from one account sets it up once


def _manage(actor: User, region: Region) -> None:
    """Checkpoints are set up by a town or street office and by HQ, inside their scope."""
    from epigrid.core.roles import Role

    if actor.role not in (Role.DISTRICT_HQ, Role.TOWN_OFFICER) or not scope_for(actor).contains(region):
        raise PermissionDenied


def district_boundary_contains(district: Region, longitude: float, latitude: float) -> bool | None:
    """Tell whether a point lies in the district: by its current road network's boundary, else the
    district region's own boundary; None when neither is known."""
    from epigrid.checkpoints.roads import boundary_contains, boundary_of_district

    boundary = boundary_of_district(district)
    if boundary is None:
        return None
    return boundary_contains(boundary, longitude, latitude)


def _validate_checkpoint(data: CheckpointInput) -> tuple[list[FieldError], str]:
    errors: list[FieldError] = []
    name = data.name.strip()
    if not name:
        errors.append(FieldError("name", _("请填写卡口名称。")))
    elif len(name) > TEXT_MAX:
        errors.append(FieldError("name", _("卡口名称不能超过100字。")))
    if data.kind not in Checkpoint.Kind.values:
        errors.append(FieldError("kind", _("请选择卡口类型。")))
    if data.region.level > Level.GRID or data.region.level < Level.TOWN:
        errors.append(FieldError("region", _("请选择卡口所在的镇/街道、村/社区或网格。")))
    if (data.longitude is None) != (data.latitude is None):
        errors.append(FieldError("longitude", _("经度和纬度需同时填写。")))
    elif data.longitude is not None and data.latitude is not None:
        if not (73.0 <= data.longitude <= 136.0 and 3.0 <= data.latitude <= 54.0):
            errors.append(FieldError("longitude", _("经纬度不在中国范围内，请核对（经度在前，纬度在后）。")))
        else:
            district = Region.objects.get(pk=data.region.depth_ids[0])
            inside = district_boundary_contains(district, data.longitude, data.latitude)
            if inside is False:
                errors.append(FieldError("longitude", _("卡口位置不在本区范围内，请核对经纬度。")))
    if (data.opens_at is None) != (data.closes_at is None):
        errors.append(FieldError("opens_at", _("开放和关闭时间需同时填写（全天开放则都不填）。")))
    if data.phone.strip():
        phone = normalize_phone(data.phone)
        if not phone.valid:
            errors.append(FieldError("phone", phone.error or _("电话号码无效。")))
    for attr in ("road_name", "unit", "person_in_charge"):
        if len(getattr(data, attr)) > TEXT_MAX:
            errors.append(FieldError(attr, _("不能超过100字。")))
    if len(data.staff) > 200:
        errors.append(FieldError("staff", _("不能超过200字。")))
    errors.extend(places_errors(data.kind, data.observation_places))
    return errors, name


@transaction.atomic
def checkpoint_save(
    *, actor: User, data: CheckpointInput, checkpoint: Checkpoint | None = None
) -> Checkpoint:
    """Create a checkpoint, or change ``checkpoint``; refused outside the actor's scope.

    Creating with an ``idempotency_key`` this account already set a checkpoint up with answers that
    checkpoint (``created`` false), whatever else was sent; the account's row is locked while the key is
    looked up, so two retries at once create one. A key used in another region is refused.
    """
    _manage(actor, data.region)
    if checkpoint is not None:
        _manage(actor, checkpoint.region)
    key = data.idempotency_key.strip()[:64] if checkpoint is None else ""
    if key:
        User.objects.select_for_update().filter(pk=actor.pk).first()
        previous = Checkpoint.objects.filter(created_by=actor, idempotency_key=key).first()
        if previous is not None:
            if previous.region_id != data.region.pk:
                raise CheckpointInvalid([FieldError("idempotency_key", _("这个提交标识已用于另一条记录。"))])
            previous.created = False
            return previous
    errors, name = _validate_checkpoint(data)
    if errors:
        raise CheckpointInvalid(errors)
    chain = chain_to(data.region)
    row = checkpoint or Checkpoint(created_by=actor, idempotency_key=key)
    row.name = name
    row.kind = data.kind
    row.region = data.region
    row.district_id = chain["district_id"]
    row.town_id = chain.get("town_id")
    row.village_id = chain.get("village_id")
    row.road_name = data.road_name.strip()
    row.longitude = data.longitude
    row.latitude = data.latitude
    row.unit = data.unit.strip()
    row.person_in_charge = data.person_in_charge.strip()
    row.phone = (normalize_phone(data.phone).normalized or "") if data.phone.strip() else ""
    row.opens_at = data.opens_at
    row.closes_at = data.closes_at
    row.staff = data.staff.strip()
    row.active = data.active
    row.observation_places = data.observation_places
    created = row.pk is None
    row.save()
    audit_log(
        actor=actor,
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
        object_type="checkpoint",
        object_id=row.pk,
        region_path=data.region.path,
        detail={"kind": row.kind, "located": row.located},
    )
    return row


# --- passages ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonInput:
    """One person as typed at the barrier; ``disposition`` empty = the passage's."""

    name: str = ""
    id_number: str = ""
    phone: str = ""
    temperature: str = ""
    disposition: str = ""


@dataclass(frozen=True)
class PassageInput:
    vehicle_type: str
    disposition: str
    people: list[PersonInput]
    plate: str = ""
    direction: str = Passage.Direction.IN
    origin: str = ""
    destination: str = ""
    destination_region: Region | None = None
    purpose: str = ""
    from_outbreak_area: bool = False
    via_outbreak_area: bool = False
    local_contact: str = ""
    notes: str = ""
    checked_at: dt.datetime | None = None
    idempotency_key: str = ""
    service_no: str = ""  # 车次/航班/班次, at a transport hub
    destination_province: str = ""  # a destination outside the district (transport hubs)
    destination_city: str = ""


@dataclass
class PassageResult:
    passage: Passage
    created: bool  # False: the same submission was received before, nothing written now
    handovers: list[Handover] = field(default_factory=list)
    people_created: int = 0
    notes: list[str] = field(default_factory=list)  # what the service decided on the user's behalf
    warnings: list[str] = field(default_factory=list)  # e.g. the plate does not look like GA 36


@dataclass
class _Person:
    seq: int
    name: str
    id_number: str
    phone: str
    temperature: Decimal | None
    fever: bool
    disposition: str
    sex: str = ""
    birth_date: dt.date | None = None


def _field(seq: int, name: str) -> str:
    return f"people.{seq}.{name}"


def _person_label(seq: int) -> str:
    return _("第%(n)s人") % {"n": seq}


def _check_person(
    seq: int,
    typed: PersonInput,
    default: str,
    is_fever: Callable[[Decimal | None], bool],
    errors: list[FieldError],
) -> _Person | None:
    label = _person_label(seq)
    name = typed.name.strip()
    id_number = ""
    sex = ""
    birth: dt.date | None = None
    if typed.id_number.strip():
        parsed = parse_id(typed.id_number)
        if not parsed.valid or parsed.normalized is None:
            errors.append(FieldError(_field(seq, "id_number"), f"{label} {_('身份证号')}：{parsed.error}"))
        else:
            id_number = parsed.normalized
            sex = parsed.sex or ""
            birth = parsed.birth_date
    phone = ""
    if typed.phone.strip():
        result = normalize_phone(typed.phone)
        if not result.valid or result.normalized is None:
            errors.append(FieldError(_field(seq, "phone"), f"{label} {_('手机号')}：{result.error}"))
        else:
            phone = result.normalized
    if not name and not id_number and not phone:
        errors.append(FieldError(_field(seq, "name"), f"{label}：{_('请填写姓名或身份证号。')}"))
    if len(name) > 50:
        errors.append(FieldError(_field(seq, "name"), f"{label}：{_('姓名不能超过50字。')}"))
    temperature: Decimal | None = None
    try:
        temperature = parse_temperature(typed.temperature[:10])
    except CheckInvalid:
        errors.append(
            FieldError(_field(seq, "temperature"), f"{label} {_('体温')}：{_('体温应为数字，例如 36.5')}")
        )
    if temperature is not None and not TEMPERATURE_MIN <= temperature <= TEMPERATURE_MAX:
        errors.append(
            FieldError(_field(seq, "temperature"), f"{label} {_('体温')}：{_('体温应在34.0至43.0 °C之间')}")
        )
        temperature = None
    if temperature is not None:
        temperature = temperature.quantize(Decimal("0.1"))
    disposition = typed.disposition or default
    if disposition not in Disposition.values:
        errors.append(FieldError(_field(seq, "disposition"), f"{label}：{_('请选择处置方式。')}"))
        return None
    fever = is_fever(temperature)
    return _Person(
        seq=seq, name=name, id_number=id_number, phone=phone, temperature=temperature, fever=fever,
        disposition=disposition, sex=sex, birth_date=birth,
    )  # fmt: skip


def _find_person(district_id: int, typed: _Person) -> Person | None:
    """The registered person the typed identifiers name, anywhere in the district."""
    people = Person.objects.filter(district_id=district_id, merged_into__isnull=True)
    if typed.id_number:
        found = people.filter(id_number=typed.id_number).order_by("id").first()
        if found is not None:
            return found
    if typed.phone and typed.name:
        key = name_info(typed.name).key[:80]
        return people.filter(phone=typed.phone, name_key=key).order_by("id").first()
    return None


def _validate_passage(
    actor: User, checkpoint: Checkpoint, data: PassageInput
) -> tuple[list[FieldError], list[_Person]]:
    errors: list[FieldError] = []
    if data.vehicle_type not in Passage.VehicleType.values and not (
        checkpoint.arrivals_on_foot and not data.vehicle_type
    ):
        errors.append(FieldError("vehicle_type", _("请选择车辆类型（步行也请选择）。")))
    if data.direction not in Passage.Direction.values:
        errors.append(FieldError("direction", _("请选择方向。")))
    if data.disposition not in Disposition.values:
        errors.append(FieldError("disposition", _("请选择处置方式。")))
    plate = data.plate.strip()
    has_vehicle = data.vehicle_type not in ("", Passage.VehicleType.ON_FOOT)
    typed_people = [
        p
        for p in data.people
        if p.name.strip() or p.id_number.strip() or p.phone.strip() or p.temperature.strip()
    ]
    if not typed_people and not plate:
        errors.append(FieldError("people", _("请至少登记一名人员或一个车牌号。")))
    if len(typed_people) > MAX_PEOPLE:
        errors.append(FieldError("people", _("一次最多登记60人。")))
    if plate and data.vehicle_type == Passage.VehicleType.ON_FOOT:
        errors.append(FieldError("plate", _("步行人员没有车牌，请选择车辆类型。")))
    if (
        has_vehicle
        and not plate
        and data.vehicle_type in (Passage.VehicleType.CAR, Passage.VehicleType.BUS, Passage.VehicleType.TRUCK)
    ):
        errors.append(FieldError("plate", _("请填写车牌号。")))
    for attr in ("origin", "destination", "purpose", "local_contact"):
        if len(getattr(data, attr)) > TEXT_MAX:
            errors.append(FieldError(attr, _("不能超过100字。")))
    if len(data.notes) > 200:
        errors.append(FieldError("notes", _("不能超过200字。")))
    target = data.destination_region
    if target is not None and (
        target.depth_ids[:1] != [checkpoint.district_id] or target.level < Level.VILLAGE
    ):
        errors.append(FieldError("destination_region", _("目的地应为本区的村/社区或网格。")))
    moment = data.checked_at or now()
    current = now()
    if moment > current + dt.timedelta(minutes=5):
        errors.append(FieldError("checked_at", _("检查时间不能晚于现在。")))
    elif moment < current - dt.timedelta(hours=LATE_HOURS):
        errors.append(FieldError("checked_at", _("只能补录三天内的通行登记。")))
    if not checkpoint.active:
        errors.append(FieldError("checkpoint", _("该卡口已停用。")))
    # A refused time (long past, future) must not choose the policy: there may be none that early.
    policy = current_policy(current if any(e.field == "checked_at" for e in errors) else moment)
    people: list[_Person] = []
    default = data.disposition if data.disposition in Disposition.values else Disposition.LET_THROUGH
    for seq, typed in enumerate(typed_people[:MAX_PEOPLE], start=1):
        checked = _check_person(seq, typed, default, policy.is_fever, errors)
        if checked is not None:
            people.append(checked)
    if data.disposition == Disposition.HANDED_OVER and target is None:
        if not checkpoint.is_hub:
            errors.append(FieldError("destination_region", _("移交属地时请选择本区的目的村/社区。")))
        elif not data.destination_province.strip():
            errors.append(
                FieldError(
                    "destination_region", _("移交属地时请选择本区的目的村/社区，或填写外地目的地省份。")
                )
            )
    errors.extend(hub_errors(checkpoint, data, typed_people[:MAX_PEOPLE]))
    seen: set[str] = set()
    for person in people:
        if person.id_number and person.id_number in seen:
            errors.append(
                FieldError(
                    _field(person.seq, "id_number"),
                    f"{_person_label(person.seq)}：{_('同一身份证号登记了两次。')}",
                )
            )
        seen.add(person.id_number)
    return errors, people


def _settle_dispositions(
    checkpoint: Checkpoint, data: PassageInput, people: list[_Person], notes: list[str]
) -> None:
    """Fever → fever clinic (at a hub: its observation room while a place is free); outbreak-area
    traveller let through into the district → handed over (at a hub, also to a place outside it)."""
    outbreak = data.from_outbreak_area or data.via_outbreak_area
    free = 0
    if checkpoint.has_observation_room:
        from epigrid.checkpoints.hubs import open_stays

        free = checkpoint.observation_places - open_stays(checkpoint)
        free -= sum(1 for p in people if p.disposition == Disposition.OBSERVATION)
    for person in people:
        label = person.name or _person_label(person.seq)
        settled = hub_settle(
            checkpoint, data, label=label, fever=person.fever, temperature=person.temperature,
            typed=person.disposition,
        )  # fmt: skip
        if settled is not None and settled.disposition == Disposition.OBSERVATION and free <= 0:
            person.disposition = Disposition.FEVER_CLINIC
            notes.append(
                _("%(who)s 体温%(t)s℃，留观室已满，已改为送发热门诊。")
                % {"who": label, "t": person.temperature}
            )
            continue
        if settled is not None:
            free -= settled.disposition == Disposition.OBSERVATION
            person.disposition = settled.disposition
            notes.append(settled.note)
            continue
        if person.fever and person.disposition in (
            Disposition.LET_THROUGH,
            Disposition.TURNED_BACK,
            Disposition.HANDED_OVER,
        ):
            person.disposition = Disposition.FEVER_CLINIC
            notes.append(
                _("%(who)s 体温%(t)s℃，已改为送发热门诊。") % {"who": label, "t": person.temperature}
            )
        elif (
            outbreak and data.destination_region is not None and person.disposition == Disposition.LET_THROUGH
        ):
            person.disposition = Disposition.HANDED_OVER
            notes.append(_("%(who)s 来自或途经重点地区，已移交目的地村/社区。") % {"who": label})


def _replay(actor: User, checkpoint: Checkpoint, key: str) -> Passage | None:
    """The passage this account already sent with ``key``; a key reused at another checkpoint is not
    the same submission and is refused (a client reusing keys would otherwise lose a passage)."""
    if not key:
        return None
    previous = Passage.objects.filter(checked_by=actor, idempotency_key=key).first()
    if previous is not None and previous.checkpoint_id != checkpoint.pk:
        raise CheckpointInvalid([FieldError("idempotency_key", _("这个提交标识已用于另一个卡口的登记。"))])
    return previous


def passage_register(*, actor: User, checkpoint: Checkpoint, data: PassageInput) -> PassageResult:
    """Register one stop at ``checkpoint``; see the module docstring. Raises ``CheckpointInvalid``."""
    if not actor.caps.can_write or not scope_for(actor).contains(checkpoint.region):
        raise PermissionDenied
    key = data.idempotency_key.strip()[:64]
    previous = _replay(actor, checkpoint, key)
    if previous is not None:
        return PassageResult(passage=previous, created=False, handovers=list(_handovers_of(previous)))
    errors, people = _validate_passage(actor, checkpoint, data)
    if errors:
        raise CheckpointInvalid(errors)
    try:
        return _write(actor, checkpoint, data, people, key)
    except IntegrityError:
        previous = _replay(actor, checkpoint, key)  # the same submission, written by a request a moment ago
        if previous is None:
            raise
        return PassageResult(passage=previous, created=False, handovers=list(_handovers_of(previous)))


def _handovers_of(passage: Passage) -> list[Handover]:
    return list(Handover.objects.filter(passage_person__passage=passage).select_related("region"))


@transaction.atomic
def _write(
    actor: User, checkpoint: Checkpoint, data: PassageInput, people: list[_Person], key: str
) -> PassageResult:
    notes: list[str] = []
    if checkpoint.has_observation_room:
        # Free places are counted under a lock on the checkpoint: one registration at a time takes them.
        Checkpoint.objects.select_for_update().filter(pk=checkpoint.pk).first()
    _settle_dispositions(checkpoint, data, people, notes)
    plate = check_plate(data.plate) if data.plate.strip() else None
    moment = data.checked_at or now()
    day = timezone.localdate(moment)
    dispositions = {p.disposition for p in people}
    passage_disposition = data.disposition
    if people and passage_disposition not in dispositions:
        # The passage's own disposition is that of most of its people after the rules above.
        passage_disposition = max(dispositions, key=lambda d: sum(1 for p in people if p.disposition == d))
    passage = Passage.objects.create(
        checkpoint=checkpoint,
        district_id=checkpoint.district_id,
        town_id=checkpoint.town_id,
        village_id=checkpoint.village_id,
        checked_at=moment,
        day=day,
        direction=data.direction,
        plate=plate.normalized if plate else "",
        plate_warnings=list(plate.warnings) if plate else [],
        vehicle_type=data.vehicle_type or Passage.VehicleType.ON_FOOT,
        service_no=data.service_no.strip().upper().replace(" ", ""),
        destination_province=data.destination_province.strip() if data.destination_region is None else "",
        destination_city=data.destination_city.strip() if data.destination_region is None else "",
        origin=data.origin.strip(),
        destination=outside_text(data)
        or data.destination.strip()
        or (data.destination_region.name if data.destination_region else ""),
        destination_region=data.destination_region,
        purpose=data.purpose.strip(),
        from_outbreak_area=data.from_outbreak_area,
        via_outbreak_area=data.via_outbreak_area,
        disposition=passage_disposition,
        local_contact=data.local_contact.strip(),
        people_count=len(people),
        fever_count=sum(1 for p in people if p.fever),
        notes=data.notes.strip(),
        checked_by=actor,
        idempotency_key=key,
    )
    created_people = 0
    handovers: list[Handover] = []
    rows: list[PassagePerson] = []
    for seat_index, typed in enumerate(people):
        registered = _find_person(checkpoint.district_id, typed)
        target = data.destination_region
        if registered is None and typed.disposition == Disposition.HANDED_OVER and target is not None:
            registered = person_register_unplaced(
                actor=actor,
                region=target,
                source=Person.Source.LOCAL,
                name=typed.name or _("未留姓名"),
                sex=typed.sex,
                birth_date=typed.birth_date,
                id_number=typed.id_number,
                phone=typed.phone,
            )
            created_people += 1
        rows.append(
            PassagePerson(
                passage=passage,
                seq=typed.seq,
                seat=PassagePerson.Seat.DRIVER
                if seat_index == 0 and passage.has_vehicle
                else PassagePerson.Seat.PASSENGER,
                person=registered,
                name=typed.name or (registered.name if registered else ""),
                id_number=typed.id_number,
                phone=typed.phone,
                temperature=typed.temperature,
                fever=typed.fever,
                disposition=typed.disposition,
            )
        )
    PassagePerson.objects.bulk_create(rows)
    saved = list(PassagePerson.objects.filter(passage=passage).select_related("person").order_by("seq"))
    stays = stays_open_for(checkpoint, saved, started_at=moment)
    for row in saved:
        target = data.destination_region
        if row.disposition == Disposition.HANDED_OVER and row.person is not None and target is not None:
            handovers.append(handover_create(passage, row, row.person, target))
    audit_log(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        object_type="passage",
        object_id=passage.pk,
        region_path=checkpoint.region.path,
        detail={
            "people": len(saved),
            "persons": [r.person_id for r in saved if r.person_id],
            "created": created_people,
            "handovers": len(handovers),
            "observation": len(stays),
        },
    )
    warnings = [str(w) for w in plate.warnings] if plate else []
    return PassageResult(
        passage=passage, created=True, handovers=handovers, people_created=created_people, notes=notes,
        warnings=warnings,
    )  # fmt: skip
