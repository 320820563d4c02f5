"""Door-to-door screenings (a region's visits, one visit, record a visit) and the report counts.

A visit is recorded through ``people.screening.screening_record``, the service the phone form uses:
every problem comes back at once as a 422 naming the entry and the field, and the same
``idempotency_key`` twice records the visit once (201 the first time, 200 after).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Schema, Status
from ninja.errors import ValidationError

from epigrid.api.common import ApiRouter, Page, PageParams, PathId, actor, audit_listing, page_out, require
from epigrid.core.clock import now
from epigrid.core.models import User
from epigrid.lists.counts import returnee_counts
from epigrid.people.models import Measure, Screening, Symptom, TravelRecord
from epigrid.people.screening import (
    EntryInput,
    FieldError,
    NewPerson,
    ScreeningInvalid,
    TravelInput,
    screening_record,
)
from epigrid.people.screening_selectors import screening_get_for_user, screenings_in_region
from epigrid.regions.selectors import household_get_for_user, region_get_for_user

router = ApiRouter(tags=["screenings"])


class TravelIn(Schema):
    origin: str = Field(max_length=100, description="从何地返回")
    from_outbreak_area: bool = False
    via_outbreak_area: bool = False
    left_on: dt.date | None = None
    arrived_on: dt.date | None = None
    transport: TravelRecord.Transport | Literal[""] = ""
    transport_no: str = Field("", max_length=40)
    companions: str = Field("", max_length=200)


class NewPersonIn(Schema):
    name: str = Field(max_length=50)
    sex: Literal["", "M", "F"] = ""
    id_number: str = Field("", max_length=40)
    phone: str = Field("", max_length=30)
    relation: str = Field("", max_length=20)


class ScreeningEntryIn(Schema):
    person_id: int | None = Field(None, description="a registered person (or new_person)")
    new_person: NewPersonIn | None = Field(None, description="someone found at the door, not registered")
    present: bool = True
    whereabouts: str = Field("", max_length=100)
    temperature: Decimal | None = Field(None, max_digits=3, decimal_places=1)
    symptoms: list[Symptom] = []
    travel: TravelIn | None = Field(None, description="set for a returnee")


class ScreeningIn(Schema):
    household_id: int
    visited_at: dt.datetime | None = Field(None, description="default: now")
    entries: list[ScreeningEntryIn] = Field(min_length=1, max_length=50)
    measures: list[Measure] = []
    notes: str = Field("", max_length=500)
    idempotency_key: str = Field("", max_length=64, description="the same key twice records one visit")


class ScreeningEntryOut(Schema):
    person_id: int
    name: str
    present: bool
    whereabouts: str
    temperature: Decimal | None
    symptoms: list[str]
    fever: bool
    returnee: bool
    travel_id: int | None


class ScreeningOut(Schema):
    id: int
    household_id: int
    address: str
    grid_id: int
    visited_at: dt.datetime
    visited_by: str
    measures: list[str]
    notes: str


class ScreeningDetailOut(ScreeningOut):
    entries: list[ScreeningEntryOut]
    created: bool = Field(True, description="false when the idempotency key had already recorded it")


class ScreeningFilter(Schema):
    region_id: int = Field(description="a district, town, village or grid in the caller's scope")
    since: dt.date | None = Field(None, description="first local day")
    until: dt.date | None = Field(None, description="last local day")


def _screening(screening: Screening) -> dict[str, object]:
    return {
        "id": screening.pk,
        "household_id": screening.household_id,
        "address": screening.household.address,
        "grid_id": screening.grid_id,
        "visited_at": screening.visited_at,
        "visited_by": str(screening.visited_by) if screening.visited_by else "",
        "measures": list(screening.measures),
        "notes": screening.notes,
    }


def _detail(screening: Screening, *, created: bool = True) -> dict[str, object]:
    entries = [
        {
            "person_id": e.person_id,
            "name": e.person.name,
            "present": e.present,
            "whereabouts": e.whereabouts,
            "temperature": e.temperature,
            "symptoms": list(e.symptoms),
            "fever": e.fever,
            "returnee": e.returnee,
            "travel_id": e.travel_id,
        }
        for e in screening.entries.all()
    ]
    return {**_screening(screening), "entries": entries, "created": created}


@router.get("/screenings", response=Page[ScreeningOut], summary="A region's visits, newest first (audited)")
def screening_list(
    request: HttpRequest, filters: Query[ScreeningFilter], page: Query[PageParams]
) -> dict[str, object]:
    user = actor(request)
    region = region_get_for_user(user=user, region_id=filters.region_id)
    visits, figures = screenings_in_region(
        user=user, region=region, since=filters.since, until=filters.until, page=1
    )
    queryset = visits.paginator.object_list
    items = list(queryset[page.offset : page.offset + page.limit])
    audit_listing(
        user=user,
        request=request,
        object_type="screening",
        ids=[s.pk for s in items],
        filters=[name for name in ("since", "until") if getattr(filters, name)],
        region_path=region.path,
    )
    return page_out(figures.visits, page, [_screening(s) for s in items])


@router.get("/screenings/{int:screening_id}", response=ScreeningDetailOut, summary="One visit (audited)")
def screening_detail(request: HttpRequest, screening_id: PathId) -> dict[str, object]:
    user = actor(request)
    return _detail(screening_get_for_user(user=user, screening_id=screening_id, request=request))


def _entry(index: int, entry: ScreeningEntryIn) -> EntryInput:
    new = entry.new_person
    travel = entry.travel
    return EntryInput(
        key=str(index),
        person_id=entry.person_id,
        new_person=NewPerson(**new.dict()) if new is not None else None,
        present=entry.present,
        whereabouts=entry.whereabouts,
        temperature=entry.temperature,
        symptoms=[str(s.value) for s in entry.symptoms],
        travel=TravelInput(**{**travel.dict(), "transport": str(travel.transport)}) if travel else None,
    )


def _error(error: FieldError) -> dict[str, object]:
    """Shape a service error like ninja's own 422: ``loc`` names the entry (by index) and the field."""
    entry = ["entries", int(error.row)] if error.row.isdigit() else []
    return {"loc": ["body", "payload", *entry, error.field or "__all__"], "msg": str(error.message),
            "type": "value_error"}  # fmt: skip


@router.post(
    "/screenings",
    response={200: ScreeningDetailOut, 201: ScreeningDetailOut},
    summary="Record a household visit; 201 recorded, 200 the same idempotency key again",
)
def screening_create(request: HttpRequest, payload: ScreeningIn) -> Status[dict[str, object]]:
    user = actor(request)
    require(user, "can_write")
    household = household_get_for_user(user=user, household_id=payload.household_id)
    try:
        result = screening_record(
            actor=user,
            household=household,
            visited_at=payload.visited_at or now(),
            entries=[_entry(i, e) for i, e in enumerate(payload.entries)],
            measures=[str(m.value) for m in payload.measures],
            notes=payload.notes,
            idempotency_key=payload.idempotency_key,
        )
    except ScreeningInvalid as exc:
        raise ValidationError([_error(e) for e in exc.errors]) from None
    screening = screening_get_for_user(user=user, screening_id=result.screening.pk, request=request)
    return Status(201 if result.created else 200, _detail(screening, created=result.created))


# --- report counts ---------------------------------------------------------------------------------


class BatchCountOut(Schema):
    source: str
    number: int
    received_at: dt.datetime
    people: int


class SourceCountOut(Schema):
    source: str
    batches: int
    people: int


class ProvinceCountOut(Schema):
    province: str
    people: int


class ReturneeCountsOut(Schema):
    region_id: int
    as_of: dt.datetime
    batches: list[BatchCountOut]
    sources: list[SourceCountOut]
    listed_people: int = Field(description="distinct people on any list")
    outbreak: int = Field(description="returnees from the outbreak area, transit included")
    outbreak_via: int = Field(description="of which only passed through it")
    families: int = Field(description="their household members who are not returnees themselves")
    sent_down: int = Field(description="outbreak returnees a department list named")
    found_locally: int = Field(description="outbreak returnees found by local screening only")
    other_provinces: int
    by_province: list[ProvinceCountOut]
    unknown_origin: int


class CountsFilter(Schema):
    region_id: int
    as_of: dt.datetime | None = Field(None, description="cut-off (default: now), e.g. 2020-02-03T18:00+08:00")


@router.get(
    "/counts/returnees", response=ReturneeCountsOut, summary="The daily report's counts as of a cut-off"
)
def counts(request: HttpRequest, filters: Query[CountsFilter]) -> dict[str, object]:
    user: User = actor(request)
    region = region_get_for_user(user=user, region_id=filters.region_id)
    as_of = filters.as_of or now()
    if timezone.is_naive(as_of):
        as_of = timezone.make_aware(as_of)
    c = returnee_counts(region=region, as_of=as_of)
    return {
        "region_id": region.pk,
        "as_of": c.as_of,
        "batches": [b.__dict__ for b in c.batches],
        "sources": [s.__dict__ for s in c.sources],
        "listed_people": c.listed_people,
        "outbreak": c.outbreak,
        "outbreak_via": c.outbreak_via,
        "families": c.families,
        "sent_down": c.sent_down,
        "found_locally": c.found_locally,
        "other_provinces": c.other_provinces,
        "by_province": [{"province": name, "people": n} for name, n in c.by_province],
        "unknown_origin": c.unknown_origin,
    }
