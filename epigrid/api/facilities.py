"""Hospitals, fever clinics and observation sites: beds and occupancy, the observation-site table, and
a site's rooms with who is in them.

Writes are HQ's in its own district (``resources.facilities``): a refusal is a 422 naming the field,
and nothing is written. Adding takes an ``idempotency_key``: the same key twice from one account adds
one facility (201, then 200 with it, whatever else the retry sent). A site's occupants are named in
full only when the caller's scope covers the person; the listing is audited with the person ids.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Schema, Status
from ninja.errors import ValidationError

from epigrid.api.common import ApiRouter, PathId, actor, body_errors, require
from epigrid.core.models import User
from epigrid.regions.models import Region
from epigrid.regions.selectors import region_get_for_user
from epigrid.resources.facilities import (
    SITE_KEYS,
    FacilityError,
    FacilityInput,
    SiteRow,
    districts_of,
    facilities_for_user,
    facility_get_for_user,
    facility_occupancy,
    facility_save,
    room_occupants,
    site_get_for_user,
    site_table,
)
from epigrid.resources.models import Facility

router = ApiRouter(tags=["facilities"])


class FacilityOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    address: str
    phone: str = Field(description="masked unless the role sees phones in full")
    beds: int
    occupied: int
    free: int
    occupied_on: dt.datetime | None
    active: bool


class FacilityIn(Schema):
    kind: Facility.Kind
    name: str = Field(max_length=100)
    beds: int = Field(ge=0)
    occupied: int = Field(0, ge=0)
    address: str = Field("", max_length=200)
    phone: str = Field("", max_length=20)
    active: bool = True
    district_id: int | None = Field(None, description="a district in the caller's scope (default: theirs)")
    idempotency_key: str = Field("", max_length=64, description="the same key twice adds one facility")


class OccupancyIn(Schema):
    occupied: int = Field(description="在床人数 now; 0 … beds")


def _facility(user: User, facility: Facility) -> dict[str, object]:
    return {
        "id": facility.pk,
        "kind": facility.kind,
        "kind_label": str(facility.get_kind_display()),
        "name": facility.name,
        "address": facility.address,
        "phone": user.caps.identifiers("", facility.phone)[1],
        "beds": facility.beds,
        "occupied": facility.occupied,
        "free": facility.free,
        "occupied_on": facility.occupied_on,
        "active": facility.active,
    }


def _invalid(exc: FacilityError) -> ValidationError:
    return body_errors({exc.field or "__all__": exc.message})


@router.get(
    "/facilities", response=list[FacilityOut], summary="The hospitals and fever clinics of the district"
)
def facility_list(request: HttpRequest) -> list[dict[str, object]]:
    user = actor(request)
    return [_facility(user, f) for f in facilities_for_user(user=user)]


@router.get("/facilities/{int:facility_id}", response=FacilityOut, summary="One hospital or fever clinic")
def facility_detail(request: HttpRequest, facility_id: PathId) -> dict[str, object]:
    user = actor(request)
    return _facility(user, facility_get_for_user(user=user, facility_id=facility_id))


@router.post(
    "/facilities",
    response={200: FacilityOut, 201: FacilityOut},
    summary="Add a hospital or fever clinic (HQ); 201 added, 200 the same idempotency key again",
)
def facility_create(request: HttpRequest, payload: FacilityIn) -> Status[dict[str, object]]:
    user = actor(request)
    require(user, "can_write")
    if payload.district_id is not None:
        district: Region | None = region_get_for_user(user=user, region_id=payload.district_id)
    else:
        ids = districts_of(user)
        district = Region.objects.filter(pk=ids[0]).first() if ids else None
    data = FacilityInput(
        kind=str(payload.kind.value),
        name=payload.name,
        beds=payload.beds,
        occupied=payload.occupied,
        address=payload.address,
        phone=payload.phone,
        active=payload.active,
        district=district,
        idempotency_key=payload.idempotency_key,
    )
    try:
        facility = facility_save(actor=user, data=data)
    except FacilityError as exc:
        raise _invalid(exc) from None
    return Status(201 if facility.created else 200, _facility(user, facility))


@router.post(
    "/facilities/{int:facility_id}/occupancy",
    response=FacilityOut,
    summary="Record how many are in a facility's beds now (HQ)",
)
def facility_occupancy_set(
    request: HttpRequest, facility_id: PathId, payload: OccupancyIn
) -> dict[str, object]:
    user = actor(request)
    facility = facility_get_for_user(user=user, facility_id=facility_id)
    require(user, "can_write")
    try:
        facility = facility_occupancy(actor=user, facility=facility, occupied=payload.occupied)
    except FacilityError as exc:
        raise _invalid(exc) from None
    return _facility(user, facility)


class SiteFiguresOut(Schema):
    rooms: int = Field(description="房间数")
    capacity: int = Field(description="可住人数 (sum of the rooms' capacity)")
    occupied: int = Field(description="使用人数")
    occupied_outbreak: int = Field(description="其中湖北返回")
    free_rooms: int = Field(description="空余房间 (nobody in them)")
    free_places: int = Field(description="空余床位 (places not taken)")


class SiteRowOut(Schema):
    site_id: int | None
    name: str
    figures: SiteFiguresOut


class SiteTableOut(Schema):
    district_id: int | None
    sites: list[SiteRowOut]
    total: SiteFiguresOut


def _figures(row: SiteRow) -> dict[str, int]:
    return {key: row.values[key] for key in SITE_KEYS}


@router.get("/sites", response=SiteTableOut, summary="The observation-site table of the district (counts)")
def site_list(request: HttpRequest) -> dict[str, object]:
    user = actor(request)
    ids = districts_of(user)
    district = Region.objects.filter(pk=ids[0]).first() if ids else None
    if district is None:
        return {"district_id": None, "sites": [], "total": dict.fromkeys(SITE_KEYS, 0)}
    rows, total = site_table(district)
    return {
        "district_id": district.pk,
        "sites": [
            {"site_id": row.site.pk if row.site else None, "name": row.name, "figures": _figures(row)}
            for row in rows
        ],
        "total": _figures(total),
    }


class OccupantOut(Schema):
    name: str = Field(description="masked unless the caller's scope covers the person")
    person_id: int | None = Field(description="only when the caller's scope covers the person")
    episode_id: int | None
    basis: str
    basis_label: str
    started_on: dt.date
    planned_end: dt.date


class RoomOut(Schema):
    id: int
    number: str
    capacity: int
    free: int
    occupants: list[OccupantOut]


class SiteOut(Schema):
    id: int
    name: str
    address: str
    rooms: list[RoomOut]


@router.get("/sites/{int:site_id}", response=SiteOut, summary="A site's rooms and who is in them (masked)")
def site_detail(request: HttpRequest, site_id: PathId) -> dict[str, object]:
    user = actor(request)
    site = site_get_for_user(user=user, site_id=site_id)
    rooms = room_occupants(user=user, site=site, request=request)
    return {
        "id": site.pk,
        "name": site.name,
        "address": site.address,
        "rooms": [
            {
                "id": view.room.pk,
                "number": view.room.number,
                "capacity": view.room.capacity,
                "free": view.free,
                "occupants": [vars(o) for o in view.occupants],
            }
            for view in rooms
        ],
    }
