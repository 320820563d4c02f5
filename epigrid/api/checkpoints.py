"""Checkpoints (卡口): the barriers of a region, registering a stop at one, its day's passages and
figures, and the handovers a village receives from them.

A registration goes through ``checkpoints.services.passage_register``, the service the barrier's page
uses: every problem comes back at once as a 422 naming the field (``people``, index, field — the index
counts the ``people`` list as sent), nothing is written then, and the same ``idempotency_key`` twice
from the same account registers the stop once (201 the first time, 200 with the same passage after).
Setting a checkpoint up takes an ``idempotency_key`` too (201, then 200 with the first checkpoint).

Identifiers are shown as the caller's role may see them (``user.caps.identifiers``); a registered
person's id is given only when the caller's scope covers that person.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Schema, Status

from epigrid.api.checkpoint_travellers import checkpoint_errors as _errors
from epigrid.api.checkpoint_travellers import router as travellers_router
from epigrid.api.common import ApiRouter, Page, PageParams, PathId, actor, page_out, require
from epigrid.checkpoints.errors import CheckpointInvalid, FieldError
from epigrid.checkpoints.models import Checkpoint, Disposition, Passage, PassagePerson
from epigrid.checkpoints.selectors import (
    FIGURE_KEYS,
    checkpoint_days,
    checkpoint_get_for_user,
    checkpoints_for_user,
    passage_count,
    passages_for_checkpoint,
)
from epigrid.checkpoints.services import (
    CheckpointInput,
    PassageInput,
    PersonInput,
    checkpoint_save,
    passage_register,
)
from epigrid.core.clock import local_today
from epigrid.core.models import User
from epigrid.regions.models import Region
from epigrid.regions.scope import scope_for
from epigrid.regions.selectors import region_get_for_user

router = ApiRouter(tags=["checkpoints"])
# Handovers, the hubs' observation rooms and outside-district lists: their own module, same URLs root.
router.add_router("", travellers_router)


# --- checkpoints -----------------------------------------------------------------------------------


class CheckpointIn(Schema):
    name: str = Field(max_length=100)
    kind: Checkpoint.Kind
    region_id: int = Field(description="the town, village or grid it stands in")
    road_name: str = Field("", max_length=100)
    longitude: float | None = None
    latitude: float | None = None
    unit: str = Field("", max_length=100, description="责任单位")
    person_in_charge: str = Field("", max_length=50)
    phone: str = Field("", max_length=30)
    opens_at: dt.time | None = Field(None, description="empty with closes_at: around the clock")
    closes_at: dt.time | None = None
    staff: str = Field("", max_length=200)
    active: bool = True
    observation_places: int = Field(0, ge=0, le=50, description="a transport hub's observation room")


class CheckpointCreateIn(CheckpointIn):
    idempotency_key: str = Field("", max_length=64, description="the same key twice sets one up")


class CheckpointOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    region_id: int
    region_name: str
    road_name: str
    longitude: float | None
    latitude: float | None
    unit: str
    person_in_charge: str
    phone: str = Field(description="masked unless the role sees phones in full")
    opens_at: dt.time | None
    closes_at: dt.time | None
    around_the_clock: bool
    staff: str
    active: bool
    is_hub: bool = Field(
        description="a transport-hub screening point (airport, station, port, motorway exit)"
    )
    observation_places: int


class CheckpointFilter(Schema):
    region_id: int | None = Field(None, description="a region in the caller's scope (default: all of it)")


def _checkpoint(user: User, checkpoint: Checkpoint) -> dict[str, object]:
    return {
        "id": checkpoint.pk,
        "name": checkpoint.name,
        "kind": checkpoint.kind,
        "kind_label": str(checkpoint.get_kind_display()),
        "region_id": checkpoint.region_id,
        "region_name": checkpoint.region.name,
        "road_name": checkpoint.road_name,
        "longitude": checkpoint.longitude,
        "latitude": checkpoint.latitude,
        "unit": checkpoint.unit,
        "person_in_charge": checkpoint.person_in_charge,
        "phone": user.caps.identifiers("", checkpoint.phone)[1],
        "opens_at": checkpoint.opens_at,
        "closes_at": checkpoint.closes_at,
        "around_the_clock": checkpoint.around_the_clock,
        "staff": checkpoint.staff,
        "active": checkpoint.active,
        "is_hub": checkpoint.is_hub,
        "observation_places": checkpoint.observation_places,
    }


def _checkpoint_input(user: User, payload: CheckpointIn, key: str = "") -> CheckpointInput:
    region = region_get_for_user(user=user, region_id=payload.region_id)
    return CheckpointInput(
        name=payload.name,
        kind=str(payload.kind.value),
        region=region,
        road_name=payload.road_name,
        longitude=payload.longitude,
        latitude=payload.latitude,
        unit=payload.unit,
        person_in_charge=payload.person_in_charge,
        phone=payload.phone,
        opens_at=payload.opens_at,
        closes_at=payload.closes_at,
        staff=payload.staff,
        active=payload.active,
        observation_places=payload.observation_places,
        idempotency_key=key,
    )


@router.get("/checkpoints", response=Page[CheckpointOut], summary="The checkpoints in the caller's scope")
def checkpoint_list(
    request: HttpRequest, filters: Query[CheckpointFilter], page: Query[PageParams]
) -> dict[str, object]:
    user = actor(request)
    region = region_get_for_user(user=user, region_id=filters.region_id) if filters.region_id else None
    rows = checkpoints_for_user(user=user, region=region)
    count = rows.count()
    items = list(rows[page.offset : page.offset + page.limit])
    return page_out(count, page, [_checkpoint(user, c) for c in items])


# --- daily figures (declared before /checkpoints/{id} only for readability: the int converter keeps
# "figures" from matching an id) ------------------------------------------------------------------


class FiguresOut(Schema):
    vehicles: int
    people: int
    turned_back: int
    handed_over: int
    fever_clinic: int
    fever: int
    observation: int = Field(description="travellers put in a transport hub's observation room")


class CheckpointFiguresOut(Schema):
    checkpoint_id: int
    name: str
    kind: str
    region_id: int
    figures: FiguresOut


class DayFiguresOut(Schema):
    region_id: int
    day: dt.date
    checkpoints: list[CheckpointFiguresOut]
    total: FiguresOut


class FiguresFilter(Schema):
    region_id: int = Field(description="a region in the caller's scope")
    day: dt.date | None = Field(None, description="local day (default: today)")


@router.get(
    "/checkpoints/figures",
    response=DayFiguresOut,
    summary="A day's counts per checkpoint of a region, and their total (no personal data)",
)
def checkpoint_figures(request: HttpRequest, filters: Query[FiguresFilter]) -> dict[str, object]:
    user = actor(request)
    region = region_get_for_user(user=user, region_id=filters.region_id)
    day = filters.day or local_today()
    rows, total = checkpoint_days(user=user, region=region, day=day)
    return {
        "region_id": region.pk,
        "day": day,
        "checkpoints": [
            {
                "checkpoint_id": row.checkpoint.pk,
                "name": row.checkpoint.name,
                "kind": row.checkpoint.kind,
                "region_id": row.checkpoint.region_id,
                "figures": {key: row.figures[key] for key in FIGURE_KEYS},
            }
            for row in rows
        ],
        "total": {key: total[key] for key in FIGURE_KEYS},
    }


@router.get("/checkpoints/{int:checkpoint_id}", response=CheckpointOut, summary="One checkpoint")
def checkpoint_detail(request: HttpRequest, checkpoint_id: PathId) -> dict[str, object]:
    user = actor(request)
    return _checkpoint(user, checkpoint_get_for_user(user=user, checkpoint_id=checkpoint_id))


@router.post(
    "/checkpoints",
    response={200: CheckpointOut, 201: CheckpointOut},
    summary="Set up a checkpoint (town office or HQ); 201 set up, 200 the same idempotency key again",
)
def checkpoint_create(request: HttpRequest, payload: CheckpointCreateIn) -> Status[dict[str, object]]:
    user = actor(request)
    require(user, "can_write")
    data = _checkpoint_input(user, payload, payload.idempotency_key)
    try:
        checkpoint = checkpoint_save(actor=user, data=data)
    except CheckpointInvalid as exc:
        raise _errors(exc.errors) from None
    return Status(201 if checkpoint.created else 200, _checkpoint(user, checkpoint))


@router.put(
    "/checkpoints/{int:checkpoint_id}", response=CheckpointOut, summary="Change a checkpoint (all fields)"
)
def checkpoint_update(
    request: HttpRequest, checkpoint_id: PathId, payload: CheckpointIn
) -> dict[str, object]:
    user = actor(request)
    require(user, "can_write")
    checkpoint = checkpoint_get_for_user(user=user, checkpoint_id=checkpoint_id)
    data = _checkpoint_input(user, payload)
    try:
        checkpoint = checkpoint_save(actor=user, data=data, checkpoint=checkpoint)
    except CheckpointInvalid as exc:
        raise _errors(exc.errors) from None
    return _checkpoint(user, checkpoint)


# --- passages --------------------------------------------------------------------------------------


class PersonIn(Schema):
    name: str = Field("", max_length=50)
    id_number: str = Field("", max_length=40)
    phone: str = Field("", max_length=30)
    temperature: str | float | None = Field(None, description='°C, e.g. 36.5 or "36.5"')
    disposition: Disposition | Literal[""] = Field("", description="empty: the passage's")


class PassageIn(Schema):
    vehicle_type: Passage.VehicleType | None = Field(
        None, description="required except at stations (on foot)"
    )
    service_no: str = Field("", max_length=20, description="车次/航班/班次, required at stations")
    plate: str = Field("", max_length=20)
    direction: Passage.Direction = Passage.Direction.IN
    origin: str = Field("", max_length=100)
    destination: str = Field("", max_length=100)
    destination_region_id: int | None = Field(None, description="a village or grid of this district")
    destination_province: str = Field("", max_length=20, description="a destination outside the district")
    destination_city: str = Field("", max_length=30)
    purpose: str = Field("", max_length=100)
    from_outbreak_area: bool = False
    via_outbreak_area: bool = False
    disposition: Disposition = Disposition.LET_THROUGH
    local_contact: str = Field("", max_length=100)
    notes: str = Field("", max_length=200)
    checked_at: dt.datetime | None = Field(None, description="default: now; at most 72 hours ago")
    idempotency_key: str = Field("", max_length=64, description="the same key twice registers one stop")
    people: list[PersonIn] = Field([], max_length=60, description="the driver first, then the passengers")


class PassagePersonOut(Schema):
    seq: int
    seat: str
    name: str
    id_number: str = Field(description="masked unless the role sees ID numbers in full")
    phone: str
    person_id: int | None = Field(description="the registered person, when the caller's scope covers them")
    temperature: Decimal | None
    fever: bool
    disposition: str


class HandoverRefOut(Schema):
    id: int
    region_id: int
    region_name: str
    status: str


class PassageOut(Schema):
    id: int
    checkpoint_id: int
    checked_at: dt.datetime
    day: dt.date
    direction: str
    vehicle_type: str
    plate: str
    plate_warnings: list[str]
    service_no: str
    origin: str
    destination: str
    destination_region_id: int | None
    destination_province: str
    destination_city: str
    purpose: str
    from_outbreak_area: bool
    via_outbreak_area: bool
    disposition: str
    local_contact: str
    notes: str
    checked_by: str
    people: list[PassagePersonOut]


class PassageResultOut(PassageOut):
    created: bool = Field(description="false when the idempotency key had already registered it")
    handovers: list[HandoverRefOut]
    decisions: list[str] = Field(description="what the rules changed (fever → clinic, handed over)")
    warnings: list[str]


class PassageFilter(Schema):
    day: dt.date | None = Field(None, description="local day (default: today)")


def _person(user: User, row: PassagePerson, id_number: str, phone: str) -> dict[str, object]:
    person = row.person
    covered = person is not None and scope_for(user).covers(person)
    return {
        "seq": row.seq,
        "seat": row.seat,
        "name": row.name,
        "id_number": id_number,
        "phone": phone,
        "person_id": row.person_id if covered else None,
        "temperature": row.temperature,
        "fever": row.fever,
        "disposition": row.disposition,
    }


def _passage(user: User, passage: Passage, people: list[dict[str, object]]) -> dict[str, object]:
    return {
        "id": passage.pk,
        "checkpoint_id": passage.checkpoint_id,
        "checked_at": passage.checked_at,
        "day": passage.day,
        "direction": passage.direction,
        "vehicle_type": passage.vehicle_type,
        "plate": passage.plate,
        "plate_warnings": [str(w) for w in passage.plate_warnings],
        "service_no": passage.service_no,
        "origin": passage.origin,
        "destination": passage.destination,
        "destination_region_id": passage.destination_region_id,
        "destination_province": passage.destination_province,
        "destination_city": passage.destination_city,
        "purpose": passage.purpose,
        "from_outbreak_area": passage.from_outbreak_area,
        "via_outbreak_area": passage.via_outbreak_area,
        "disposition": passage.disposition,
        "local_contact": passage.local_contact,
        "notes": passage.notes,
        "checked_by": str(passage.checked_by) if passage.checked_by_id else "",
        "people": people,
    }


def _people_of(user: User, passage: Passage) -> list[dict[str, object]]:
    caps = user.caps
    rows = PassagePerson.objects.filter(passage=passage).select_related("person").order_by("seq")
    return [_person(user, row, *caps.identifiers(row.id_number, row.phone)) for row in rows]


def _blank(person: PersonIn) -> bool:
    temperature = "" if person.temperature is None else str(person.temperature)
    typed = (person.name, person.id_number, person.phone, temperature)
    return not any(value.strip() for value in typed)


def _passage_input(payload: PassageIn, destination: Region | None) -> PassageInput:
    checked_at = payload.checked_at
    if checked_at is not None and timezone.is_naive(checked_at):
        checked_at = timezone.make_aware(checked_at)
    return PassageInput(
        vehicle_type=str(payload.vehicle_type.value) if payload.vehicle_type is not None else "",
        disposition=str(payload.disposition.value),
        people=[
            PersonInput(
                name=p.name,
                id_number=p.id_number,
                phone=p.phone,
                temperature="" if p.temperature is None else str(p.temperature),
                disposition=str(p.disposition.value) if isinstance(p.disposition, Disposition) else "",
            )
            for p in payload.people
        ],
        plate=payload.plate,
        direction=str(payload.direction.value),
        origin=payload.origin,
        destination=payload.destination,
        destination_region=destination,
        purpose=payload.purpose,
        from_outbreak_area=payload.from_outbreak_area,
        via_outbreak_area=payload.via_outbreak_area,
        local_contact=payload.local_contact,
        notes=payload.notes,
        checked_at=checked_at,
        idempotency_key=payload.idempotency_key,
        service_no=payload.service_no,
        destination_province=payload.destination_province,
        destination_city=payload.destination_city,
    )


@router.post(
    "/checkpoints/{int:checkpoint_id}/passages",
    response={200: PassageResultOut, 201: PassageResultOut},
    summary="Register a stop at the barrier; 201 registered, 200 the same idempotency key again",
)
def passage_create(
    request: HttpRequest, checkpoint_id: PathId, payload: PassageIn
) -> Status[dict[str, object]]:
    user = actor(request)
    require(user, "can_write")
    checkpoint = checkpoint_get_for_user(user=user, checkpoint_id=checkpoint_id)
    people_index = [i for i, p in enumerate(payload.people) if not _blank(p)]
    destination: Region | None = None
    if payload.destination_region_id is not None:
        # Any village of the district may be a destination, in the caller's scope or not; the service
        # refuses one of another district with the same message as a missing one.
        destination = Region.objects.filter(pk=payload.destination_region_id).first()
        if destination is None:
            raise _errors([FieldError("destination_region", "目的地应为本区的村/社区或网格。")])
    try:
        result = passage_register(
            actor=user, checkpoint=checkpoint, data=_passage_input(payload, destination)
        )
    except CheckpointInvalid as exc:
        raise _errors(exc.errors, people_index) from None
    passage = result.passage
    body = _passage(user, passage, _people_of(user, passage))
    body["created"] = result.created
    body["handovers"] = [
        {"id": h.pk, "region_id": h.region_id, "region_name": h.region.name, "status": h.status}
        for h in result.handovers
    ]
    body["decisions"] = list(result.notes)
    body["warnings"] = list(result.warnings) if result.created else body["plate_warnings"]
    return Status(201 if result.created else 200, body)


@router.get(
    "/checkpoints/{int:checkpoint_id}/passages",
    response=Page[PassageOut],
    summary="A day's passages at a checkpoint, newest first (masked, audited)",
)
def passage_list(
    request: HttpRequest, checkpoint_id: PathId, filters: Query[PassageFilter], page: Query[PageParams]
) -> dict[str, object]:
    user = actor(request)
    checkpoint = checkpoint_get_for_user(user=user, checkpoint_id=checkpoint_id)
    day = filters.day or local_today()
    count = passage_count(checkpoint=checkpoint, day=day)
    lines = passages_for_checkpoint(
        user=user, checkpoint=checkpoint, day=day, request=request, limit=page.offset + page.limit
    )[page.offset :]
    return page_out(
        count,
        page,
        [
            _passage(user, line.passage, [_person(user, row, id_, phone) for row, id_, phone in line.people])
            for line in lines
        ],
    )
