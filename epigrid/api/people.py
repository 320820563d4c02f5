"""Persons: a scoped, masked, audited list with filters, and one person's record with travel history.

Merged duplicates (``Person.merged_into`` set) are left out of lists; opening one answers the record
with ``merged_into_id``, the surviving record to read instead.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Schema

from epigrid.api.common import ApiRouter, Page, PageParams, PathId, actor, audit_listing, paginate
from epigrid.core.models import User
from epigrid.lib.idcard import clean_input, parse_id
from epigrid.lib.phone import normalize_phone
from epigrid.people.models import Person
from epigrid.people.selectors import people_in_scope, person_get_for_user
from epigrid.regions.models import LEVEL_FIELD, Level, Region
from epigrid.regions.selectors import region_get_for_user

router = ApiRouter(tags=["persons"])


class PersonOut(Schema):
    id: int
    name: str
    sex: str
    birth_date: dt.date | None
    doc_type: str
    id_number: str = Field(description="masked unless the caller's role sees ID numbers in full")
    phone: str = Field(description="masked unless the caller's role sees phones in full")
    residency: str
    source: str
    relation: str
    household_id: int | None
    district_id: int
    town_id: int | None
    village_id: int | None
    grid_id: int | None
    place_name: str = Field(description="the deepest region known for the person")


class HouseholdOut(Schema):
    id: int
    number: str
    address: str
    head_name: str
    grid_id: int


class TravelOut(Schema):
    id: int
    origin: str
    from_outbreak_area: bool
    via_outbreak_area: bool
    left_on: dt.date | None
    arrived_on: dt.date | None
    transport: str
    transport_no: str
    companions: str


class PersonDetailOut(PersonOut):
    merged_into_id: int | None = Field(description="set on a merged duplicate: the record that stays")
    household: HouseholdOut | None
    travels: list[TravelOut]


class PersonFilter(Schema):
    region_id: int | None = Field(None, description="only people in this region's subtree")
    name: str = Field("", max_length=50, description="name contains")
    id_number: str = Field("", max_length=40, description="exact ID number (normalized, 15 digits upgraded)")
    phone: str = Field("", max_length=30, description="exact phone (normalized)")


def _person(person: Person, user: User) -> dict[str, object]:
    id_number, phone = user.caps.identifiers(person.id_number, person.phone)
    return {
        "id": person.pk,
        "name": person.name,
        "sex": person.sex,
        "birth_date": person.birth_date,
        "doc_type": person.doc_type,
        "id_number": id_number,
        "phone": phone,
        "residency": person.residency,
        "source": person.source,
        "relation": person.relation,
        "household_id": person.household_id,
        "district_id": person.district_id,
        "town_id": person.town_id,
        "village_id": person.village_id,
        "grid_id": person.grid_id,
        "place_name": person.place.name,
    }


def _region_q_column(region: Region) -> str:
    # A 片区 is a drawing aid inside a grid, not a chain column: its grid stands for it (as in scope.py).
    return LEVEL_FIELD[min(region.level, Level.GRID)]


def persons_for_user(*, user: User, filters: PersonFilter) -> tuple[QuerySet[Person], Region | None]:
    """Return the unmerged people in the user's scope matching ``filters``; 404 for a foreign region."""
    people = people_in_scope(user=user)
    region = None
    if filters.region_id is not None:
        region = region_get_for_user(user=user, region_id=filters.region_id)
        region_id = region.pk if region.level <= Level.GRID else region.depth_ids[Level.GRID - 1]
        people = people.filter(**{_region_q_column(region): region_id})
    if name := filters.name.strip():
        people = people.filter(name__contains=name)
    if filters.id_number.strip():
        parsed = parse_id(filters.id_number)
        # Not a valid citizen ID (a passport, a typo): looked up as typed, cleaned of spaces.
        people = people.filter(id_number=parsed.normalized or clean_input(filters.id_number).upper())
    if filters.phone.strip():
        result = normalize_phone(filters.phone)
        people = people.filter(phone=result.normalized or clean_input(filters.phone))
    return people.select_related("grid", "village", "town", "district").order_by("id"), region


@router.get("/persons", response=Page[PersonOut], summary="People in the caller's scope (audited)")
def person_list(
    request: HttpRequest, filters: Query[PersonFilter], page: Query[PageParams]
) -> dict[str, object]:
    user = actor(request)
    people, region = persons_for_user(user=user, filters=filters)
    count, rows = paginate(people, page)
    used = [name for name, value in filters.model_dump().items() if value not in (None, "")]
    audit_listing(
        user=user,
        request=request,
        object_type="person",
        ids=[p.pk for p in rows],
        filters=used,
        region_path=region.path if region else "",
    )
    return {
        "count": count,
        "limit": page.limit,
        "offset": page.offset,
        "items": [_person(p, user) for p in rows],
    }


@router.get("/persons/{int:person_id}", response=PersonDetailOut, summary="One person's record (audited)")
def person_detail(request: HttpRequest, person_id: PathId) -> dict[str, object]:
    user = actor(request)
    person = person_get_for_user(user=user, person_id=person_id, request=request).person
    household = person.household
    return {
        **_person(person, user),
        "merged_into_id": person.merged_into_id,
        "household": None
        if household is None
        else {
            "id": household.pk,
            "number": household.number,
            "address": household.address,
            "head_name": household.head_name,
            "grid_id": household.grid_id,
        },
        "travels": list(person.travels.all()),
    }
