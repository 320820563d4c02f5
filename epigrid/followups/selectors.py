"""Reads of the follow-up tasks, scoped to the caller's subtrees.

A task is seen by everyone whose scope covers its unit (its chain columns), so by its assignee, who
must cover the unit to be given it. "Overdue" is derived here, in the query, from the stored facts:
an open task whose due time has passed at the moment of reading (``overdue_q``); nothing keeps it up.
Lists show the subject person's phone as the role may see it and are audited with the people shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import BooleanField, Case, Count, F, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest

from epigrid.core.audit import audit_log
from epigrid.core.models import AuditEvent, User
from epigrid.followups.models import Task
from epigrid.followups.rules import STAFF_ROLES, is_superior
from epigrid.regions.models import LEVEL_FIELD, Level, Region
from epigrid.regions.scope import scope_for
from epigrid.volunteers.models import VolunteerTeam

LIST_LIMIT = 200
DONE_DAYS = 7  # "my tasks" shows what the user finished in the last week below the open ones

# The states a list can be asked for: "open" holds the overdue ones too (shown in red).
STATES = ("open", "overdue", "done", "cancelled")


def overdue_q(moment: dt.datetime) -> Q:
    """Open tasks whose due time has passed at ``moment``."""
    return Q(status=Task.Status.OPEN, due_at__lt=moment)


def state_q(state: str, moment: dt.datetime) -> Q:
    """Filter tasks to one of ``STATES`` (anything else: all tasks)."""
    if state == "overdue":
        return overdue_q(moment)
    if state in Task.Status.values:
        return Q(status=state)
    return Q()


def with_state(rows: QuerySet[Task], moment: dt.datetime) -> QuerySet[Task]:
    """Annotate ``is_overdue`` (open, due time passed) and ``done_late`` (done after the due time)."""
    return rows.annotate(
        is_overdue=Case(
            When(overdue_q(moment), then=Value(True)), default=Value(False), output_field=BooleanField()
        ),
        done_late=Case(
            When(status=Task.Status.DONE, closed_at__gt=F("due_at"), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def tasks_for_user(*, user: User) -> QuerySet[Task]:
    """Every task in the user's subtrees."""
    return Task.objects.filter(scope_for(user).rows_q())


def _related(rows: QuerySet[Task]) -> QuerySet[Task]:
    return rows.select_related("region", "assignee", "created_by", "closed_by", "household", "person")


def task_get_for_user(*, user: User, task_id: int) -> Task:
    """One task in the user's scope; 404 for a missing id and for another region's alike."""
    found = _related(tasks_for_user(user=user)).filter(pk=task_id).first()
    if found is None:
        raise Http404
    return found


def unit_column(region: Region) -> str:
    """The task column that selects a unit's subtree; 404 below a grid (片区 have no tasks)."""
    if region.level > Level.GRID:
        raise Http404
    return LEVEL_FIELD[region.level]


@dataclass(frozen=True)
class Counts:
    open: int = 0  # all open, the overdue ones included
    overdue: int = 0
    done: int = 0
    cancelled: int = 0


_AGGREGATES = {
    "open": Count("id", filter=Q(status=Task.Status.OPEN)),
    "cancelled": Count("id", filter=Q(status=Task.Status.CANCELLED)),
    "done": Count("id", filter=Q(status=Task.Status.DONE)),
}


def task_counts(*, region: Region, moment: dt.datetime) -> Counts:
    """How many tasks of the unit's subtree are open, overdue, done and cancelled (one query)."""
    rows = Task.objects.filter(**{unit_column(region): region.pk})
    values = rows.aggregate(**_AGGREGATES, overdue=Count("id", filter=overdue_q(moment)))
    return Counts(**{key: int(value or 0) for key, value in values.items()})


@dataclass(frozen=True)
class UnitRow:
    region: Region | None  # None: the unit's own tasks (not of a unit below it)
    counts: Counts


def unit_breakdown(*, region: Region, moment: dt.datetime) -> list[UnitRow]:
    """The counts per unit one level below ``region`` (a town's villages …), then the unit's own: two
    queries whatever the number of tasks. Empty for a grid."""
    if region.level >= Level.GRID:
        return []
    child_column = LEVEL_FIELD[region.level + 1]
    grouped = (
        Task.objects.filter(**{unit_column(region): region.pk})
        .values_list(child_column)
        .annotate(**_AGGREGATES, overdue=Count("id", filter=overdue_q(moment)))
        .order_by()
    )
    by_child: dict[int | None, Counts] = {}
    for child_id, open_, cancelled, done, overdue in grouped:
        by_child[child_id] = Counts(open=open_, overdue=overdue, done=done, cancelled=cancelled)
    children = list(Region.objects.filter(parent=region).order_by("code"))
    rows = [UnitRow(child, by_child.get(child.pk, Counts())) for child in children]
    if None in by_child:
        rows.append(UnitRow(None, by_child[None]))
    return rows


@dataclass(frozen=True)
class TaskLine:
    task: Task
    overdue: bool
    done_late: bool
    phone: str  # the subject person's phone as the role may see it ("" without a person)

    @property
    def phone_callable(self) -> bool:
        return bool(self.phone) and "*" not in self.phone


def _lines(user: User, rows: Sequence[Task]) -> list[TaskLine]:
    caps = user.caps
    return [
        TaskLine(
            task=task,
            overdue=bool(getattr(task, "is_overdue", False)),
            done_late=bool(getattr(task, "done_late", False)),
            phone=caps.identifiers("", task.person.phone)[1] if task.person is not None else "",
        )
        for task in rows
    ]


def audit_task_list(
    *, user: User, rows: Sequence[Task], what: str, region: Region | None = None,
    request: HttpRequest | None = None,
) -> None:  # fmt: skip
    """Log that a list of tasks naming people and households was shown (ids only)."""
    persons = sorted({t.person_id for t in rows if t.person_id})
    households = sorted({t.household_id for t in rows if t.household_id})
    if not persons and not households:
        return
    audit_log(
        actor=user, action=AuditEvent.Action.READ, object_type="followup_task_list",
        object_id=region.pk if region is not None else "", region_path=region.path if region else "",
        detail={"list": what, "tasks": len(rows), "persons": persons, "households": households},
        request=request,
    )  # fmt: skip


def unit_tasks(
    *, user: User, region: Region, state: str, moment: dt.datetime, request: HttpRequest | None = None,
    limit: int = LIST_LIMIT,
) -> list[TaskLine]:  # fmt: skip
    """The tasks of a unit's subtree in one state: open and overdue by due time (the most urgent
    first), done and cancelled by when they were closed (the newest first). Audited."""
    if not scope_for(user).contains(region):
        raise Http404
    rows = Task.objects.filter(**{unit_column(region): region.pk}).filter(state_q(state, moment))
    order = ("due_at", "id") if state in ("open", "overdue") else ("-closed_at", "-id")
    found = list(_related(with_state(rows, moment)).order_by(*order)[:limit])
    audit_task_list(user=user, rows=found, what=state, region=region, request=request)
    return _lines(user, found)


@dataclass(frozen=True)
class MyTasks:
    open: list[TaskLine]
    done: list[TaskLine]

    @property
    def overdue_count(self) -> int:
        return sum(1 for line in self.open if line.overdue)


def my_tasks(*, user: User, moment: dt.datetime, request: HttpRequest | None = None) -> MyTasks:
    """The user's open tasks by due time (overdue first by nature), and those done in the last week."""
    mine = tasks_for_user(user=user).filter(assignee=user)
    open_rows = list(
        _related(with_state(mine.filter(status=Task.Status.OPEN), moment)).order_by("due_at", "id")[
            :LIST_LIMIT
        ]
    )
    done_rows = list(
        _related(with_state(mine.filter(status=Task.Status.DONE), moment))
        .filter(closed_at__gte=moment - dt.timedelta(days=DONE_DAYS))
        .order_by("-closed_at", "-id")[:50]
    )
    audit_task_list(user=user, rows=open_rows + done_rows, what="mine", request=request)
    return MyTasks(open=_lines(user, open_rows), done=_lines(user, done_rows))


def open_task_count(*, user: User, moment: dt.datetime) -> tuple[int, int]:
    """How many open tasks the user has, and how many of them are overdue (one query, no personal data)."""
    values = (
        tasks_for_user(user=user)
        .filter(assignee=user, status=Task.Status.OPEN)
        .aggregate(n=Count("id"), late=Count("id", filter=Q(due_at__lt=moment)))
    )
    return int(values["n"] or 0), int(values["late"] or 0)


def assignees_for(*, region: Region) -> list[User]:
    """The staff who may take a task of ``region``: active field staff assigned to it or above it."""
    return list(
        User.objects.filter(
            role__in=list(STAFF_ROLES), is_active=True, assignments__region_id__in=region.depth_ids
        )
        .distinct()
        .order_by("role", "display_name", "username")
    )


def teams_for(*, region: Region) -> list[VolunteerTeam]:
    """The active volunteer teams that may do a task of ``region``: teams of the unit, of the units
    above it, and of the units inside it (``services._team_serves``), by region code and name."""
    teams = VolunteerTeam.objects.filter(active=True, district_id=region.depth_ids[0]).select_related(
        "region"
    )
    return sorted(
        (t for t in teams if t.region.path.startswith(region.path) or region.path.startswith(t.region.path)),
        key=lambda t: (t.region.code, t.name),
    )


@dataclass(frozen=True)
class Rights:
    complete: bool
    manage: bool  # cancel and reassign


def rights(*, user: User, task: Task) -> Rights:
    """What ``user`` may do with ``task`` now (the services decide again when it is done)."""
    if task.status != Task.Status.OPEN or not user.caps.can_write:
        return Rights(False, False)
    superior = is_superior(user, task.region)
    manage = superior or (task.created_by_id == user.pk and user.role in STAFF_ROLES)
    return Rights(complete=task.assignee_id == user.pk or superior, manage=manage)
