"""The demo's follow-up tasks (随访任务): re-checks, visits, deliveries and phone calls for grid
workers of the demo town, some open, some overdue, some done (one of them late), plus a task for the
village leader and one for the town.

The demo grid's worker is the ``grid`` account, given tasks by the ``village`` account; the grids of
four more villages of the demo town get a grid worker each (accounts without a password,
``wangge-<grid code>``), given tasks by the ``town`` account, so the town's page rolls five grids up;
the village leader has a task from the town and the town one from ``hq``. All go through
``followups.services``. Overdue and done tasks are entered as given out a day or so ago (the service
accepts a task given out up to three days back, and a completion of as long ago), so nothing is patched:
the state is what the services and the clock make of it. Idempotent: every task carries a key, and a
second run gives nothing out again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q

from epigrid.core.clock import now
from epigrid.core.models import User
from epigrid.core.roles import Role
from epigrid.followups.errors import TaskInvalid
from epigrid.followups.models import Task
from epigrid.followups.services import TaskInput, task_assign, task_complete
from epigrid.monitoring.models import Episode
from epigrid.regions.models import Household, Level, Region
from epigrid.regions.services import assignment_add

OTHER_GRIDS = 4  # grid workers made for grids of the demo town's other villages
H = dt.timedelta(hours=1)


@dataclass(frozen=True)
class DemoFollowups:
    tasks: int  # in the demo district, after loading
    created: int  # given out by this run
    open: int
    overdue: int
    done: int


@dataclass(frozen=True)
class _Plan:
    kind: str
    title: str
    assigned: dt.timedelta  # before now
    due: dt.timedelta  # after the assignment
    done_after: dt.timedelta | None = None  # after the assignment; None: still open
    outcome: str = ""
    team: str = ""
    household: Household | None = None
    episode: Episode | None = None


def _worker(grid: Region, village: Region) -> User:
    user, created = User.objects.get_or_create(
        username=f"wangge-{grid.code}",
        defaults={"role": Role.GRID_WORKER, "display_name": f"{village.name}网格员"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    assignment_add(user=user, region=grid)
    return user


def _plans(grid: Region, village: Region, many: bool) -> list[_Plan]:
    """What a grid's worker is given: re-checks of people under observation, visits, a delivery."""
    episodes = list(
        Episode.objects.filter(grid_id=grid.pk, status=Episode.Status.OPEN)
        .select_related("person")
        .order_by("pk")[:3]
    )
    households = list(Household.objects.filter(grid=grid).order_by("number")[:6])
    plans: list[_Plan] = []
    for n, episode in enumerate(episodes):
        name = episode.person.name
        if n == 0:  # a fever yesterday evening: re-check this morning, done
            plans.append(
                _Plan(
                    Task.Kind.RECHECK,
                    f"复测体温：{name}",
                    16 * H,
                    3 * H,
                    2 * H,
                    "已上门复测，体温36.6℃，无不适",
                    episode=episode,
                )
            )
        elif n == 1:  # missed this morning's report: re-check due two hours ago, still open
            plans.append(
                _Plan(Task.Kind.RECHECK, f"复测体温：{name}（未按时报告）", 5 * H, 3 * H, episode=episode)
            )
        else:
            plans.append(_Plan(Task.Kind.PHONE, f"电话随访：{name}", 1 * H, 6 * H, episode=episode))
    team = f"{village.name}党员突击队"
    for n, household in enumerate(households):
        address = household.address
        if n == 0:
            plans.append(
                _Plan(Task.Kind.DELIVER, f"配送物资：{address}", 2 * H, 5 * H, team=team, household=household)
            )
        elif n == 1:  # given out yesterday for yesterday evening, not done: overdue
            plans.append(_Plan(Task.Kind.VISIT, f"上门走访：{address}", 30 * H, 8 * H, household=household))
        elif n == 2:  # done, but after its due time
            plans.append(
                _Plan(
                    Task.Kind.VISIT,
                    f"上门走访：{address}",
                    40 * H,
                    4 * H,
                    9 * H,
                    "已入户登记，全家无发热",
                    household=household,
                )
            )
        elif many and n == 3:
            plans.append(
                _Plan(
                    Task.Kind.DELIVER,
                    f"配送物资：{address}",
                    26 * H,
                    6 * H,
                    5 * H,
                    "已送达口罩20只、体温计1支",
                    team=team,
                    household=household,
                )
            )
        elif many and n == 4:
            plans.append(_Plan(Task.Kind.VISIT, f"上门走访：{address}", 1 * H, 20 * H, household=household))
    return plans  # fmt: skip


def _give(actor: User, region: Region, assignee: User, plan: _Plan, key: str, current: dt.datetime) -> bool:
    """Give one planned task out (and complete it when planned); True when it was new."""
    assigned = current - plan.assigned
    try:
        result = task_assign(
            actor=actor,
            data=TaskInput(
                region=region, kind=plan.kind, title=plan.title, assignee=assignee,
                due_at=assigned + plan.due, team=plan.team, household=plan.household, episode=plan.episode,
                assigned_at=assigned, idempotency_key=key,
            ),
        )  # fmt: skip
    except TaskInvalid:  # e.g. an episode closed since: leave that task out
        return False
    if plan.done_after is not None:
        task_complete(
            actor=assignee, task=result.task, outcome=plan.outcome, completed_at=assigned + plan.done_after
        )
    return result.changed


@transaction.atomic
def demo_followups_load() -> DemoFollowups:
    """Give the demo's follow-up tasks out, once."""
    grid_user = User.objects.filter(username="grid").first()
    village_user = User.objects.filter(username="village").first()
    if grid_user is None or village_user is None:
        return DemoFollowups(0, 0, 0, 0, 0)
    grid = Region.objects.filter(assignments__user=grid_user, level=Level.GRID).order_by("code").first()
    village = Region.objects.filter(pk=grid.parent_id or 0).first() if grid is not None else None
    if grid is None or village is None:
        return DemoFollowups(0, 0, 0, 0, 0)
    town = Region.objects.filter(pk=village.parent_id or 0).first()
    town_user = User.objects.filter(username="town").first()
    current = now()
    created = 0
    crew: list[tuple[User, Region, Region, User, bool]] = [(village_user, village, grid, grid_user, True)]
    if town is not None and town_user is not None:
        # Grids of the town's next villages (one grid each in the small demo), given out by the town.
        others = Region.objects.filter(level=Level.GRID, parent__parent=town).exclude(parent=village)
        for other in others.select_related("parent").order_by("code")[:OTHER_GRIDS]:
            parent = other.parent
            if parent is not None:  # a grid always has its village
                crew.append((town_user, parent, other, _worker(other, parent), False))
    for assigner, unit_village, unit, worker, many in crew:
        for n, plan in enumerate(_plans(unit, unit_village, many)):
            created += _give(assigner, unit, worker, plan, f"demo-followup-{unit.code}-{n}", current)
    if town is not None and town_user is not None:
        plan = _Plan(Task.Kind.OTHER, "核对全村返乡人员名单并上报", 3 * H, 24 * H)
        created += _give(town_user, village, village_user, plan, f"demo-followup-{village.code}", current)
        hq = User.objects.filter(username="hq").first()
        if hq is not None:
            plan = _Plan(Task.Kind.DELIVER, "向各村配发口罩和消毒液", 2 * H, 30 * H, team="镇应急物资保障组")
            created += _give(hq, town, town_user, plan, f"demo-followup-{town.code}", current)
    counts = Task.objects.filter(district_id=village.depth_ids[0]).aggregate(
        tasks=Count("id"),
        open=Count("id", filter=Q(status=Task.Status.OPEN)),
        overdue=Count("id", filter=Q(status=Task.Status.OPEN, due_at__lt=current)),
        done=Count("id", filter=Q(status=Task.Status.DONE)),
    )
    return DemoFollowups(created=created, **counts)
