"""Fever-clinic pre-triage (预检分诊): register a visit at a facility, list and open visits.

A visit is posted to its facility (``/triage/facilities/{id}/visits``, as a passage is posted to its
checkpoint): the same service as the page (``triage.services.fever_visit_record``), so every problem
comes back at once as a 422 naming the field and nothing is written then; a patient who may be one of
several registered people comes back as a 422 on ``person_id`` listing the candidates, and the client
posts again with ``person_id`` or ``new_person``. The same ``idempotency_key`` twice from one account
records one visit (201, then 200). Without ``record_triage`` the answer is 403.

Lists and the detail are scoped like the pages (the patient's area, or recorded by the caller), masked
for the caller's role and audited.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status
from ninja.errors import HttpError, ValidationError

from epigrid.api.common import ApiRouter, Page, PageParams, PathId, actor, audit_listing, page_out
from epigrid.core.models import User
from epigrid.people.models import Person
from epigrid.people.selectors import present
from epigrid.regions.models import Level, Region
from epigrid.regions.scope import scope_for
from epigrid.regions.selectors import region_get_for_user
from epigrid.triage.errors import FieldError, TriageInvalid
from epigrid.triage.selectors import (
    VisitLine,
    facility_get_for_triage,
    visit_get_for_user,
    visit_lines,
    visits_for_user,
)
from epigrid.triage.services import VisitInput, fever_visit_record

router = ApiRouter(tags=["triage"])

_API_FIELD = {"region": "region_id", "person": "person_id"}


class VisitIn(Schema):
    temperature: Decimal | None = Field(None, description="axillary °C, 34.0–43.0, one decimal place")
    disposition: str = Field(
        "", description="excluded, fever_unexcluded, suspected, admitted, home_observation"
    )
    doctor: str = Field("", max_length=60, description="首诊医生")
    symptoms: list[str] = Field(default_factory=list, max_length=20)
    from_outbreak_area: bool = False
    via_outbreak_area: bool = False
    case_contact: bool = False
    cluster: bool = False
    person_id: int | None = Field(None, description="a registered person (a candidate of an earlier 422)")
    new_person: bool = Field(False, description="the patient is none of the candidates: register them")
    name: str = Field("", max_length=60)
    id_number: str = Field("", max_length=40)
    phone: str = Field("", max_length=30)
    region_id: int | None = Field(
        None, description="where a new patient lives: town or village (default district)"
    )
    visited_at: dt.datetime | None = Field(None, description="default now; at most 7 days back")
    note: str = Field("", max_length=250)
    idempotency_key: str = Field("", max_length=64, description="the same key twice records one visit")


class VisitOut(Schema):
    id: int
    facility_id: int
    facility_name: str
    person_id: int
    person_name: str
    id_number: str = Field(description="masked unless the caller's role reads it in full")
    phone: str
    person_created: bool
    district_id: int
    town_id: int | None
    village_id: int | None
    grid_id: int | None
    visited_at: dt.datetime
    temperature: Decimal
    fever: bool
    symptoms: list[str]
    from_outbreak_area: bool
    via_outbreak_area: bool
    case_contact: bool
    cluster: bool
    disposition: str
    disposition_label: str
    classification_before: str
    classification_after: str
    status_label: str = Field(description="what the village reads: 社区发热待查, 医院发热待查, 排除 …")
    observation_pending: bool = Field(description="sent home under observation, none open yet")
    doctor: str
    note: str
    created_at: dt.datetime


class VisitFilter(Schema):
    region_id: int | None = Field(None, description="a region of the caller's scope: its subtree's visits")
    day: dt.date | None = Field(None, description="the local day of the visit")
    facility_id: int | None = None


def _out(line: VisitLine) -> dict[str, object]:
    visit = line.visit
    return {
        "id": visit.pk,
        "facility_id": visit.facility_id,
        "facility_name": visit.facility.name,
        "person_id": visit.person_id,
        "person_name": line.person.person.name,
        "id_number": line.person.id_number,
        "phone": line.person.phone,
        "person_created": visit.person_created,
        "district_id": visit.district_id,
        "town_id": visit.town_id,
        "village_id": visit.village_id,
        "grid_id": visit.grid_id,
        "visited_at": visit.visited_at,
        "temperature": visit.temperature,
        "fever": visit.fever,
        "symptoms": visit.symptoms,
        "from_outbreak_area": visit.from_outbreak_area,
        "via_outbreak_area": visit.via_outbreak_area,
        "case_contact": visit.case_contact,
        "cluster": visit.cluster,
        "disposition": visit.disposition,
        "disposition_label": str(visit.get_disposition_display()),
        "classification_before": visit.classification_before,
        "classification_after": visit.classification_after,
        "status_label": line.status,
        "observation_pending": line.observation_pending,
        "doctor": visit.doctor,
        "note": visit.note,
        "created_at": visit.created_at,
    }


def _candidate(user: User, person: Person) -> dict[str, object]:
    view = present(person=person, user=user)
    place = " ".join(r.name for r in (person.town, person.village, person.grid) if r is not None)
    return {"person_id": person.pk, "name": person.name, "id_number": view.id_number, "phone": view.phone,
            "place": place}  # fmt: skip


def _item(error: FieldError) -> dict[str, object]:
    return {
        "loc": ["body", "payload", _API_FIELD.get(error.field, error.field or "__all__")],
        "msg": str(error.message),
        "type": "value_error",
    }


def _errors(exc: TriageInvalid) -> ValidationError:
    return ValidationError([_item(e) for e in exc.errors])


def _choose(user: User, exc: TriageInvalid) -> JsonResponse:
    """The 422 asking to choose among registered people: the ``person_id`` item lists them.

    Answered here rather than through the API's validation handler, which keeps loc, msg and type only.
    """
    items = [_item(e) for e in exc.errors]
    for item, error in zip(items, exc.errors, strict=True):
        if error.field == "person":
            item["candidates"] = [_candidate(user, p) for p in exc.candidates]
    return JsonResponse({"detail": items}, status=422, json_dumps_params={"ensure_ascii": False})


def _region(user: User, region_id: int | None) -> Region | None:
    """A new patient's residence: a town or village of the caller's scope (a 422 names anything else)."""
    if region_id is None:
        return None
    region = Region.objects.filter(pk=region_id).first()
    if region is None or not scope_for(user).contains(region) or region.level > Level.VILLAGE:
        message = _("居住地须为本区的镇/街道或村/社区，且在您的管辖范围内。")
        raise _errors(TriageInvalid([FieldError("region", message)]))
    return region


@router.post(
    "/triage/facilities/{int:facility_id}/visits",
    response={200: VisitOut, 201: VisitOut},
    summary="Register a fever visit (预检分诊) at a facility; the disposition classifies the patient",
)
def visit_create(
    request: HttpRequest, facility_id: PathId, payload: VisitIn
) -> Status[dict[str, object]] | JsonResponse:
    user = actor(request)
    if not user.caps.record_triage:
        raise HttpError(403, _("您的角色无权执行此操作"))
    facility = facility_get_for_triage(user=user, facility_id=facility_id)
    data = VisitInput(
        temperature=payload.temperature, disposition=payload.disposition, doctor=payload.doctor,
        symptoms=payload.symptoms, from_outbreak_area=payload.from_outbreak_area,
        via_outbreak_area=payload.via_outbreak_area, case_contact=payload.case_contact,
        cluster=payload.cluster, person_id=payload.person_id, new_person=payload.new_person,
        name=payload.name, id_number=payload.id_number, phone=payload.phone,
        region=_region(user, payload.region_id), visited_at=payload.visited_at, note=payload.note,
        idempotency_key=payload.idempotency_key,
    )  # fmt: skip
    try:
        result = fever_visit_record(actor=user, facility=facility, data=data)
    except PermissionDenied:
        raise HttpError(403, _("您的角色无权执行此操作")) from None
    except TriageInvalid as exc:
        if exc.candidates:
            return _choose(user, exc)
        raise _errors(exc) from None
    line = visit_lines(user=user, visits=[result.visit], log=False)[0]
    return Status(201 if result.created else 200, _out(line))


@router.get(
    "/triage/visits", response=Page[VisitOut], summary="The fever visits the caller may read (audited)"
)
def visit_list(
    request: HttpRequest, filters: Query[VisitFilter], page: Query[PageParams]
) -> dict[str, object]:
    user = actor(request)
    region = region_get_for_user(user=user, region_id=filters.region_id) if filters.region_id else None
    facility = None
    if filters.facility_id is not None:
        facility = facility_get_for_triage(user=user, facility_id=filters.facility_id)
    rows = visits_for_user(user=user, region=region, day=filters.day, facility=facility)
    count = rows.count()
    visits = list(rows[page.offset : page.offset + page.limit])
    lines = visit_lines(user=user, visits=visits, log=False)
    used = [name for name in ("region_id", "day", "facility_id") if getattr(filters, name) is not None]
    audit_listing(
        user=user, request=request, object_type="fever_visit", ids=[v.pk for v in visits], filters=used
    )
    return page_out(count, page, [_out(x) for x in lines])


@router.get("/triage/visits/{int:visit_id}", response=VisitOut, summary="One fever visit (audited)")
def visit_detail(request: HttpRequest, visit_id: PathId) -> dict[str, object]:
    user = actor(request)
    return _out(visit_get_for_user(user=user, visit_id=visit_id, request=request))
