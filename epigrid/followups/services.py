"""Writes of the follow-up tasks: assign, complete, cancel, reassign.

Each function checks who acts, validates everything, and writes in one transaction or refuses with
``TaskInvalid`` naming every wrong field (``TaskRefused`` when the actor may not do it at all).

- **Assign**: the assigner (HQ, town, village or grid staff) creates tasks only in a unit of their own
  scope (a town, village or grid); the assignee must be staff whose regions cover that unit; the due
  time may not lie in the past (a few minutes' grace) nor more than 30 days ahead; a household, person
  or observation episode named as the subject must lie in the unit. A task given out earlier (by phone,
  in a WeChat group) may be entered with the time it was given, up to three days back. The same
  idempotency key twice from the same account creates one task.
- **Complete**: by the assignee or a superior (staff assigned above the unit), with the outcome; again
  on a done task changes nothing.
- **Cancel**: by the assigner or a superior, with the reason; again on a cancelled task changes nothing.
- **Reassign**: by the assigner or a superior, to staff who may take it, while it is open.

Overdue is never written: it is derived when a list is read (``selectors``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from epigrid.core.audit import audit_log
from epigrid.core.clock import now
from epigrid.core.models import AuditEvent, User
from epigrid.followups.errors import FieldError, TaskInvalid, TaskRefused
from epigrid.followups.models import Task
from epigrid.followups.rules import UNIT_LEVELS, in_region, is_superior, may_assign, may_take
from epigrid.monitoring.models import Episode
from epigrid.people.models import Person
from epigrid.regions.models import Household, Region
from epigrid.regions.scope import scope_for
from epigrid.regions.services import chain_to
from epigrid.volunteers.models import VolunteerTeam

GRACE = dt.timedelta(minutes=5)  # clocks of phones and servers differ; a form takes time to fill
LATE = dt.timedelta(hours=72)  # a task given out by phone may be entered afterwards, within three days
AHEAD = dt.timedelta(days=30)  # a due time further away is a typing accident (a year, a month)
TITLE_MAX = 100
DETAILS_MAX = 500
TEAM_MAX = 100
OUTCOME_MAX = 500
KEY_MAX = 64


def err_out_of_scope() -> str:
    return _("只能在本人负责的区域内派发任务，所选单位不在您的负责范围内。")


def _err_assignee() -> str:
    return _("负责人须为负责该单位的工作人员（其工作区域应包含该单位）。")


@dataclass(frozen=True)
class TaskInput:
    region: Region | None
    kind: str
    title: str
    assignee: User | None
    due_at: dt.datetime | None
    details: str = ""
    team: str = ""
    volunteer_team: VolunteerTeam | None = None
    household: Household | None = None
    person: Person | None = None
    episode: Episode | None = None
    assigned_at: dt.datetime | None = None  # default: now
    idempotency_key: str = ""


@dataclass(frozen=True)
class TaskResult:
    task: Task
    changed: bool  # False: the same submission was received before (or nothing to change)


def _text(value: str, limit: int, field: str, errors: list[FieldError]) -> str:
    text = value.strip()
    if len(text) > limit:
        errors.append(FieldError(field, _("不能超过%(n)s字。") % {"n": limit}))
    return text


def _check_due(
    due_at: dt.datetime | None, start: dt.datetime, current: dt.datetime, errors: list[FieldError]
) -> None:
    """A due time after the assignment (now, or the time a task given out earlier was given)."""
    if due_at is None:
        errors.append(FieldError("due_at", _("请填写截止时间。")))
    elif due_at < start - GRACE:
        back_dated = start < current - GRACE
        errors.append(
            FieldError(
                "due_at", _("截止时间不能早于派发时间。") if back_dated else _("截止时间不能早于现在。")
            )
        )
    elif due_at > start + AHEAD:
        errors.append(FieldError("due_at", _("截止时间不能晚于派发后30天。")))


def _check_assignee(assignee: User | None, region: Region | None, errors: list[FieldError]) -> None:
    if assignee is None:
        errors.append(FieldError("assignee", _("请选择负责人。")))
    elif region is not None and not may_take(assignee, region):
        errors.append(FieldError("assignee", _err_assignee()))


def _subjects(
    data: TaskInput, region: Region, errors: list[FieldError]
) -> tuple[Household | None, Person | None, Episode | None]:
    """The subjects, each in ``region``; the person of an episode and the household of a person are
    filled in when not given, so the task shows whom to visit and where."""
    episode, person, household = data.episode, data.person, data.household
    if episode is not None:
        if not in_region(episode, region):
            errors.append(FieldError("episode", _("所选医学观察不在任务所属单位内。")))
        elif episode.status != Episode.Status.OPEN:
            errors.append(FieldError("episode", _("所选人员的医学观察已结束。")))
        if person is None:
            person = episode.person
        elif episode.person_id != person.pk:
            errors.append(FieldError("episode", _("医学观察与所选人员不符。")))
    if person is not None:
        if person.merged_into_id is not None or not in_region(person, region):
            errors.append(FieldError("person", _("所选人员不在任务所属单位内。")))
        elif household is None and person.household_id is not None:
            household = person.household
        elif household is not None and person.household_id != household.pk:
            errors.append(FieldError("person", _("所选人员不是所选户的成员。")))
    if household is not None and not in_region(household, region):
        errors.append(FieldError("household", _("所选户不在任务所属单位内。")))
    return household, person, episode


def _validate(
    actor: User, data: TaskInput, current: dt.datetime
) -> tuple[list[FieldError], dict[str, object]]:
    errors: list[FieldError] = []
    region = data.region
    if region is None:
        errors.append(FieldError("region", _("请选择任务所属单位。")))
    elif not scope_for(actor).contains(region):
        raise TaskRefused([FieldError("region", err_out_of_scope())])
    elif region.level not in UNIT_LEVELS:
        errors.append(FieldError("region", _("任务应属于镇/街道、村/社区或网格。")))
        region = None
    if data.kind not in Task.Kind.values:
        errors.append(FieldError("kind", _("请选择任务类型。")))
    title = _text(data.title, TITLE_MAX, "title", errors)
    if not title:
        errors.append(FieldError("title", _("请填写任务内容。")))
    details = _text(data.details, DETAILS_MAX, "details", errors)
    team = _text(data.team, TEAM_MAX, "team", errors)
    volunteer_team = data.volunteer_team
    if volunteer_team is not None:
        if region is not None and not _team_serves(volunteer_team, region):
            errors.append(
                FieldError("volunteer_team", _("所选志愿服务队不在任务所属单位，也不在其上级或下级。"))
            )
        elif not volunteer_team.active:
            errors.append(FieldError("volunteer_team", _("所选志愿服务队已解散。")))
        team = team or volunteer_team.name
    _check_assignee(data.assignee, region, errors)
    start = data.assigned_at or current
    if start > current + GRACE:
        errors.append(FieldError("assigned_at", _("派发时间不能晚于现在。")))
    elif start < current - LATE:
        errors.append(FieldError("assigned_at", _("只能补录三天内派发的任务。")))
    _check_due(data.due_at, start, current, errors)
    household, person, episode = _subjects(data, region, errors) if region is not None else (None, None, None)
    values: dict[str, object] = {
        "title": title, "details": details, "team": team, "assigned_at": start, "household": household,
        "person": person, "episode": episode, "volunteer_team": volunteer_team,
    }  # fmt: skip
    return errors, values


def _team_serves(team: VolunteerTeam, region: Region) -> bool:
    """A team works in its own region's subtree and for the units above it (a village's party team on
    its grids' tasks; a grid's building leaders on their village's)."""
    return team.region.path.startswith(region.path) or region.path.startswith(team.region.path)


def _replay(actor: User, key: str) -> Task | None:
    if not key:
        return None
    return Task.objects.filter(created_by=actor, idempotency_key=key).select_related("region").first()


def task_assign(*, actor: User, data: TaskInput, request: HttpRequest | None = None) -> TaskResult:
    """Create a follow-up task; see the module docstring. Raises ``TaskInvalid`` / ``TaskRefused``."""
    if not may_assign(actor):
        raise PermissionDenied
    key = data.idempotency_key.strip()[:KEY_MAX]
    previous = _replay(actor, key)
    if previous is not None:
        return TaskResult(previous, changed=False)
    errors, values = _validate(actor, data, now())
    region, assignee, due_at = data.region, data.assignee, data.due_at
    if errors or region is None or assignee is None or due_at is None:  # the last three: named in errors
        raise TaskInvalid(errors)
    try:
        with transaction.atomic():
            chain = chain_to(region)
            task = Task.objects.create(
                region=region, kind=data.kind, assignee=assignee, due_at=due_at, created_by=actor,
                idempotency_key=key, district_id=chain["district_id"], town_id=chain.get("town_id"),
                village_id=chain.get("village_id"), grid_id=chain.get("grid_id"),
                **values,
            )  # fmt: skip
            audit_log(
                actor=actor, action=AuditEvent.Action.CREATE, object_type="followup_task", object_id=task.pk,
                region_path=region.path, request=request,
                detail={
                    "kind": task.kind, "assignee": task.assignee_id, "household": task.household_id,
                    "person": task.person_id, "episode": task.episode_id, "due_at": task.due_at.isoformat(),
                },
            )  # fmt: skip
    except IntegrityError:
        previous = _replay(actor, key)  # the same submission, written by another request a moment ago
        if previous is None:
            raise
        return TaskResult(previous, changed=False)
    return TaskResult(task, changed=True)


def _locked(task: Task) -> Task:
    """The task's row, locked for this transaction, with its region (for the rules)."""
    return Task.objects.select_for_update().select_related("region").get(pk=task.pk)


def _closing_time(at: dt.datetime | None, task: Task, current: dt.datetime) -> dt.datetime:
    moment = at or current
    if moment > current + GRACE:
        raise TaskInvalid([FieldError("closed_at", _("完成时间不能晚于现在。"))])
    if moment < max(task.assigned_at, current - LATE):
        raise TaskInvalid(
            [FieldError("closed_at", _("完成时间不能早于派发时间，且只能补录三天内的完成情况。"))]
        )
    return moment


def _audit_update(actor: User, task: Task, request: HttpRequest | None, detail: Mapping[str, object]) -> None:
    audit_log(
        actor=actor, action=AuditEvent.Action.UPDATE, object_type="followup_task", object_id=task.pk,
        region_path=task.region.path, detail=dict(detail), request=request,
    )  # fmt: skip


def task_complete(
    *, actor: User, task: Task, outcome: str, completed_at: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> TaskResult:  # fmt: skip
    """Mark a task done with its outcome, by its assignee or a superior; done again changes nothing."""
    if not actor.caps.can_write:
        raise PermissionDenied
    with transaction.atomic():
        task = _locked(task)
        if task.assignee_id != actor.pk and not is_superior(actor, task.region):
            raise TaskRefused([FieldError("task", _("只有任务负责人或其上级可以完成这项任务。"))])
        if task.status == Task.Status.DONE:
            return TaskResult(task, changed=False)
        if task.status == Task.Status.CANCELLED:
            raise TaskInvalid([FieldError("task", _("任务已取消，不能再标记完成。"))])
        text = outcome.strip()
        if not text:
            raise TaskInvalid([FieldError("outcome", _("请填写完成情况。"))])
        if len(text) > OUTCOME_MAX:
            raise TaskInvalid([FieldError("outcome", _("不能超过%(n)s字。") % {"n": OUTCOME_MAX})])
        task.closed_at = _closing_time(completed_at, task, now())
        task.status = Task.Status.DONE
        task.closed_by = actor
        task.outcome = text
        task.save(update_fields=["status", "closed_at", "closed_by", "outcome", "updated_at"])
        _audit_update(actor, task, request, {"status": task.status, "late": task.closed_at > task.due_at})
    return TaskResult(task, changed=True)


def _manages(actor: User, task: Task) -> bool:
    return may_assign(actor) and (task.created_by_id == actor.pk or is_superior(actor, task.region))


def task_cancel(*, actor: User, task: Task, reason: str, request: HttpRequest | None = None) -> TaskResult:
    """Cancel an open task with the reason, by its assigner or a superior; again changes nothing."""
    if not actor.caps.can_write:
        raise PermissionDenied
    with transaction.atomic():
        task = _locked(task)
        if not _manages(actor, task):
            raise TaskRefused([FieldError("task", _("只有派发人或其上级可以取消这项任务。"))])
        if task.status == Task.Status.CANCELLED:
            return TaskResult(task, changed=False)
        if task.status == Task.Status.DONE:
            raise TaskInvalid([FieldError("task", _("任务已完成，不能取消。"))])
        text = reason.strip()
        if not text:
            raise TaskInvalid([FieldError("reason", _("请填写取消原因。"))])
        if len(text) > OUTCOME_MAX:
            raise TaskInvalid([FieldError("reason", _("不能超过%(n)s字。") % {"n": OUTCOME_MAX})])
        task.status = Task.Status.CANCELLED
        task.closed_at = now()
        task.closed_by = actor
        task.outcome = text
        task.save(update_fields=["status", "closed_at", "closed_by", "outcome", "updated_at"])
        _audit_update(actor, task, request, {"status": task.status})
    return TaskResult(task, changed=True)


def task_reassign(
    *, actor: User, task: Task, assignee: User | None, team: str | None = None,
    due_at: dt.datetime | None = None, request: HttpRequest | None = None,
) -> TaskResult:  # fmt: skip
    """Give an open task to someone else (and, when given, another team or due time), by its assigner
    or a superior. The same assignee, team and due time again changes nothing."""
    if not actor.caps.can_write:
        raise PermissionDenied
    with transaction.atomic():
        task = _locked(task)
        if not _manages(actor, task):
            raise TaskRefused([FieldError("task", _("只有派发人或其上级可以改派这项任务。"))])
        if task.status != Task.Status.OPEN:
            raise TaskInvalid([FieldError("task", _("只能改派未完成的任务。"))])
        errors: list[FieldError] = []
        _check_assignee(assignee, task.region, errors)
        new_team = task.team if team is None else _text(team, TEAM_MAX, "team", errors)
        if due_at is not None and due_at != task.due_at:
            _check_due(due_at, now(), now(), errors)
        if errors or assignee is None:  # a missing assignee is named in errors
            raise TaskInvalid(errors)
        new_due = due_at or task.due_at
        if (assignee.pk, new_team, new_due) == (task.assignee_id, task.team, task.due_at):
            return TaskResult(task, changed=False)
        detail = {"from": task.assignee_id, "to": assignee.pk, "due_changed": new_due != task.due_at}
        task.assignee = assignee
        task.team = new_team
        task.due_at = new_due
        task.save(update_fields=["assignee", "team", "due_at", "updated_at"])
        _audit_update(actor, task, request, detail)
    return TaskResult(task, changed=True)
