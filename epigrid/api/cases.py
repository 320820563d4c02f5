"""Cases: a region's classified people and four categories, a person's classification, measures, contacts.

Writes go through ``epigrid.cases.services`` and ``epigrid.cases.contacts``, the services the pages use;
a refusal (an impossible transition, a self-contact, an exposure in the future …) is a 409 with the
reason in ``detail``. Classifying and registering contacts need ``classify_cases`` (HQ, towns);
recording a measure needs ``can_write``, and the same ``idempotency_key`` twice from one account records
it once (201, then 200 with the first measure; a key used for another person is a 409).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status
from ninja.errors import HttpError

from epigrid.api.common import (
    ApiRouter,
    ErrorOut,
    Page,
    PageParams,
    PathId,
    actor,
    audit_listing,
    body_errors,
    page_out,
    require,
)
from epigrid.cases.contacts import NewContact, contact_register
from epigrid.cases.models import CaseStatus, Classification, ClassificationChange, Contact, Measure
from epigrid.cases.selectors import (
    ContactLine,
    case_panel,
    cases_in_region,
    contact_regions,
    four_category_counts,
    four_category_measured,
    person_for_case_write,
)
from epigrid.cases.services import CaseError, classification_set, measure_record
from epigrid.cases.transitions import label
from epigrid.monitoring.episode_selectors import rooms_for_person_district
from epigrid.monitoring.models import Room
from epigrid.people.models import Person
from epigrid.people.selectors import person_get_for_user
from epigrid.regions.selectors import region_get_for_user

router = ApiRouter(tags=["cases"])


class CaseOut(Schema):
    person_id: int
    name: str
    classification: str
    classification_label: str
    since: dt.datetime
    onset_date: dt.date | None
    reported_on: dt.date | None
    imported: bool
    town_id: int | None
    village_id: int | None
    grid_id: int | None


class CaseFilter(Schema):
    region_id: int = Field(description="a district, town, village or grid in the caller's scope")
    classification: Classification | None = None
    since_from: dt.date | None = Field(None, description="classified on or after this day")
    since_to: dt.date | None = Field(None, description="classified on or before this day")


class RegionParam(Schema):
    region_id: int = Field(description="a district, town, village or grid in the caller's scope")


class CaseCountsOut(Schema):
    region_id: int
    confirmed: int = Field(description="confirmed and clinically diagnosed")
    suspected: int
    fever: int = Field(description="fever that cannot be excluded, hospital and community")
    close_contact: int
    asymptomatic: int = Field(description="reported apart from confirmed")
    total: int = Field(description="the four categories (asymptomatic not included)")
    by_classification: dict[str, int]
    measured: dict[str, int] = Field(description="per category, the people with a measure recorded")


class ChangeOut(Schema):
    from_classification: str
    to_classification: str
    at: dt.datetime
    decided_by: str
    reason: str
    source: str
    note: str


class ClassificationOut(Schema):
    person_id: int
    classification: str = Field(description='"" when never classified')
    classification_label: str
    since: dt.datetime | None
    onset_date: dt.date | None
    reported_on: dt.date | None
    imported: bool
    allowed_next: list[str]
    history: list[ChangeOut] = Field(description="newest first")


class ClassifyIn(Schema):
    to: Classification
    reason: str = Field(max_length=500)
    source: ClassificationChange.Source = ClassificationChange.Source.MANUAL
    onset_date: dt.date | None = None
    at: dt.datetime | None = Field(None, description="when decided (default now)")
    note: str = Field("", max_length=200)


class MeasureOut(Schema):
    id: int
    kind: str
    kind_label: str
    decided_by: str
    decided_at: dt.datetime
    place: str
    note: str
    episode_id: int | None


class MeasureIn(Schema):
    kind: Measure.Kind
    place: str = Field("", max_length=100)
    note: str = Field("", max_length=200)
    decided_at: dt.datetime | None = None
    room_id: int | None = Field(None, description="centralized observation: a room of the district")
    last_exposure: dt.date | None = Field(None, description="observation counted from this day")
    idempotency_key: str = Field("", max_length=64, description="the same key twice records one measure")


class ContactOut(Schema):
    id: int
    case_id: int
    contact_id: int
    other_person_id: int | None = Field(description="null when the other person is outside your scope")
    other_name: str
    other_classification: str
    setting: str
    last_exposure: dt.date
    source: str
    episode_id: int | None


class ContactsOut(Schema):
    named: list[ContactOut] = Field(description="the person's contacts (they are the case)")
    exposures: list[ContactOut] = Field(description="the cases the person was exposed to")


class ContactNewPersonIn(Schema):
    name: str = Field(max_length=50)
    sex: Literal["", "M", "F"] = ""
    id_number: str = Field("", max_length=40)
    phone: str = Field("", max_length=40)
    same_household: bool = Field(False, description="lives in the case's household")
    region_id: int | None = Field(None, description="else the case's town or village they live in")


class ContactIn(Schema):
    contact_id: int | None = Field(None, description="a registered person (or new_person)")
    new_person: ContactNewPersonIn | None = None
    setting: Contact.Setting
    last_exposure: dt.date
    source: str = Field("", max_length=100)


class ContactRegisteredOut(Schema):
    contact: ContactOut
    created: bool = Field(description="false: the pair was on record; the later exposure was kept")
    person_created: bool
    classification: str
    episode_id: int | None
    episode_note: str = Field(description="why no observation was opened or extended")


def _case(s: CaseStatus) -> dict[str, object]:
    return {
        "person_id": s.person_id,
        "name": s.person.name,
        "classification": s.classification,
        "classification_label": label(s.classification),
        "since": s.since,
        "onset_date": s.onset_date,
        "reported_on": s.reported_on,
        "imported": s.imported,
        "town_id": s.town_id,
        "village_id": s.village_id,
        "grid_id": s.grid_id,
    }


def _line(line: ContactLine) -> dict[str, object]:
    row = line.contact
    return {
        "id": row.pk,
        "case_id": row.case_id,
        "contact_id": row.contact_id,
        "other_person_id": line.other.person.pk if line.other else None,
        "other_name": line.other.person.name if line.other else "",
        "other_classification": line.other_classification,
        "setting": row.setting,
        "last_exposure": row.last_exposure,
        "source": row.source,
        "episode_id": row.episode_id,
    }


def _refused(exc: CaseError) -> HttpError:
    return HttpError(409, exc.message)


@router.get("/cases", response=Page[CaseOut], summary="A region's classified people (audited)")
def case_list(request: HttpRequest, filters: Query[CaseFilter], page: Query[PageParams]) -> dict[str, object]:
    user = actor(request)
    region = region_get_for_user(user=user, region_id=filters.region_id)
    rows = cases_in_region(
        user=user,
        region=region,
        classification=filters.classification or "",
        since_from=filters.since_from,
        since_to=filters.since_to,
    )
    items = list(rows[page.offset : page.offset + page.limit])
    audit_listing(
        user=user,
        request=request,
        object_type="case_status",
        ids=[s.person_id for s in items],
        filters=[k for k in ("classification", "since_from", "since_to") if getattr(filters, k)],
        region_path=region.path,
    )
    return page_out(rows.count(), page, [_case(s) for s in items])


@router.get("/cases/counts", response=CaseCountsOut, summary="The four categories of a region subtree")
def case_counts(request: HttpRequest, params: Query[RegionParam]) -> dict[str, object]:
    user = actor(request)
    region = region_get_for_user(user=user, region_id=params.region_id)
    counts = four_category_counts(region)
    return {
        "region_id": region.pk,
        "confirmed": counts.confirmed,
        "suspected": counts.suspected,
        "fever": counts.fever,
        "close_contact": counts.close_contact,
        "asymptomatic": counts.asymptomatic,
        "total": counts.total,
        "by_classification": counts.by_classification,
        "measured": four_category_measured(region),
    }


def _classification(request: HttpRequest, person: Person) -> dict[str, object]:
    panel = case_panel(user=actor(request), person=person, request=request)
    status = panel.status
    return {
        "person_id": person.pk,
        "classification": panel.classification,
        "classification_label": label(panel.classification),
        "since": status.since if status else None,
        "onset_date": status.onset_date if status else None,
        "reported_on": status.reported_on if status else None,
        "imported": status.imported if status else False,
        "allowed_next": panel.next_classifications,
        "history": [
            {
                "from_classification": c.from_classification,
                "to_classification": c.to_classification,
                "at": c.at,
                "decided_by": str(c.decided_by) if c.decided_by else "",
                "reason": c.reason,
                "source": c.source,
                "note": c.note,
            }
            for c in panel.history
        ],
    }


@router.get(
    "/persons/{int:person_id}/classification",
    response=ClassificationOut,
    summary="A person's classification with its history (audited)",
)
def classification_get(request: HttpRequest, person_id: PathId) -> dict[str, object]:
    view = person_get_for_user(user=actor(request), person_id=person_id, request=request)
    return _classification(request, view.person)


@router.post(
    "/persons/{int:person_id}/classification",
    response={200: ClassificationOut, 409: ErrorOut},
    summary="Change a person's classification (allowed transitions only)",
)
def classification_post(request: HttpRequest, person_id: PathId, payload: ClassifyIn) -> dict[str, object]:
    user = actor(request)
    require(user, "classify_cases")
    person = person_for_case_write(user=user, person_id=person_id)
    try:
        classification_set(
            actor=user,
            person=person,
            to=payload.to,
            reason=payload.reason,
            source=payload.source,
            onset_date=payload.onset_date,
            at=payload.at,
            note=payload.note,
        )
    except CaseError as exc:
        raise _refused(exc) from None
    return _classification(request, person)


def _measure(m: Measure) -> dict[str, object]:
    return {
        "id": m.pk,
        "kind": m.kind,
        "kind_label": m.get_kind_display(),
        "decided_by": str(m.decided_by) if m.decided_by else "",
        "decided_at": m.decided_at,
        "place": m.place,
        "note": m.note,
        "episode_id": m.episode_id,
    }


@router.get("/persons/{int:person_id}/measures", response=list[MeasureOut], summary="A person's measures")
def measure_list(request: HttpRequest, person_id: PathId) -> list[dict[str, object]]:
    user = actor(request)
    view = person_get_for_user(user=user, person_id=person_id, request=request)
    return [_measure(m) for m in case_panel(user=user, person=view.person, request=request).measures]


def _room(person: Person, room_id: int | None) -> Room | None:
    if room_id is None:
        return None
    room = next(
        (r for r in rooms_for_person_district(district_id=person.district_id) if r.pk == room_id), None
    )
    if room is None:
        raise HttpError(404, _("未找到"))
    return room


@router.post(
    "/persons/{int:person_id}/measures",
    response={200: MeasureOut, 201: MeasureOut, 409: ErrorOut},
    summary="Record a measure for a person; 201 recorded, 200 the same idempotency key again",
)
def measure_create(request: HttpRequest, person_id: PathId, payload: MeasureIn) -> Status[dict[str, object]]:
    user = actor(request)
    require(user, "can_write")
    person = person_for_case_write(user=user, person_id=person_id)
    try:
        measure = measure_record(
            actor=user,
            person=person,
            kind=payload.kind,
            place=payload.place,
            note=payload.note,
            decided_at=payload.decided_at,
            room=_room(person, payload.room_id),
            last_exposure=payload.last_exposure,
            idempotency_key=payload.idempotency_key,
        )
    except CaseError as exc:
        raise _refused(exc) from None
    return Status(201 if measure.created else 200, _measure(measure))


@router.get(
    "/persons/{int:person_id}/contacts",
    response=ContactsOut,
    summary="The contacts a person named and the cases they were exposed to (audited)",
)
def contact_list(request: HttpRequest, person_id: PathId) -> dict[str, object]:
    user = actor(request)
    view = person_get_for_user(user=user, person_id=person_id, request=request)
    panel = case_panel(user=user, person=view.person, request=request)
    return {"named": [_line(x) for x in panel.named], "exposures": [_line(x) for x in panel.exposures]}


def _contact_input(request: HttpRequest, case: Person, payload: ContactIn) -> Person | NewContact:
    user = actor(request)
    if (payload.contact_id is None) == (payload.new_person is None):
        raise body_errors({"contact_id": _("请只提供 contact_id 或 new_person 其中之一")})
    if payload.contact_id is not None:
        return person_for_case_write(user=user, person_id=payload.contact_id)
    new = payload.new_person
    assert new is not None  # noqa: S101 - checked above; narrows the type for mypy
    region = None
    if new.region_id is not None:
        region = next((r for r in contact_regions(user=user, person=case) if r.pk == new.region_id), None)
        if region is None:
            raise HttpError(404, _("未找到"))
    return NewContact(
        name=new.name,
        sex=new.sex,
        id_number=new.id_number,
        phone=new.phone,
        household=case.household if new.same_household else None,
        region=region,
    )


@router.post(
    "/persons/{int:person_id}/contacts",
    response={201: ContactRegisteredOut, 200: ContactRegisteredOut, 409: ErrorOut},
    summary="Register a contact of a case: 201 when new, 200 when the pair was on record",
)
def contact_create(request: HttpRequest, person_id: PathId, payload: ContactIn) -> Status[dict[str, object]]:
    user = actor(request)
    require(user, "classify_cases")
    case = person_for_case_write(user=user, person_id=person_id)
    contact = _contact_input(request, case, payload)
    try:
        result = contact_register(
            actor=user,
            case=case,
            contact=contact,
            setting=payload.setting,
            last_exposure=payload.last_exposure,
            source=payload.source,
        )
    except CaseError as exc:
        raise _refused(exc) from None
    row = result.contact
    line = ContactLine(
        contact=row,
        other=person_get_for_user(user=user, person_id=row.contact_id, request=request),
        other_classification=result.classification,
    )
    body = {
        "contact": _line(line),
        "created": result.created,
        "person_created": result.person_created,
        "classification": result.classification,
        "episode_id": result.episode.pk if result.episode else None,
        "episode_note": result.episode_note,
    }
    return Status(201 if result.created else 200, body)
