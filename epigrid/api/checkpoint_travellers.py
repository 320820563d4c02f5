"""What happens to travellers after the barrier: the handovers a village receives from checkpoints, a
transport hub's observation room (留观室) and its outside-district handover list (外地人员移交清单).

Mounted under the checkpoints router (``epigrid.api.checkpoints``). Service refusals come back as 422
naming each field (``checkpoint_errors``, shared with the checkpoints router); a stay's outcome sent
twice is recorded once (201, then 200 with ``changed`` false). Identifiers are shown as the caller's
role may see them and every read of the room or the list is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Schema, Status
from ninja.errors import ValidationError

from epigrid.api.common import ApiRouter, Page, PageParams, PathId, actor, audit_listing, page_out, require
from epigrid.checkpoints.errors import CheckpointInvalid, FieldError
from epigrid.checkpoints.handovers import handover_close
from epigrid.checkpoints.models import Handover, HubObservation
from epigrid.checkpoints.observation import LONG_STAY, observation_record
from epigrid.checkpoints.outside import outside_handovers, range_error
from epigrid.checkpoints.selectors import (
    RoomStay,
    checkpoint_get_for_user,
    handover_get_for_user,
    handovers_for_user,
    observation_room,
    stay_get_for_user,
)
from epigrid.core.clock import local_today, now
from epigrid.core.models import User

router = ApiRouter(tags=["checkpoints"])

# Service field names that are not the API's.
_API_FIELD = {"region": "region_id", "destination_region": "destination_region_id"}


def checkpoint_errors(errors: list[FieldError], people_index: list[int] | None = None) -> ValidationError:
    """Shape service errors like ninja's own 422: ``loc`` names the body field, or the person (by their
    index in the ``people`` list sent) and their field."""
    out = []
    for error in errors:
        parts = error.field.split(".")
        if parts[0] == "people" and len(parts) == 3 and parts[1].isdigit():
            seq = int(parts[1])  # the service counts the people typed (blank rows left out) from 1
            index = people_index[seq - 1] if people_index and 0 < seq <= len(people_index) else seq - 1
            loc: list[str | int] = ["body", "payload", "people", index, parts[2]]
        elif error.field == "checkpoint":
            loc = ["path", "checkpoint_id"]
        else:
            loc = ["body", "payload", _API_FIELD.get(error.field, error.field or "__all__")]
        out.append({"loc": loc, "msg": str(error.message), "type": "value_error"})
    return ValidationError(out)


# --- handovers -------------------------------------------------------------------------------------


class HandoverOut(Schema):
    id: int
    status: str
    status_label: str
    person_id: int
    name: str
    id_number: str
    phone: str
    region_id: int
    region_name: str
    checkpoint_id: int
    checkpoint_name: str
    checked_at: dt.datetime
    origin: str
    plate: str
    from_outbreak_area: bool
    via_outbreak_area: bool
    created_at: dt.datetime
    received_at: dt.datetime | None
    note: str


class HandoverFilter(Schema):
    status: Handover.Status | Literal[""] = Field(Handover.Status.OPEN, description="empty: all")


class HandoverCloseIn(Schema):
    status: Literal["received", "not_found"]
    note: str = Field("", max_length=200)


def _handover(user: User, handover: Handover) -> dict[str, object]:
    row = handover.passage_person
    passage = row.passage
    id_number, phone = user.caps.identifiers(row.id_number, row.phone)
    return {
        "id": handover.pk,
        "status": handover.status,
        "status_label": str(handover.get_status_display()),
        "person_id": handover.person_id,
        "name": row.name or handover.person.name,
        "id_number": id_number,
        "phone": phone,
        "region_id": handover.region_id,
        "region_name": handover.region.name,
        "checkpoint_id": passage.checkpoint_id,
        "checkpoint_name": passage.checkpoint.name,
        "checked_at": passage.checked_at,
        "origin": passage.origin,
        "plate": passage.plate,
        "from_outbreak_area": passage.from_outbreak_area,
        "via_outbreak_area": passage.via_outbreak_area,
        "created_at": handover.created_at,
        "received_at": handover.received_at,
        "note": handover.note,
    }


@router.get(
    "/handovers",
    response=Page[HandoverOut],
    summary="Travellers handed to the caller's villages and grids by checkpoints (audited)",
)
def handover_list(
    request: HttpRequest, filters: Query[HandoverFilter], page: Query[PageParams]
) -> dict[str, object]:
    user = actor(request)
    status = str(filters.status.value) if isinstance(filters.status, Handover.Status) else ""
    rows = handovers_for_user(user=user, status=status)
    count = rows.count()
    items = list(rows[page.offset : page.offset + page.limit])
    audit_listing(
        user=user,
        request=request,
        object_type="handover",
        ids=[h.pk for h in items],
        filters=["status"] if status else [],
    )
    return page_out(count, page, [_handover(user, h) for h in items])


@router.post(
    "/handovers/{int:handover_id}",
    response=HandoverOut,
    summary="Record what the village did: received or not found (a second call changes nothing)",
)
def handover_update(request: HttpRequest, handover_id: PathId, payload: HandoverCloseIn) -> dict[str, object]:
    user = actor(request)
    handover = handover_get_for_user(user=user, handover_id=handover_id)
    require(user, "can_write")
    try:
        handover_close(actor=user, handover=handover, status=payload.status, note=payload.note)
    except CheckpointInvalid as exc:
        raise checkpoint_errors(exc.errors) from None
    return _handover(user, handover_get_for_user(user=user, handover_id=handover_id))


# --- transport hubs: the observation room ----------------------------------------------------------


class RecheckOut(Schema):
    at: dt.datetime
    temperature: str
    fever: bool
    by: str


class StayOut(Schema):
    id: int
    passage_id: int
    name: str
    id_number: str = Field(description="masked unless the role sees ID numbers in full")
    phone: str
    service_no: str
    origin: str
    from_outbreak_area: bool
    via_outbreak_area: bool
    temperature: str = Field(description="at registration, °C")
    started_at: dt.datetime
    rechecks: list[RecheckOut]
    state: Literal["in_room", "ended"]
    overdue: bool = Field(description="in the room for more than 4 hours (derived now)")
    outcome: str
    outcome_label: str
    clinic_name: str
    note: str
    ended_at: dt.datetime | None


class ObservationRoomOut(Schema):
    checkpoint_id: int
    places: int
    occupied: int
    free: int
    full: bool
    present: list[StayOut]
    ended_today: list[StayOut]


class StayOutcomeIn(Schema):
    outcome: HubObservation.Outcome | Literal[""] = Field(
        "", description="empty: only record the re-check temperature"
    )
    temperature: str | float | None = Field(None, description="the re-check, °C")
    clinic_name: str = Field("", max_length=100, description="with outcome clinic")
    note: str = Field("", max_length=200, description="required with outcome other")


class OutcomeOut(StayOut):
    changed: bool = Field(description="false: the same outcome or re-check had been recorded already")
    handover_id: int | None = Field(description="the handover to a district village made on release")


def _stay(shown: RoomStay) -> dict[str, object]:
    stay = shown.stay
    row = stay.passage_person
    passage = row.passage
    return {
        "id": stay.pk,
        "passage_id": passage.pk,
        "name": row.name,
        "id_number": shown.id_number,
        "phone": shown.phone,
        "service_no": passage.service_no,
        "origin": passage.origin,
        "from_outbreak_area": passage.from_outbreak_area,
        "via_outbreak_area": passage.via_outbreak_area,
        "temperature": "" if row.temperature is None else str(row.temperature),
        "started_at": stay.started_at,
        "rechecks": stay.rechecks,
        "state": "in_room" if stay.is_open else "ended",
        "overdue": shown.overdue,
        "outcome": stay.outcome,
        "outcome_label": str(stay.get_outcome_display()) if stay.outcome else "",
        "clinic_name": stay.clinic_name,
        "note": stay.note,
        "ended_at": stay.ended_at,
    }


@router.get(
    "/checkpoints/{int:checkpoint_id}/observation-room",
    response=ObservationRoomOut,
    summary="A transport hub's observation room: who is in it now, places free, stays ended today (audited)",
)
def room_detail(request: HttpRequest, checkpoint_id: PathId) -> dict[str, object]:
    user = actor(request)
    checkpoint = checkpoint_get_for_user(user=user, checkpoint_id=checkpoint_id)
    if not checkpoint.has_observation_room:
        raise Http404
    room = observation_room(user=user, checkpoint=checkpoint, day=local_today(), request=request)
    return {
        "checkpoint_id": checkpoint.pk,
        "places": room.places,
        "occupied": len(room.present),
        "free": room.free,
        "full": room.full,
        "present": [_stay(s) for s in room.present],
        "ended_today": [_stay(s) for s in room.ended],
    }


@router.post(
    "/checkpoints/{int:checkpoint_id}/observation-room/{int:stay_id}/outcome",
    response={200: OutcomeOut, 201: OutcomeOut},
    summary="Record a re-check or end a stay in the observation room; 201 recorded, 200 already recorded",
)
def room_outcome(
    request: HttpRequest, checkpoint_id: PathId, stay_id: PathId, payload: StayOutcomeIn
) -> Status[dict[str, object]]:
    user = actor(request)
    stay = stay_get_for_user(user=user, checkpoint_id=checkpoint_id, stay_id=stay_id)  # 404 before 403
    require(user, "can_write")
    outcome = str(payload.outcome.value) if isinstance(payload.outcome, HubObservation.Outcome) else ""
    try:
        result = observation_record(
            actor=user,
            stay=stay,
            outcome=outcome,
            temperature="" if payload.temperature is None else str(payload.temperature),
            clinic_name=payload.clinic_name,
            note=payload.note,
        )
    except CheckpointInvalid as exc:
        raise checkpoint_errors(exc.errors) from None
    saved = stay_get_for_user(user=user, checkpoint_id=checkpoint_id, stay_id=stay_id)
    row = saved.passage_person
    shown = RoomStay(
        saved,
        *user.caps.identifiers(row.id_number, row.phone),
        saved.is_open and now() - saved.started_at > LONG_STAY,
    )
    body = _stay(shown)
    body["changed"] = result.changed
    body["handover_id"] = result.handover.pk if result.handover is not None else None
    return Status(201 if result.changed else 200, body)


# --- transport hubs: the outside-district handover list --------------------------------------------


class OutsideRowOut(Schema):
    seq: int
    name: str
    sex: str
    id_number: str = Field(description="masked unless the role sees ID numbers in full")
    phone: str
    service_no: str
    origin: str
    destination: str
    from_key_area: bool
    temperature: str
    disposition: str
    checked_at: dt.datetime


class OutsideGroupOut(Schema):
    destination: str
    count: int
    rows: list[OutsideRowOut]


class OutsideListOut(Schema):
    checkpoint_id: int
    unit: str
    start: dt.date
    end: dt.date
    count: int
    groups: list[OutsideGroupOut]


class OutsideFilter(Schema):
    day: dt.date | None = Field(None, description="local day (default: today)")
    start: dt.date | None = Field(None, description="instead of day: first day of a range (at most 31 days)")
    end: dt.date | None = Field(None, description="last day of the range")


@router.get(
    "/checkpoints/{int:checkpoint_id}/outside-handovers",
    response=OutsideListOut,
    summary="A transport hub's travellers for destinations outside the district, grouped (masked, audited)",
)
def outside_list(
    request: HttpRequest, checkpoint_id: PathId, filters: Query[OutsideFilter]
) -> dict[str, object]:
    user = actor(request)
    checkpoint = checkpoint_get_for_user(user=user, checkpoint_id=checkpoint_id)
    if not checkpoint.is_hub:
        raise Http404
    if filters.start or filters.end:
        start = filters.start or filters.end or local_today()
        end = filters.end or start
    else:
        start = end = filters.day or local_today()
    error = range_error(start, end)
    if error:
        raise ValidationError([{"loc": ["query", "end"], "msg": error, "type": "value_error"}])
    listing = outside_handovers(user=user, checkpoint=checkpoint, start=start, end=end, request=request)
    seq = 0
    groups = []
    for group in listing.groups:
        rows = []
        for r in group.rows:
            seq += 1
            rows.append(
                {
                    "seq": seq, "name": r.name, "sex": r.sex, "id_number": r.id_number, "phone": r.phone,
                    "service_no": r.service_no, "origin": r.origin, "destination": r.destination,
                    "from_key_area": r.key_area == "是", "temperature": r.temperature,
                    "disposition": r.disposition, "checked_at": r.checked_at,
                }
            )  # fmt: skip
        groups.append({"destination": group.destination, "count": len(rows), "rows": rows})
    return {
        "checkpoint_id": checkpoint.pk,
        "unit": listing.unit,
        "start": start,
        "end": end,
        "count": listing.count,
        "groups": groups,
    }
