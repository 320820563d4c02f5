"""Clues and rumours routed to the police station, and the residents' entries waiting for review.

Writes go through the services the pages use (``clues.services``, ``clues.review``,
``clues.entries``): every problem comes back at once as a 422 naming the field, nothing is written
then; the same ``idempotency_key`` twice from one account reports a clue once (201, then 200), and a
second acceptance or rejection of an entry changes nothing. The residents' form itself is a page
(``/clues/p/<token>/``), not an operation here.

Contacts and phones are shown as the caller's role may see them; the police station of a clue's area
sees its contact in full, to call back.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status
from ninja.errors import HttpError, ValidationError

from epigrid.api.common import (
    ApiRouter,
    Day,
    Page,
    PageParams,
    PathId,
    actor,
    audit_listing,
    page_out,
    require,
)
from epigrid.clues.entries import link_create, link_revoke
from epigrid.clues.errors import ClueInvalid, FieldError
from epigrid.clues.models import Clue, ClueKind, CommunityLink, ResidentEntry
from epigrid.clues.review import entry_accept, entry_match, entry_reject
from epigrid.clues.selectors import (
    COUNT_KEYS,
    LINK_MANAGERS,
    REVIEWERS,
    clue_contact,
    clue_counts,
    clue_get_for_user,
    clue_handled_by,
    clues_for_user,
    entries_for_user,
    entry_get_for_user,
    link_get_for_user,
    links_for_user,
    police_for_regions,
)
from epigrid.clues.services import ClueInput, clue_outcome, clue_report, clue_village_ids
from epigrid.core.clock import local_today
from epigrid.core.models import User
from epigrid.regions.models import Region
from epigrid.regions.scope import scope_for
from epigrid.regions.selectors import region_get_for_user
from epigrid.reports.indicators import report_cutoff

router = ApiRouter(tags=["clues"])

_API_FIELD = {"region": "region_id", "village": "region_id", "person": "person_id"}


def _errors(errors: list[FieldError]) -> ValidationError:
    return ValidationError(
        [
            {
                "loc": ["body", "payload", _API_FIELD.get(e.field, e.field or "__all__")],
                "msg": str(e.message),
                "type": "value_error",
            }
            for e in errors
        ]
    )


def _forbidden() -> HttpError:
    return HttpError(403, _("您的角色无权执行此操作"))


# --- clues -----------------------------------------------------------------------------------------


class ClueIn(Schema):
    kind: ClueKind | Literal[""] = ""
    description: str = Field("", max_length=1000)
    place: str = Field("", max_length=100)
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=30)
    idempotency_key: str = Field("", max_length=64, description="the same key twice reports one clue")


class ClueOut(Schema):
    id: int
    kind: str
    kind_label: str
    region_id: int
    region_name: str
    place: str
    description: str
    contact_name: str = Field(description="in full for the police station and the reporter, else masked")
    contact_phone: str
    source: str
    reporter_unit_id: int | None
    status: str
    status_label: str
    outcome_note: str
    outcome_at: dt.datetime | None
    police: list[str] = Field(description="the police station accounts the clue is routed to")
    handled_by_caller: bool
    created_at: dt.datetime


class ClueFilter(Schema):
    status: Clue.Status | Literal["open", ""] = Field("", description='"open": new or checking')
    kind: ClueKind | Literal[""] = ""


class ClueOutcomeIn(Schema):
    status: Literal["checking", "verified", "false", "handled", ""] = ""
    note: str = Field("", max_length=500)


def _clue(user: User, clue: Clue, police: list[User]) -> dict[str, object]:
    name, phone = clue_contact(user, clue)
    return {
        "id": clue.pk,
        "kind": clue.kind,
        "kind_label": str(clue.get_kind_display()),
        "region_id": clue.region_id,
        "region_name": clue.region.name,
        "place": clue.place,
        "description": clue.description,
        "contact_name": name,
        "contact_phone": phone,
        "source": clue.source,
        "reporter_unit_id": clue.reporter_unit_id,
        "status": clue.status,
        "status_label": str(clue.get_status_display()),
        "outcome_note": clue.outcome_note,
        "outcome_at": clue.outcome_at,
        "police": [str(p) for p in police],
        "handled_by_caller": clue_handled_by(user, clue),
        "created_at": clue.created_at,
    }


@router.get("/clues", response=Page[ClueOut], summary="The clues the caller may read (audited)")
def clue_list(request: HttpRequest, filters: Query[ClueFilter], page: Query[PageParams]) -> dict[str, object]:
    user = actor(request)
    status = filters.status.value if isinstance(filters.status, Clue.Status) else filters.status
    kind = filters.kind.value if isinstance(filters.kind, ClueKind) else ""
    rows = clues_for_user(user=user, status=str(status), kind=kind)
    count = rows.count()
    items = list(rows[page.offset : page.offset + page.limit])
    police = police_for_regions({c.region for c in items})
    audit_listing(user=user, request=request, object_type="clue", ids=[c.pk for c in items], filters=[])
    return page_out(count, page, [_clue(user, c, police.get(c.region_id, [])) for c in items])


@router.get("/clues/{int:clue_id}", response=ClueOut, summary="One clue with its routing and outcome")
def clue_detail(request: HttpRequest, clue_id: PathId) -> dict[str, object]:
    user = actor(request)
    clue = clue_get_for_user(user=user, clue_id=clue_id)
    return _clue(user, clue, police_for_regions([clue.region]).get(clue.region_id, []))


@router.post(
    "/regions/{int:region_id}/clues",
    response={200: ClueOut, 201: ClueOut},
    summary="Report a clue or rumour seen or heard in a region; routed to its police station at once",
)
def clue_create(request: HttpRequest, region_id: PathId, payload: ClueIn) -> Status[dict[str, object]]:
    user = actor(request)
    region = Region.objects.filter(pk=region_id).first()
    if region is None or not (scope_for(user).contains(region) or region.pk in clue_village_ids(user)):
        raise HttpError(404, _("未找到"))
    data = ClueInput(
        kind=str(payload.kind.value) if isinstance(payload.kind, ClueKind) else "",
        region=region, description=payload.description, place=payload.place,
        contact_name=payload.contact_name, contact_phone=payload.contact_phone,
        idempotency_key=payload.idempotency_key,
    )  # fmt: skip
    try:
        result = clue_report(actor=user, data=data)
    except PermissionDenied:
        raise _forbidden() from None
    except ClueInvalid as exc:
        raise _errors(exc.errors) from None
    police = police_for_regions([region]).get(region.pk, [])
    return Status(201 if result.created else 200, _clue(user, result.clue, police))


@router.post(
    "/clues/{int:clue_id}/outcome",
    response=ClueOut,
    summary="The police station records what it found: checking, verified, untrue or dealt with",
)
def clue_update(request: HttpRequest, clue_id: PathId, payload: ClueOutcomeIn) -> dict[str, object]:
    user = actor(request)
    clue = clue_get_for_user(user=user, clue_id=clue_id)
    require(user, "handle_clues")
    try:
        clue = clue_outcome(actor=user, clue=clue, status=payload.status, note=payload.note)
    except PermissionDenied:
        raise _forbidden() from None
    except ClueInvalid as exc:
        raise _errors(exc.errors) from None
    return _clue(user, clue, police_for_regions([clue.region]).get(clue.region_id, []))


class ClueCountsOut(Schema):
    region_id: int
    day: dt.date
    start: dt.datetime
    end: dt.datetime
    received: int
    verified: int
    false: int
    handled: int
    rumours: int
    resident_entries: int


@router.get(
    "/regions/{int:region_id}/clue-counts",
    response=ClueCountsOut,
    summary="Clues received, verified, untrue, dealt with and rumours in a report day (no personal data)",
)
def clue_count(request: HttpRequest, region_id: PathId, day: Day | None = None) -> dict[str, object]:
    user = actor(request)
    region = region_get_for_user(user=user, region_id=region_id)
    day = day or local_today()
    end = report_cutoff(day)
    start = report_cutoff(day - dt.timedelta(days=1))
    counts = clue_counts(region, start, end)
    return {"region_id": region.pk, "day": day, "start": start, "end": end} | {
        key: getattr(counts, key) for key in COUNT_KEYS
    }


# --- residents' entries ----------------------------------------------------------------------------


class EntryCandidateOut(Schema):
    person_id: int
    name: str
    phone: str = Field(description="masked unless the role sees phones in full")
    score: float
    match: bool = Field(description="scored a match by the registry linker (else: review)")


class ResidentEntryOut(Schema):
    id: int
    kind: str
    kind_label: str
    village_id: int
    village_name: str
    status: str
    quarantined: bool = Field(description="beyond the link's hourly flood limit: kept apart for review")
    name: str
    phone: str = Field(description="masked unless the role sees phones in full")
    origin: str
    arrived_on: dt.date | None
    address: str
    temperature: Decimal | None
    clue_kind: str
    description: str
    created_at: dt.datetime
    decided_at: dt.datetime | None
    reject_reason: str
    person_id: int | None = Field(description="the registry person, when the caller's scope covers them")
    person_created: bool
    clue_id: int | None
    candidates: list[EntryCandidateOut] = Field([], description="on one pending entry only")


class ResidentEntryFilter(Schema):
    status: ResidentEntry.Status | Literal[""] = Field(ResidentEntry.Status.PENDING, description="empty: all")


class AcceptIn(Schema):
    person_id: int | None = Field(None, description="one of the entry's candidates")
    new_person: bool = Field(False, description="nobody in the registry: add them unplaced (自排)")


class RejectIn(Schema):
    reason: str = Field("", max_length=200)


def _entry(user: User, entry: ResidentEntry, *, candidates: bool = False) -> dict[str, object]:
    caps = user.caps
    person_id = entry.person_id if entry.person is not None and scope_for(user).covers(entry.person) else None
    out: dict[str, object] = {
        "id": entry.pk,
        "kind": entry.kind,
        "kind_label": str(entry.get_kind_display()),
        "village_id": entry.village_id,
        "village_name": entry.village.name,
        "status": entry.status,
        "quarantined": entry.quarantined,
        "name": entry.name,
        "phone": caps.identifiers("", entry.phone)[1],
        "origin": entry.origin,
        "arrived_on": entry.arrived_on,
        "address": entry.address,
        "temperature": entry.temperature,
        "clue_kind": entry.clue_kind,
        "description": entry.description,
        "created_at": entry.created_at,
        "decided_at": entry.decided_at,
        "reject_reason": entry.reject_reason,
        "person_id": person_id,
        "person_created": entry.person_created,
        "clue_id": entry.clue_id,
        "candidates": [],
    }
    if candidates and entry.status == ResidentEntry.Status.PENDING:
        out["candidates"] = [
            {
                "person_id": c.person.pk,
                "name": c.person.name,
                "phone": caps.identifiers("", c.person.phone)[1],
                "score": round(c.comparison.total, 2),
                "match": c.match,
            }
            for c in entry_match(entry).visible_to(user)
        ]
    return out


def _reviewer(user: User) -> None:
    if user.role not in REVIEWERS:
        raise _forbidden()


@router.get(
    "/clues/entries",
    response=Page[ResidentEntryOut],
    summary="Residents' entries of the caller's communities, quarantined ones last (audited)",
)
def entry_list(
    request: HttpRequest, filters: Query[ResidentEntryFilter], page: Query[PageParams]
) -> dict[str, object]:
    user = actor(request)
    status = str(filters.status.value) if isinstance(filters.status, ResidentEntry.Status) else ""
    rows = entries_for_user(user=user, status=status)
    count = rows.count()
    items = list(rows[page.offset : page.offset + page.limit])
    audit_listing(
        user=user, request=request, object_type="resident_entry", ids=[e.pk for e in items],
        filters=["status"] if status else [],
    )  # fmt: skip
    return page_out(count, page, [_entry(user, e) for e in items])


@router.get(
    "/clues/entries/{int:entry_id}",
    response=ResidentEntryOut,
    summary="One resident's entry with the registry people it may be (candidates)",
)
def entry_detail(request: HttpRequest, entry_id: PathId) -> dict[str, object]:
    user = actor(request)
    return _entry(user, entry_get_for_user(user=user, entry_id=entry_id), candidates=True)


@router.post(
    "/clues/entries/{int:entry_id}/accept",
    response=ResidentEntryOut,
    summary="Accept: a returnee or fever enters the registry (matched or added unplaced); a clue is routed",
)
def entry_accept_op(request: HttpRequest, entry_id: PathId, payload: AcceptIn) -> dict[str, object]:
    user = actor(request)
    entry = entry_get_for_user(user=user, entry_id=entry_id)
    _reviewer(user)
    require(user, "can_write")
    person = None
    if payload.person_id is not None:
        offered = {c.person.pk: c.person for c in entry_match(entry).visible_to(user)}
        person = offered.get(payload.person_id)
        if person is None:
            raise _errors([FieldError("person", _("请从列出的疑似人员中选择。"))])
    try:
        entry = entry_accept(actor=user, entry=entry, person=person, new_person=payload.new_person).entry
    except PermissionDenied:
        raise _forbidden() from None
    except ClueInvalid as exc:
        raise _errors(exc.errors) from None
    return _entry(user, entry_get_for_user(user=user, entry_id=entry.pk))


@router.post(
    "/clues/entries/{int:entry_id}/reject",
    response=ResidentEntryOut,
    summary="Reject with a reason (a second call changes nothing)",
)
def entry_reject_op(request: HttpRequest, entry_id: PathId, payload: RejectIn) -> dict[str, object]:
    user = actor(request)
    entry = entry_get_for_user(user=user, entry_id=entry_id)
    _reviewer(user)
    require(user, "can_write")
    try:
        entry_reject(actor=user, entry=entry, reason=payload.reason)
    except PermissionDenied:
        raise _forbidden() from None
    except ClueInvalid as exc:
        raise _errors(exc.errors) from None
    return _entry(user, entry_get_for_user(user=user, entry_id=entry.pk))


# --- community links -------------------------------------------------------------------------------


class CommunityLinkIn(Schema):
    label: str = Field("", max_length=100, description="where the poster hangs, e.g. 村委会公告栏")


class LinkOut(Schema):
    id: int
    village_id: int
    village_name: str
    label: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class LinkCreatedOut(LinkOut):
    url: str = Field(description="shown this once: only its hash is stored")


def _link(link: CommunityLink) -> dict[str, object]:
    return {
        "id": link.pk,
        "village_id": link.village_id,
        "village_name": link.village.name,
        "label": link.label,
        "created_at": link.created_at,
        "last_used_at": link.last_used_at,
        "revoked_at": link.revoked_at,
    }


@router.get("/clues/links", response=Page[LinkOut], summary="The community pages the caller manages")
def link_list(request: HttpRequest, page: Query[PageParams]) -> dict[str, object]:
    user = actor(request)
    rows = links_for_user(user=user)
    count = rows.count()
    items = list(rows[page.offset : page.offset + page.limit])
    return page_out(count, page, [_link(k) for k in items])


@router.post(
    "/regions/{int:region_id}/community-links",
    response={201: LinkCreatedOut},
    summary="Put up a village's public report page; its URL is returned this once (for the QR poster)",
)
def link_create_op(
    request: HttpRequest, region_id: PathId, payload: CommunityLinkIn
) -> Status[dict[str, object]]:
    user = actor(request)
    village = region_get_for_user(user=user, region_id=region_id)
    if user.role not in LINK_MANAGERS:
        raise _forbidden()
    try:
        link, token = link_create(actor=user, village=village, label=payload.label)
    except PermissionDenied:
        raise _forbidden() from None
    except ClueInvalid as exc:
        raise _errors(exc.errors) from None
    url = request.build_absolute_uri(reverse("clues:community", args=[token]))
    return Status(201, _link(link) | {"url": url})


@router.post(
    "/clues/links/{int:link_id}/revoke",
    response=LinkOut,
    summary="Take a community page down for good (its entries stay for review)",
)
def link_revoke_op(request: HttpRequest, link_id: PathId) -> dict[str, object]:
    user = actor(request)
    link = link_get_for_user(user=user, link_id=link_id)
    try:
        link = link_revoke(actor=user, link=link)
    except PermissionDenied:
        raise _forbidden() from None
    return _link(link)
