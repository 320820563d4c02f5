"""The registry: persons (a scoped, masked, audited list with filters; one person's record with travel
history; add a person to a household; change a person's fields) and households (list, one household
with its members, register one in a grid).

Merged duplicates (``Person.merged_into`` set) are left out of lists; opening one answers the record
with ``merged_into_id``, the surviving record to read instead. Writes go through
``people.registry_services`` (every problem at once as a 422 naming the field; the same
``idempotency_key`` twice from one account registers once: 201, then 200) and need ``can_write``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Query, Schema, Status

from epigrid.api.common import (
    ApiRouter,
    Id,
    Page,
    PageParams,
    PathId,
    actor,
    audit_listing,
    body_errors,
    page_out,
    paginate,
    require,
)
from epigrid.core.models import User
from epigrid.lib.idcard import clean_input, parse_id
from epigrid.lib.phone import normalize_phone
from epigrid.people.models import Person
from epigrid.people.registry_services import RegistryInvalid, household_add, person_add, person_update
from epigrid.people.selectors import (
    people_in_household,
    people_in_scope,
    person_get_for_user,
    person_in_scope,
)
from epigrid.regions.models import LEVEL_FIELD, Household, Level, Region
from epigrid.regions.scope import scope_for
from epigrid.regions.selectors import household_get_for_user, region_get_for_user

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
    return page_out(count, page, [_person(p, user) for p in rows])


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


# --- writes to persons -----------------------------------------------------------------------------


class PersonCreateIn(Schema):
    name: str = Field(max_length=50)
    sex: Literal["", "M", "F"] = Field("", description="M or F; may be left out when the ID number gives it")
    birth_date: dt.date | None = Field(None, description="left out: taken from a citizen ID number")
    id_number: str = Field("", max_length=40, description="normalized (15 digits upgraded, lower-case x)")
    phone: str = Field("", max_length=30, description="normalized (spaces, +86)")
    relation: str = Field("", max_length=20, description="与户主关系, e.g. 户主, 配偶, 子女")
    idempotency_key: str = Field("", max_length=64, description="the same key twice registers one person")


class PersonCreatedOut(PersonOut):
    created: bool = Field(description="false when the idempotency key had already registered the person")


class PersonPatch(Schema):
    name: str | None = Field(None, max_length=50)
    sex: Literal["", "M", "F"] | None = None
    birth_date: dt.date | None = None
    id_number: str | None = Field(None, max_length=40, description="empty string: remove it")
    phone: str | None = Field(None, max_length=30, description="empty string: remove it")
    relation: str | None = Field(None, max_length=20)


class PersonChangedOut(PersonOut):
    changed: list[str] = Field(description="the fields that changed (empty: the record already said so)")


def _registry_writer(request: HttpRequest) -> User:
    user = actor(request)
    if not user.caps.read_registry:
        raise PermissionDenied
    require(user, "can_write")
    return user


@router.post(
    "/households/{int:household_id}/persons",
    response={200: PersonCreatedOut, 201: PersonCreatedOut},
    tags=["households"],
    summary="Add a person to a household; 201 registered, 200 the same idempotency key again",
)
def person_create(
    request: HttpRequest, household_id: PathId, payload: PersonCreateIn
) -> Status[dict[str, object]]:
    user = _registry_writer(request)
    household = household_get_for_user(user=user, household_id=household_id)
    try:
        added = person_add(
            actor=user,
            household=household,
            name=payload.name,
            sex=payload.sex,
            birth_date=payload.birth_date,
            id_number=payload.id_number,
            phone=payload.phone,
            relation=payload.relation,
            idempotency_key=payload.idempotency_key,
        )
    except RegistryInvalid as exc:
        raise body_errors(exc.errors) from None
    person = added.record
    if not scope_for(user).covers(person):  # a replayed key of a person moved out of the caller's scope
        raise Http404
    return Status(201 if added.created else 200, {**_person(person, user), "created": added.created})


@router.patch(
    "/persons/{int:person_id}",
    response=PersonChangedOut,
    summary="Change a person's name, sex, birth date, ID number, phone or relation (the fields sent)",
)
def person_change(request: HttpRequest, person_id: PathId, payload: PersonPatch) -> dict[str, object]:
    user = _registry_writer(request)
    person = person_in_scope(user=user, person_id=person_id)
    if person is None:
        raise Http404
    sent = {name: getattr(payload, name) for name in payload.model_fields_set}
    for name in ("name", "sex"):  # null for a required field is a 422, as an empty name is
        if name in sent and sent[name] is None:
            sent[name] = ""
    try:
        changed = person_update(actor=user, person=person, changes=sent)
    except RegistryInvalid as exc:
        raise body_errors(exc.errors) from None
    return {**_person(person, user), "changed": changed}


# --- households ------------------------------------------------------------------------------------


class HouseholdRowOut(HouseholdOut):
    member_count: int
    district_id: int
    town_id: int
    village_id: int
    place_name: str = Field(description="the grid's name")


class MemberOut(Schema):
    id: int
    name: str
    sex: str
    relation: str
    id_number: str = Field(description="masked unless the caller's role sees ID numbers in full")
    phone: str = Field(description="masked unless the caller's role sees phones in full")


class HouseholdDetailOut(HouseholdRowOut):
    members: list[MemberOut]


class HouseholdCreatedOut(HouseholdRowOut):
    created: bool = Field(description="false when the idempotency key had already registered it")


class HouseholdFilter(Schema):
    region_id: Id | None = Field(None, description="only households in this region's subtree")
    number: str = Field("", max_length=40, description="exact 户编号")
    address: str = Field("", max_length=100, description="address or head's name contains")


class HouseholdIn(Schema):
    region_id: Id = Field(description="the grid it belongs to")
    number: str = Field(max_length=40, description="户编号, unique in the grid")
    address: str = Field(max_length=200)
    idempotency_key: str = Field("", max_length=64, description="the same key twice registers one household")


def _household(household: Household) -> dict[str, object]:
    return {
        "id": household.pk,
        "number": household.number,
        "address": household.address,
        "head_name": household.head_name,
        "grid_id": household.grid_id,
        "member_count": household.member_count,
        "district_id": household.district_id,
        "town_id": household.town_id,
        "village_id": household.village_id,
        "place_name": household.grid.name,
    }


@router.get(
    "/households",
    response=Page[HouseholdRowOut],
    tags=["households"],
    summary="Households in the caller's scope, by grid and number (audited)",
)
def household_list(
    request: HttpRequest, filters: Query[HouseholdFilter], page: Query[PageParams]
) -> dict[str, object]:
    user = actor(request)
    if not user.caps.read_registry:
        raise PermissionDenied
    rows = Household.objects.filter(scope_for(user).rows_q())
    region = None
    if filters.region_id is not None:
        region = region_get_for_user(user=user, region_id=filters.region_id)
        region_id = region.pk if region.level <= Level.GRID else region.depth_ids[Level.GRID - 1]
        rows = rows.filter(**{_region_q_column(region): region_id})
    if number := filters.number.strip():
        rows = rows.filter(number=number)
    if text := filters.address.strip():
        rows = rows.filter(Q(address__contains=text) | Q(head_name__contains=text))
    count, households = paginate(rows.select_related("grid").order_by("grid_id", "number", "id"), page)
    audit_listing(
        user=user,
        request=request,
        object_type="household",
        ids=[h.pk for h in households],
        filters=[name for name, value in filters.model_dump().items() if value not in (None, "")],
        region_path=region.path if region else "",
    )
    return page_out(count, page, [_household(h) for h in households])


@router.get(
    "/households/{int:household_id}",
    response=HouseholdDetailOut,
    tags=["households"],
    summary="One household with its members (audited; identifiers masked by role)",
)
def household_detail(request: HttpRequest, household_id: PathId) -> dict[str, object]:
    user = actor(request)
    household = household_get_for_user(user=user, household_id=household_id)
    members = people_in_household(user=user, household=household, request=request)
    return {
        **_household(household),
        "members": [
            {
                "id": m.person.pk,
                "name": m.person.name,
                "sex": m.person.sex,
                "relation": m.person.relation,
                "id_number": m.id_number,
                "phone": m.phone,
            }
            for m in members
        ],
    }


@router.post(
    "/households",
    response={200: HouseholdCreatedOut, 201: HouseholdCreatedOut},
    tags=["households"],
    summary="Register a household in a grid; 201 registered, 200 the same idempotency key again",
)
def household_create(request: HttpRequest, payload: HouseholdIn) -> Status[dict[str, object]]:
    user = _registry_writer(request)
    grid = region_get_for_user(user=user, region_id=payload.region_id)
    try:
        added = household_add(
            actor=user,
            grid=grid,
            number=payload.number,
            address=payload.address,
            idempotency_key=payload.idempotency_key,
        )
    except RegistryInvalid as exc:
        raise body_errors(exc.errors) from None
    household = added.record
    if not scope_for(user).covers(household):
        raise Http404
    return Status(201 if added.created else 200, {**_household(household), "created": added.created})
