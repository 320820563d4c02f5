"""Observation episodes: a region's episodes by state, one episode, start, release, convert, extend.

Writes go through ``epigrid.monitoring.episodes``, the services the pages use; a refusal (already under
observation, period not over, not a sign-off role…) is a 409 with the reason in ``detail``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
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
from epigrid.lists.selectors import row_get_for_user
from epigrid.monitoring.episode_selectors import (
    episode_get_for_user,
    episodes_for_user,
    screening_entry_for_user,
)
from epigrid.monitoring.episodes import (
    EpisodeError,
    episode_convert,
    episode_extend,
    episode_from_list_row,
    episode_from_screening_entry,
    episode_release,
    episode_start,
)
from epigrid.monitoring.models import Episode, Room
from epigrid.monitoring.timeline import person_timeline
from epigrid.people.selectors import person_get_for_user, person_in_scope
from epigrid.regions.selectors import region_get_for_user

router = ApiRouter(tags=["episodes"])


class EpisodeOut(Schema):
    id: int
    person_id: int
    name: str
    kind: str
    basis: str
    basis_note: str
    status: str
    grid_id: int | None
    room: str
    policy_version: int
    observation_days: int
    started_on: dt.date
    last_exposure: dt.date | None
    planned_end: dt.date
    end_reason: str
    ended_at: dt.datetime | None
    ended_by: str
    source_type: str
    source_id: int | None


class EpisodeFilter(Schema):
    region_id: int = Field(description="a district, town, village or grid in the caller's scope")
    status: Literal["open", "due", "released", "converted"] = Field(
        "open", description="due = open with the planned end on or before today"
    )


class EpisodeIn(Schema):
    person_id: int | None = Field(None, description="the person (or screening_entry_id, or list_row_id)")
    screening_entry_id: int | None = Field(
        None, description="a returnee's entry of a visit: arrival = exposure"
    )
    list_row_id: int | None = Field(None, description="a linked list row: the person's outbreak journey")
    kind: Episode.Kind = Episode.Kind.HOME
    basis: Episode.Basis = Field(Episode.Basis.OUTBREAK_RETURN, description="with person_id only")
    last_exposure: dt.date | None = Field(None, description="with person_id: last exposure or arrival")
    basis_note: str = Field("", max_length=200)
    room_id: int | None = Field(None, description="centralized observation: a room of a site of the district")


class ConvertIn(Schema):
    reason: Literal["fever_clinic", "suspected", "transferred", "other"]


class ExtendIn(Schema):
    exposure_date: dt.date


def _out(e: Episode) -> dict[str, object]:
    return {
        "id": e.pk,
        "person_id": e.person_id,
        "name": e.person.name,
        "kind": e.kind,
        "basis": e.basis,
        "basis_note": e.basis_note,
        "status": e.status,
        "grid_id": e.grid_id,
        "room": str(e.room) if e.room else "",
        "policy_version": e.policy.version,
        "observation_days": e.policy.observation_days,
        "started_on": e.started_on,
        "last_exposure": e.last_exposure,
        "planned_end": e.planned_end,
        "end_reason": e.end_reason,
        "ended_at": e.ended_at,
        "ended_by": str(e.ended_by) if e.ended_by else "",
        "source_type": e.source_type,
        "source_id": e.source_id,
    }


@router.get("/episodes", response=Page[EpisodeOut], summary="A region's observation episodes (audited)")
def episode_list(
    request: HttpRequest, filters: Query[EpisodeFilter], page: Query[PageParams]
) -> dict[str, object]:
    user = actor(request)
    region = region_get_for_user(user=user, region_id=filters.region_id)
    episodes = episodes_for_user(user=user, region=region, status=filters.status)
    items = list(episodes[page.offset : page.offset + page.limit])
    audit_listing(
        user=user,
        request=request,
        object_type="episode",
        ids=[e.pk for e in items],
        filters=["status"],
        region_path=region.path,
    )
    return page_out(episodes.count(), page, [_out(e) for e in items])


@router.get("/episodes/{int:episode_id}", response=EpisodeOut, summary="One episode (audited)")
def episode_detail(request: HttpRequest, episode_id: PathId) -> dict[str, object]:
    user = actor(request)
    return _out(episode_get_for_user(user=user, episode_id=episode_id, request=request))


def _room(room_id: int | None) -> Room | None:
    if room_id is None:
        return None
    room = Room.objects.select_related("site").filter(pk=room_id).first()
    if room is None:
        raise HttpError(404, _("未找到"))
    return room


def _refused(exc: EpisodeError) -> HttpError:
    return HttpError(409, exc.message)


@router.post("/episodes", response={201: EpisodeOut, 409: ErrorOut}, summary="Start an observation episode")
def episode_create(request: HttpRequest, payload: EpisodeIn) -> Status[dict[str, object]]:
    user = actor(request)
    require(user, "can_write")
    sources = [payload.person_id, payload.screening_entry_id, payload.list_row_id]
    if sum(value is not None for value in sources) != 1:
        raise body_errors({"person_id": _("请只提供 person_id、screening_entry_id、list_row_id 其中之一")})
    room = _room(payload.room_id)
    try:
        if payload.screening_entry_id is not None:
            entry = screening_entry_for_user(user=user, entry_id=payload.screening_entry_id)
            episode = episode_from_screening_entry(actor=user, entry=entry, kind=payload.kind, room=room)
        elif payload.list_row_id is not None:
            row = row_get_for_user(user=user, row_id=payload.list_row_id)
            if row.person_id is None or person_in_scope(user=user, person_id=row.person_id) is None:
                raise HttpError(404, _("未找到"))
            episode = episode_from_list_row(actor=user, row=row, kind=payload.kind, room=room)
        else:
            person = person_in_scope(user=user, person_id=payload.person_id)
            if person is None:
                raise HttpError(404, _("未找到"))
            episode = episode_start(
                actor=user,
                person=person,
                kind=payload.kind,
                basis=payload.basis,
                last_exposure=payload.last_exposure,
                basis_note=payload.basis_note,
                room=room,
            )
    except EpisodeError as exc:
        raise _refused(exc) from None
    return Status(201, _out(episode_get_for_user(user=user, episode_id=episode.pk, request=request)))


@router.post(
    "/episodes/{int:episode_id}/release",
    response={200: EpisodeOut, 409: ErrorOut},
    summary="Release (sign-off roles)",
)
def episode_release_op(request: HttpRequest, episode_id: PathId) -> dict[str, object]:
    user = actor(request)
    require(user, "can_write")
    episode = episode_get_for_user(user=user, episode_id=episode_id, request=request)
    try:
        episode = episode_release(actor=user, episode=episode)
    except EpisodeError as exc:
        raise _refused(exc) from None
    return _out(episode_get_for_user(user=user, episode_id=episode.pk, request=request))


@router.post(
    "/episodes/{int:episode_id}/convert",
    response={200: EpisodeOut, 409: ErrorOut},
    summary="Close with a reason",
)
def episode_convert_op(request: HttpRequest, episode_id: PathId, payload: ConvertIn) -> dict[str, object]:
    user = actor(request)
    require(user, "can_write")
    episode = episode_get_for_user(user=user, episode_id=episode_id, request=request)
    try:
        episode = episode_convert(actor=user, episode=episode, reason=payload.reason)
    except EpisodeError as exc:
        raise _refused(exc) from None
    return _out(episode_get_for_user(user=user, episode_id=episode.pk, request=request))


@router.post(
    "/episodes/{int:episode_id}/extend", response={200: EpisodeOut, 409: ErrorOut}, summary="A new exposure"
)
def episode_extend_op(request: HttpRequest, episode_id: PathId, payload: ExtendIn) -> dict[str, object]:
    user = actor(request)
    require(user, "can_write")
    episode = episode_get_for_user(user=user, episode_id=episode_id, request=request)
    try:
        episode = episode_extend(actor=user, episode=episode, exposure_date=payload.exposure_date)
    except EpisodeError as exc:
        raise _refused(exc) from None
    return _out(episode_get_for_user(user=user, episode_id=episode.pk, request=request))


class ActorOut(Schema):
    id: int
    name: str
    role: str
    role_label: str
    place: str = Field(description="the regions the member of staff is assigned to")


class TimelineEventOut(Schema):
    at: dt.datetime
    kind: Literal["check", "ack", "episode", "visit", "list_row", "fever_visit"]
    code: str = Field(description="channel (roster, phone, self), action, episode step, presence or decision")
    label: str
    detail: str
    actor: ActorOut | None = Field(description="who recorded it; null for a self-report")
    object_id: int = Field(description="the check, acknowledgement, episode, visit or list row")
    episode_id: int | None
    contact: bool = Field(description="a member of staff reached the person")
    self_report: bool
    replaced: bool = Field(description="a check later corrected by another entry")
    abnormal: bool


class TimelineOut(Schema):
    person_id: int
    name: str
    id_number: str = Field(description="masked unless the caller's role sees ID numbers in full")
    phone: str = Field(description="masked unless the caller's role sees phones in full")
    last_contact: TimelineEventOut | None = Field(description="the last time staff reached the person")
    last_self_report: TimelineEventOut | None
    truncated: bool
    events: list[TimelineEventOut] = Field(description="newest first")


@router.get(
    "/persons/{int:person_id}/timeline",
    response=TimelineOut,
    tags=["persons"],
    summary="One person's contact timeline: checks, visits, lists, alerts, episodes (audited)",
)
def person_timeline_op(request: HttpRequest, person_id: PathId) -> dict[str, object]:
    user = actor(request)
    view = person_get_for_user(user=user, person_id=person_id, request=request)
    timeline = person_timeline(user=user, person=view.person)
    return {
        "person_id": view.person.pk,
        "name": view.person.name,
        "id_number": view.id_number,
        "phone": view.phone,
        "last_contact": asdict(timeline.last_contact) if timeline.last_contact else None,
        "last_self_report": asdict(timeline.last_self_report) if timeline.last_self_report else None,
        "truncated": timeline.truncated,
        "events": [asdict(event) for event in timeline.events],
    }
