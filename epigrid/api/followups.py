"""Follow-up tasks (随访任务): a unit's tasks with their derived state, giving one out, completing,
cancelling and reassigning it.

Writes go through ``followups.services``, the pages' services: a refusal because the caller may not do
it (a unit outside their scope, not the assignee or a superior) is a 403 with the reason; a wrong field
is a 422 naming it (``loc`` ends with the body field); nothing is written then. The same
``idempotency_key`` twice from the same account gives one task out (201 the first time, 200 after).
``overdue`` is derived when read: open and due time passed.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status
from ninja.errors import HttpError, ValidationError

from epigrid.api.common import ApiRouter, Page, PageParams, PathId, actor, audit_listing, page_out, require
from epigrid.core.clock import now
from epigrid.core.models import User
from epigrid.followups.errors import FieldError, TaskInvalid, TaskRefused
from epigrid.followups.models import Task
from epigrid.followups.selectors import (
    assignees_for,
    state_q,
    task_get_for_user,
    tasks_for_user,
    teams_for,
    unit_column,
    with_state,
)
from epigrid.followups.services import (
    TaskInput,
    err_out_of_scope,
    task_assign,
    task_cancel,
    task_complete,
    task_reassign,
)
from epigrid.monitoring.models import Episode
from epigrid.people.models import Person
from epigrid.regions.models import Household, Region
from epigrid.regions.scope import scope_for
from epigrid.regions.selectors import region_get_for_user

router = ApiRouter(tags=["followups"])

_API_FIELD = {
    "region": "region_id",
    "assignee": "assignee_id",
    "household": "household_id",
    "person": "person_id",
    "episode": "episode_id",
}


def _errors(exc: TaskInvalid) -> Exception:
    """A refusal as a 403 with its reason, field errors as ninja's own 422."""
    if isinstance(exc, TaskRefused):
        return HttpError(403, "；".join(str(e.message) for e in exc.errors))
    out = []
    for error in exc.errors:
        if error.field == "task":
            loc: list[str | int] = ["path", "task_id"]
        else:
            loc = ["body", "payload", _API_FIELD.get(error.field, error.field or "__all__")]
        out.append({"loc": loc, "msg": str(error.message), "type": "value_error"})
    return ValidationError(out)


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment)
    return moment


class TaskOut(Schema):
    id: int
    region_id: int
    region_name: str
    kind: str
    kind_label: str
    title: str
    details: str
    status: str
    status_label: str
    overdue: bool = Field(description="open and its due time passed (derived when read)")
    done_late: bool = Field(description="done after its due time")
    due_at: dt.datetime
    assigned_at: dt.datetime
    assignee_id: int
    assignee_name: str
    team: str
    created_by_id: int
    created_by_name: str
    household_id: int | None
    household_address: str
    person_id: int | None
    person_name: str
    person_phone: str = Field(description="masked unless the role sees phones in full")
    episode_id: int | None
    closed_at: dt.datetime | None
    closed_by_name: str
    outcome: str = Field(description="what was done (done) or why it was cancelled")


class TaskResultOut(TaskOut):
    created: bool = Field(description="false when the idempotency key had already given it out")


def _task(user: User, task: Task, moment: dt.datetime) -> dict[str, object]:
    person = task.person
    return {
        "id": task.pk,
        "region_id": task.region_id,
        "region_name": task.region.name,
        "kind": task.kind,
        "kind_label": str(task.get_kind_display()),
        "title": task.title,
        "details": task.details,
        "status": task.status,
        "status_label": str(task.get_status_display()),
        "overdue": task.status == Task.Status.OPEN and task.due_at < moment,
        "done_late": task.status == Task.Status.DONE
        and task.closed_at is not None
        and task.closed_at > task.due_at,
        "due_at": task.due_at,
        "assigned_at": task.assigned_at,
        "assignee_id": task.assignee_id,
        "assignee_name": str(task.assignee),
        "team": task.team,
        "created_by_id": task.created_by_id,
        "created_by_name": str(task.created_by),
        "household_id": task.household_id,
        "household_address": task.household.address if task.household is not None else "",
        "person_id": task.person_id,
        "person_name": person.name if person is not None else "",
        "person_phone": user.caps.identifiers("", person.phone)[1] if person is not None else "",
        "episode_id": task.episode_id,
        "closed_at": task.closed_at,
        "closed_by_name": str(task.closed_by) if task.closed_by is not None else "",
        "outcome": task.outcome,
    }


class TaskFilter(Schema):
    region_id: int | None = Field(None, description="a unit in the caller's scope (default: all of it)")
    state: Literal["open", "overdue", "done", "cancelled", ""] = Field(
        "", description="open (overdue included), overdue only, done, cancelled; empty: all"
    )
    assignee: str = Field("", description='"me", or a user id')
    due_from: dt.datetime | None = Field(None, description="due at or after")
    due_to: dt.datetime | None = Field(None, description="due before")


@router.get("/followups", response=Page[TaskOut], summary="Follow-up tasks in the caller's scope (audited)")
def task_list(request: HttpRequest, filters: Query[TaskFilter], page: Query[PageParams]) -> dict[str, object]:
    user = actor(request)
    moment = now()
    rows = tasks_for_user(user=user).filter(state_q(filters.state, moment))
    used = []
    if filters.region_id is not None:
        region = region_get_for_user(user=user, region_id=filters.region_id)
        rows = rows.filter(**{unit_column(region): region.pk})
        used.append("region_id")
    if filters.assignee:
        if filters.assignee == "me":
            rows = rows.filter(assignee=user)
        elif filters.assignee.isdigit():
            rows = rows.filter(assignee_id=int(filters.assignee))
        else:
            raise ValidationError(
                [
                    {
                        "loc": ["query", "assignee"],
                        "msg": _("负责人筛选应为 me 或用户编号。"),
                        "type": "value_error",
                    }
                ]
            )
        used.append("assignee")
    if filters.due_from is not None:
        rows = rows.filter(due_at__gte=_aware(filters.due_from))
        used.append("due_from")
    if filters.due_to is not None:
        rows = rows.filter(due_at__lt=_aware(filters.due_to))
        used.append("due_to")
    if filters.state:
        used.append("state")
    if filters.state in ("open", "overdue"):
        order: tuple[str, ...] = ("due_at", "id")
    elif filters.state:
        order = ("-closed_at", "-id")
    else:
        order = ("-assigned_at", "-id")
    rows = with_state(rows, moment).order_by(*order)
    count = rows.count()
    items = list(
        rows.select_related("region", "assignee", "created_by", "closed_by", "household", "person")[
            page.offset : page.offset + page.limit
        ]
    )
    audit_listing(
        user=user, request=request, object_type="followup_task", ids=[t.pk for t in items], filters=used,
        extra={"persons": sorted({t.person_id for t in items if t.person_id})},
    )  # fmt: skip
    return page_out(count, page, [_task(user, t, moment) for t in items])


class AssigneeOut(Schema):
    id: int
    name: str
    role: str
    role_label: str


class AssigneeFilter(Schema):
    region_id: int = Field(description="a town, village or grid in the caller's scope")


@router.get(
    "/followups/assignees",
    response=list[AssigneeOut],
    summary="The staff who may be given a task of a unit (assigned to it or above it)",
)
def assignee_list(request: HttpRequest, filters: Query[AssigneeFilter]) -> list[dict[str, object]]:
    user = actor(request)
    region = region_get_for_user(user=user, region_id=filters.region_id)
    return [
        {"id": u.pk, "name": str(u), "role": u.role, "role_label": str(u.get_role_display())}
        for u in assignees_for(region=region)
    ]


@router.get("/followups/{int:task_id}", response=TaskOut, summary="One follow-up task")
def task_detail(request: HttpRequest, task_id: PathId) -> dict[str, object]:
    user = actor(request)
    task = task_get_for_user(user=user, task_id=task_id)
    audit_listing(user=user, request=request, object_type="followup_task", ids=[task.pk], object_id=task.pk)
    return _task(user, task, now())


class TaskIn(Schema):
    region_id: int = Field(description="the town, village or grid the task belongs to")
    kind: Task.Kind
    title: str = Field(max_length=100)
    details: str = Field("", max_length=500)
    assignee_id: int = Field(description="staff assigned to the unit or above it (GET /followups/assignees)")
    team: str = Field("", max_length=100, description="optional team name, e.g. 李家店村党员突击队")
    volunteer_team_id: int | None = Field(
        None, description="a volunteer team of the unit, above it or inside it (GET /volunteer-teams)"
    )
    due_at: dt.datetime
    household_id: int | None = None
    person_id: int | None = None
    episode_id: int | None = None
    assigned_at: dt.datetime | None = Field(
        None, description="when it was given out; default now, up to 72 h back"
    )
    idempotency_key: str = Field("", max_length=64, description="the same key twice gives one task out")


def _in_scope[Row: (Household, Person, Episode)](user: User, model: type[Row], pk: int | None) -> Row | None:
    if pk is None:
        return None
    return model.objects.filter(scope_for(user).rows_q(), pk=pk).first()


@router.post(
    "/followups",
    response={200: TaskResultOut, 201: TaskResultOut},
    summary="Give a follow-up task out; 201 given, 200 the same idempotency key again",
)
def task_create(request: HttpRequest, payload: TaskIn) -> Status[dict[str, object]]:
    user = actor(request)
    require(user, "can_write")
    region = Region.objects.filter(pk=payload.region_id).first()
    if region is None or not scope_for(user).contains(region):
        # A missing unit and another's alike, so ids cannot be probed.
        raise _errors(TaskRefused([FieldError("region", err_out_of_scope())]))
    errors: list[FieldError] = []
    assignee = User.objects.filter(pk=payload.assignee_id).first()
    household = _in_scope(user, Household, payload.household_id)
    person = _in_scope(user, Person, payload.person_id)
    episode = _in_scope(user, Episode, payload.episode_id)
    for name, wanted, found in (
        ("household", payload.household_id, household),
        ("person", payload.person_id, person),
        ("episode", payload.episode_id, episode),
    ):
        if wanted is not None and found is None:
            errors.append(FieldError(name, _("所选对象不在任务所属单位内。")))
    team = None
    if payload.volunteer_team_id is not None:
        team = next((t for t in teams_for(region=region) if t.pk == payload.volunteer_team_id), None)
        if team is None:
            errors.append(
                FieldError("volunteer_team", _("所选志愿服务队不在任务所属单位，也不在其上级或下级。"))
            )
    if errors:
        raise _errors(TaskInvalid(errors))
    data = TaskInput(
        region=region, kind=str(payload.kind.value), title=payload.title, details=payload.details,
        assignee=assignee, team=payload.team, volunteer_team=team, due_at=_aware(payload.due_at),
        household=household, person=person, episode=episode, assigned_at=_aware(payload.assigned_at),
        idempotency_key=payload.idempotency_key,
    )  # fmt: skip
    try:
        result = task_assign(actor=user, data=data, request=request)
    except TaskInvalid as exc:
        raise _errors(exc) from None
    task = task_get_for_user(user=user, task_id=result.task.pk)
    return Status(201 if result.changed else 200, {**_task(user, task, now()), "created": result.changed})


class CompleteIn(Schema):
    outcome: str = Field("", max_length=500, description="what was done (required)")
    completed_at: dt.datetime | None = Field(None, description="default now; up to 72 h back")


class CancelIn(Schema):
    reason: str = Field("", max_length=500, description="why (required)")


class ReassignIn(Schema):
    assignee_id: int | None = Field(None, description="the new assignee (required)")
    team: str | None = Field(None, max_length=100, description="null: keep the team")
    due_at: dt.datetime | None = Field(None, description="null: keep the due time")


def _act(request: HttpRequest, task_id: int) -> tuple[User, Task]:
    user = actor(request)
    task = task_get_for_user(user=user, task_id=task_id)  # 404 before anything else
    require(user, "can_write")
    return user, task


@router.post(
    "/followups/{int:task_id}/complete",
    response=TaskOut,
    summary="Mark a task done with its outcome (assignee or a superior; again changes nothing)",
)
def task_complete_api(request: HttpRequest, task_id: PathId, payload: CompleteIn) -> dict[str, object]:
    user, task = _act(request, task_id)
    try:
        task_complete(
            actor=user, task=task, outcome=payload.outcome, completed_at=_aware(payload.completed_at),
            request=request,
        )  # fmt: skip
    except TaskInvalid as exc:
        raise _errors(exc) from None
    return _task(user, task_get_for_user(user=user, task_id=task_id), now())


@router.post(
    "/followups/{int:task_id}/cancel",
    response=TaskOut,
    summary="Cancel an open task with the reason (assigner or a superior; again changes nothing)",
)
def task_cancel_api(request: HttpRequest, task_id: PathId, payload: CancelIn) -> dict[str, object]:
    user, task = _act(request, task_id)
    try:
        task_cancel(actor=user, task=task, reason=payload.reason, request=request)
    except TaskInvalid as exc:
        raise _errors(exc) from None
    return _task(user, task_get_for_user(user=user, task_id=task_id), now())


@router.post(
    "/followups/{int:task_id}/reassign",
    response=TaskOut,
    summary="Give an open task to someone else (assigner or a superior)",
)
def task_reassign_api(request: HttpRequest, task_id: PathId, payload: ReassignIn) -> dict[str, object]:
    user, task = _act(request, task_id)
    assignee = (
        User.objects.filter(pk=payload.assignee_id).first() if payload.assignee_id is not None else None
    )
    try:
        task_reassign(
            actor=user, task=task, assignee=assignee, team=payload.team, due_at=_aware(payload.due_at),
            request=request,
        )  # fmt: skip
    except TaskInvalid as exc:
        raise _errors(exc) from None
    return _task(user, task_get_for_user(user=user, task_id=task_id), now())
