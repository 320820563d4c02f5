"""Volunteer teams, their members and the duty roster (值班值守).

Writes go through ``volunteers.services`` and ``volunteers.duties``, the services the pages use: a
refusal is a 422 naming each field, nothing written. New rows are created under the place they belong
to (``POST /regions/{id}/volunteer-teams``, ``/regions/{id}/volunteers``, ``/regions/{id}/duties``,
``/checkpoints/{id}/duties``), so a place outside the caller's scope is a 404 before anything else.

A double booking (the same person on overlapping shifts anywhere) is accepted, never silently: every
shift in an answer carries ``conflict`` and the overlapping shifts (``conflicts``; a shift outside the
caller's scope is given without its place). The same shift sent twice is stored once (201, then 200),
and a member added with an ``idempotency_key`` already used by the account is that member (200).
Phones are masked as the caller's role says; member and duty listings are audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status
from ninja.errors import ValidationError

from epigrid.api.common import ApiRouter, Id, Page, PageParams, PathId, actor, audit_listing, page_out
from epigrid.checkpoints.models import Checkpoint
from epigrid.checkpoints.selectors import checkpoint_get_for_user
from epigrid.core.audit import audit_log
from epigrid.core.clock import local_today
from epigrid.core.models import AuditEvent, User
from epigrid.people.selectors import person_in_scope
from epigrid.regions.models import LEVEL_FIELD, Level, Region
from epigrid.regions.scope import scope_for
from epigrid.regions.selectors import region_get_for_user
from epigrid.volunteers.duties import (
    DutyInput,
    conflicts_for,
    duty_assign,
    duty_phone_for,
    duty_place,
    duty_remove,
)
from epigrid.volunteers.errors import FieldError, VolunteerInvalid
from epigrid.volunteers.models import Duty, Volunteer, VolunteerTeam
from epigrid.volunteers.selectors import (
    duty_get_for_user,
    team_get_for_user,
    teams_for_user,
    volunteer_get_for_user,
    volunteers_for_user,
)
from epigrid.volunteers.services import TeamInput, VolunteerInput, team_save, volunteer_save

router = ApiRouter(tags=["volunteers"])
RANGE_MAX_DAYS = 31


def _errors(errors: list[FieldError], names: dict[str, str]) -> ValidationError:
    """Shape service errors like ninja's own 422, ``loc`` naming the body field."""
    return ValidationError(
        [
            {
                "loc": ["body", "payload", names.get(e.field, e.field)],
                "msg": str(e.message),
                "type": "value_error",
            }
            for e in errors
        ]
    )


def _region_in_scope(user: User, region_id: int | None, field: str) -> Region | None:
    if region_id is None:
        return None
    region = Region.objects.filter(pk=region_id).first()
    if region is None or not scope_for(user).contains(region):
        raise _errors([FieldError(field, _("未找到该区域。"))], {})
    return region


# --- teams ---------------------------------------------------------------------------------------


class TeamIn(Schema):
    name: str = Field("", max_length=100)
    kind: VolunteerTeam.Kind = VolunteerTeam.Kind.SERVICE
    region_id: int | None = Field(None, description="on update: move the team (default: where it is)")
    leader_id: int | None = Field(None, description="a member of this team")
    note: str = Field("", max_length=200)
    active: bool = True


class TeamOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    region_id: int
    region_name: str
    leader_id: int | None
    leader_name: str
    member_count: int = Field(description="active members")
    note: str
    active: bool


class TeamFilter(Schema):
    region_id: int | None = Field(None, description="a region in the caller's scope (default: all of it)")


_TEAM_FIELDS = {"region": "region_id", "leader": "leader_id"}


def _team(team: VolunteerTeam) -> dict[str, object]:
    return {
        "id": team.pk,
        "name": team.name,
        "kind": team.kind,
        "kind_label": str(team.get_kind_display()),
        "region_id": team.region_id,
        "region_name": team.region.name,
        "leader_id": team.leader_id,
        "leader_name": team.leader.name if team.leader is not None else "",
        "member_count": getattr(team, "member_count", 0),
        "note": team.note,
        "active": team.active,
    }


def _team_save(user: User, payload: TeamIn, region: Region, team: VolunteerTeam | None) -> VolunteerTeam:
    leader = None
    if payload.leader_id is not None:
        leader = Volunteer.objects.filter(pk=payload.leader_id, team=team).first() if team else None
        if leader is None:
            raise _errors(
                [FieldError("leader", _("队长须是本队成员（先保存队伍，再添加成员）。"))], _TEAM_FIELDS
            )
    data = TeamInput(
        name=payload.name, kind=str(payload.kind.value), region=region, leader=leader, note=payload.note,
        active=payload.active,
    )  # fmt: skip
    try:
        saved = team_save(actor=user, data=data, team=team)
    except VolunteerInvalid as exc:
        raise _errors(exc.errors, _TEAM_FIELDS) from None
    return team_get_for_user(user=user, team_id=saved.pk)


@router.get("/volunteer-teams", response=Page[TeamOut], summary="Volunteer teams in the caller's scope")
def team_list(request: HttpRequest, filters: Query[TeamFilter], page: Query[PageParams]) -> dict[str, object]:
    user = actor(request)
    region = region_get_for_user(user=user, region_id=filters.region_id) if filters.region_id else None
    rows = teams_for_user(user=user, region=region)
    items = list(rows[page.offset : page.offset + page.limit])
    return page_out(rows.count(), page, [_team(t) for t in items])


@router.get("/volunteer-teams/{int:team_id}", response=TeamOut, summary="One volunteer team")
def team_detail(request: HttpRequest, team_id: PathId) -> dict[str, object]:
    return _team(team_get_for_user(user=actor(request), team_id=team_id))


@router.post(
    "/regions/{int:region_id}/volunteer-teams",
    response={201: TeamOut},
    summary="Set up a team in a town, village or grid (HQ, towns, village leaders)",
)
def team_create(request: HttpRequest, region_id: PathId, payload: TeamIn) -> Status[dict[str, object]]:
    user = actor(request)
    region = region_get_for_user(user=user, region_id=region_id)
    return Status(201, _team(_team_save(user, payload, region, None)))


@router.put("/volunteer-teams/{int:team_id}", response=TeamOut, summary="Change a team (all fields)")
def team_update(request: HttpRequest, team_id: PathId, payload: TeamIn) -> dict[str, object]:
    user = actor(request)
    team = team_get_for_user(user=user, team_id=team_id)
    region = _region_in_scope(user, payload.region_id, "region_id") or team.region
    return _team(_team_save(user, payload, region, team))


# --- members -------------------------------------------------------------------------------------


class VolunteerIn(Schema):
    name: str = Field("", max_length=50)
    phone: str = Field("", max_length=30)
    kind: Volunteer.Kind = Volunteer.Kind.VOLUNTEER
    region_id: int | None = Field(None, description="on update: move the member (default: where they are)")
    team_id: int | None = None
    grid_ids: list[Id] = Field([], max_length=50, description="the grids they serve")
    person_id: int | None = Field(None, description="the registered resident they are, in the caller's scope")
    user_id: int | None = Field(None, description="the staff account they are, working in this district")
    note: str = Field("", max_length=200)
    active: bool = True


class VolunteerCreateIn(VolunteerIn):
    idempotency_key: str = Field("", max_length=64, description="the same key twice adds one member")


class VolunteerOut(Schema):
    id: int
    name: str
    phone: str = Field(description="masked unless the role sees phones in full")
    kind: str
    kind_label: str
    region_id: int
    region_name: str
    team_id: int | None
    team_name: str
    grid_ids: list[int]
    person_id: int | None
    user_id: int | None
    note: str
    active: bool


class VolunteerFilter(Schema):
    region_id: int | None = Field(None, description="a region in the caller's scope (default: all of it)")
    team_id: int | None = None
    kind: Volunteer.Kind | Literal[""] = ""
    active: bool | None = Field(True, description="null: active and inactive")


_MEMBER_FIELDS = {"region": "region_id", "team": "team_id", "grids": "grid_ids", "person": "person_id",
                  "user": "user_id"}  # fmt: skip


def _volunteer(user: User, volunteer: Volunteer) -> dict[str, object]:
    return {
        "id": volunteer.pk,
        "name": volunteer.name,
        "phone": user.caps.identifiers("", volunteer.phone)[1],
        "kind": volunteer.kind,
        "kind_label": str(volunteer.get_kind_display()),
        "region_id": volunteer.region_id,
        "region_name": volunteer.region.name,
        "team_id": volunteer.team_id,
        "team_name": volunteer.team.name if volunteer.team is not None else "",
        "grid_ids": [g.pk for g in volunteer.grids.all()],
        "person_id": volunteer.person_id,
        "user_id": volunteer.user_id,
        "note": volunteer.note,
        "active": volunteer.active,
    }


def _volunteer_save(
    user: User, payload: VolunteerIn, region: Region, volunteer: Volunteer | None, key: str = ""
) -> tuple[Volunteer, bool]:
    """Save through the service; the member as the caller may see them, and whether it was added now."""
    errors: list[FieldError] = []
    team = None
    if payload.team_id is not None:
        team = teams_for_user(user=user).filter(pk=payload.team_id).first()
        if team is None:
            errors.append(FieldError("team", _("未找到该队伍。")))
    grids = list(Region.objects.filter(pk__in=payload.grid_ids, level=Level.GRID))
    if len(grids) != len(set(payload.grid_ids)):
        errors.append(FieldError("grids", _("服务网格须是您辖区内的网格。")))
    person = None
    if payload.person_id is not None:
        person = person_in_scope(user=user, person_id=payload.person_id)
        if person is None:
            errors.append(FieldError("person", _("未找到该登记人员。")))
    staff = None
    if payload.user_id is not None:
        staff = User.objects.filter(pk=payload.user_id).first()
        if staff is None:
            errors.append(FieldError("user", _("该工作人员账号不在本区。")))
    if errors:
        raise _errors(errors, _MEMBER_FIELDS)
    data = VolunteerInput(
        name=payload.name, phone=payload.phone, kind=str(payload.kind.value), region=region, team=team,
        grids=grids, person=person, user=staff, note=payload.note, active=payload.active,
        idempotency_key=key,
    )  # fmt: skip
    try:
        saved = volunteer_save(actor=user, data=data, volunteer=volunteer)
    except VolunteerInvalid as exc:
        raise _errors(exc.errors, _MEMBER_FIELDS) from None
    return volunteer_get_for_user(user=user, volunteer_id=saved.pk), saved.created


@router.get("/volunteers", response=Page[VolunteerOut], summary="Members in the caller's scope (audited)")
def volunteer_list(
    request: HttpRequest, filters: Query[VolunteerFilter], page: Query[PageParams]
) -> dict[str, object]:
    user = actor(request)
    region = region_get_for_user(user=user, region_id=filters.region_id) if filters.region_id else None
    team = team_get_for_user(user=user, team_id=filters.team_id) if filters.team_id else None
    kind = str(filters.kind.value) if isinstance(filters.kind, Volunteer.Kind) else ""
    rows = volunteers_for_user(user=user, region=region, team=team, kind=kind, active=filters.active)
    items = list(rows[page.offset : page.offset + page.limit])
    audit_listing(
        user=user,
        request=request,
        object_type="volunteer",
        ids=[v.pk for v in items],
        filters=[k for k in ("region_id", "team_id", "kind") if getattr(filters, k)],
    )
    return page_out(rows.count(), page, [_volunteer(user, v) for v in items])


@router.get("/volunteers/{int:volunteer_id}", response=VolunteerOut, summary="One member (audited)")
def volunteer_detail(request: HttpRequest, volunteer_id: PathId) -> dict[str, object]:
    user = actor(request)
    volunteer = volunteer_get_for_user(user=user, volunteer_id=volunteer_id)
    audit_log(
        actor=user,
        action=AuditEvent.Action.READ,
        object_type="volunteer",
        object_id=volunteer.pk,
        region_path=volunteer.region.path,
        request=request,
    )
    return _volunteer(user, volunteer)


@router.post(
    "/regions/{int:region_id}/volunteers",
    response={200: VolunteerOut, 201: VolunteerOut},
    summary="Add a member in a town, village or grid (HQ, towns, village leaders); 200 the same key again",
)
def volunteer_create(
    request: HttpRequest, region_id: PathId, payload: VolunteerCreateIn
) -> Status[dict[str, object]]:
    user = actor(request)
    region = region_get_for_user(user=user, region_id=region_id)
    saved, created = _volunteer_save(user, payload, region, None, payload.idempotency_key)
    return Status(201 if created else 200, _volunteer(user, saved))


@router.put("/volunteers/{int:volunteer_id}", response=VolunteerOut, summary="Change a member (all fields)")
def volunteer_update(request: HttpRequest, volunteer_id: PathId, payload: VolunteerIn) -> dict[str, object]:
    user = actor(request)
    volunteer = volunteer_get_for_user(user=user, volunteer_id=volunteer_id)
    region = _region_in_scope(user, payload.region_id, "region_id") or volunteer.region
    return _volunteer(user, _volunteer_save(user, payload, region, volunteer)[0])


# --- duties --------------------------------------------------------------------------------------


class DutyIn(Schema):
    day: dt.date | None = Field(None, description="the day the shift starts")
    starts_at: dt.time | None = Field(None, description="e.g. 08:00")
    ends_at: dt.time | None = Field(None, description="at or before starts_at: the next day (20:00–08:00)")
    staff_id: int | None = Field(None, description="a staff account … ")
    volunteer_id: int | None = Field(None, description="… or a volunteer (exactly one)")
    phone: str = Field("", max_length=30, description="empty: the person's own")
    duty_role: Duty.Role = Duty.Role.OFFICER
    note: str = Field("", max_length=200)


class ConflictOut(Schema):
    duty_id: int | None = Field(description="null when the other shift lies outside the caller's scope")
    place_name: str
    start_at: dt.datetime
    end_at: dt.datetime


class DutyOut(Schema):
    id: int
    place: Literal["unit", "checkpoint"]
    region_id: int | None
    checkpoint_id: int | None
    place_name: str
    day: dt.date
    starts_at: dt.time
    ends_at: dt.time
    start_at: dt.datetime
    end_at: dt.datetime
    staff_id: int | None
    volunteer_id: int | None
    name: str
    phone: str = Field(description="masked unless the role sees phones in full")
    duty_role: str
    duty_role_label: str
    note: str
    conflict: bool = Field(description="the same person is on an overlapping shift elsewhere")
    conflicts: list[ConflictOut]


class DutyResultOut(DutyOut):
    created: bool = Field(description="false when the same shift had been stored before")


class DutyFilter(Schema):
    region_id: int | None = Field(None, description="a region in the caller's scope (default: all of it)")
    start: dt.date | None = Field(None, description="first day (default: today)")
    end: dt.date | None = Field(None, description="last day (default: start; at most 31 days)")


_DUTY_FIELDS = {"person": "volunteer_id", "place": "__all__"}


def _duty(user: User, duty: Duty, others: list[Duty]) -> dict[str, object]:
    scope = scope_for(user)
    conflicts = []
    for other in others:
        seen = scope.contains(duty_place(other))
        conflicts.append(
            {
                "duty_id": other.pk if seen else None,
                "place_name": other.place_name if seen else _("辖区外"),
                "start_at": other.start_at,
                "end_at": other.end_at,
            }
        )
    return {
        "id": duty.pk,
        "place": "checkpoint" if duty.checkpoint_id is not None else "unit",
        "region_id": duty.region_id,
        "checkpoint_id": duty.checkpoint_id,
        "place_name": duty.place_name,
        "day": duty.day,
        "starts_at": duty.starts_at,
        "ends_at": duty.ends_at,
        "start_at": duty.start_at,
        "end_at": duty.end_at,
        "staff_id": duty.staff_id,
        "volunteer_id": duty.volunteer_id,
        "name": duty.who,
        "phone": duty_phone_for(user.caps, duty),
        "duty_role": duty.duty_role,
        "duty_role_label": str(duty.get_duty_role_display()),
        "note": duty.note,
        "conflict": bool(others),
        "conflicts": conflicts,
    }


@router.get(
    "/duties", response=Page[DutyOut], summary="Shifts of a region's units and checkpoints by day (audited)"
)
def duty_list(request: HttpRequest, filters: Query[DutyFilter], page: Query[PageParams]) -> dict[str, object]:
    user = actor(request)
    start = filters.start or local_today()
    end = filters.end or start
    if end < start or (end - start).days >= RANGE_MAX_DAYS:
        raise ValidationError(
            [{"loc": ["query", "end"], "msg": _("结束日期应在开始日期之后31天内。"), "type": "value_error"}]
        )
    rows = Duty.objects.filter(scope_for(user).rows_q(), day__gte=start, day__lte=end)
    if filters.region_id:
        region = region_get_for_user(user=user, region_id=filters.region_id)
        level = min(region.level, Level.GRID)
        rows = rows.filter(Q(**{LEVEL_FIELD[level]: region.depth_ids[level - 1]}))
    rows = rows.select_related("region", "checkpoint__region", "staff", "volunteer").order_by(
        "start_at", "id"
    )
    items = list(rows[page.offset : page.offset + page.limit])
    conflicts = conflicts_for(items)
    audit_listing(
        user=user, request=request, object_type="duty", ids=[d.pk for d in items],
        filters=[k for k in ("region_id", "start", "end") if getattr(filters, k)],
    )  # fmt: skip
    return page_out(rows.count(), page, [_duty(user, d, conflicts[d.pk]) for d in items])


def _assign(
    user: User, payload: DutyIn, region: Region | None, checkpoint: Checkpoint | None
) -> Status[dict[str, object]]:
    errors = [
        FieldError(name, _("请填写此项。"))
        for name in ("day", "starts_at", "ends_at")
        if getattr(payload, name) is None
    ]
    staff = volunteer = None
    if payload.staff_id is not None:
        staff = User.objects.filter(pk=payload.staff_id).first()
        if staff is None:
            errors.append(FieldError("staff_id", _("该工作人员不在本区。")))
    if payload.volunteer_id is not None:
        volunteer = volunteers_for_user(user=user, active=None).filter(pk=payload.volunteer_id).first()
        if volunteer is None:
            errors.append(FieldError("volunteer_id", _("未找到该志愿者。")))
    if errors:
        raise _errors(errors, _DUTY_FIELDS)
    assert payload.day and payload.starts_at and payload.ends_at  # noqa: S101 - checked just above
    data = DutyInput(
        day=payload.day, starts_at=payload.starts_at, ends_at=payload.ends_at, region=region,
        checkpoint=checkpoint, staff=staff, volunteer=volunteer, phone=payload.phone,
        duty_role=str(payload.duty_role.value), note=payload.note,
    )  # fmt: skip
    try:
        result = duty_assign(actor=user, data=data)
    except VolunteerInvalid as exc:
        names = {**_DUTY_FIELDS, "person": "staff_id" if payload.staff_id is not None else "volunteer_id"}
        raise _errors(exc.errors, names) from None
    duty = duty_get_for_user(user=user, duty_id=result.duty.pk)
    body = _duty(user, duty, result.conflicts)
    body["created"] = result.created
    return Status(201 if result.created else 200, body)


@router.post(
    "/regions/{int:region_id}/duties",
    response={200: DutyResultOut, 201: DutyResultOut},
    summary="Put someone on duty at a unit; 201 stored, 200 the same shift again; conflicts reported",
)
def duty_create_unit(request: HttpRequest, region_id: PathId, payload: DutyIn) -> Status[dict[str, object]]:
    user = actor(request)
    region = region_get_for_user(user=user, region_id=region_id)
    return _assign(user, payload, region, None)


@router.post(
    "/checkpoints/{int:checkpoint_id}/duties",
    response={200: DutyResultOut, 201: DutyResultOut},
    summary="Put someone on duty at a checkpoint; 201 stored, 200 the same shift again; conflicts reported",
)
def duty_create_checkpoint(
    request: HttpRequest, checkpoint_id: PathId, payload: DutyIn
) -> Status[dict[str, object]]:
    user = actor(request)
    checkpoint = checkpoint_get_for_user(user=user, checkpoint_id=checkpoint_id)
    return _assign(user, payload, None, checkpoint)


@router.delete("/duties/{int:duty_id}", response={204: None}, summary="Take a shift off the roster")
def duty_delete(request: HttpRequest, duty_id: PathId) -> Status[None]:
    user = actor(request)
    duty = duty_get_for_user(user=user, duty_id=duty_id)
    duty_remove(actor=user, duty=duty)
    return Status(204, None)
