"""The follow-up reads: overdue derived when read, counts per unit and per unit below, scope."""

from __future__ import annotations

import datetime as dt

import time_machine

from epigrid.core.clock import now
from epigrid.followups.selectors import my_tasks, task_counts, tasks_for_user, unit_breakdown, unit_tasks
from epigrid.followups.services import task_complete


def test_a_task_becomes_overdue_when_its_due_time_passes_without_anything_written(world, give):
    with time_machine.travel(now(), tick=False) as traveller:
        task = give(due_at=now() + dt.timedelta(hours=1))
        assert task_counts(region=world.grid_a, moment=now()).overdue == 0
        traveller.shift(dt.timedelta(hours=2))
        counts = task_counts(region=world.grid_a, moment=now())
        assert (counts.open, counts.overdue) == (1, 1)
        [line] = unit_tasks(user=world.village_leader, region=world.grid_a, state="overdue", moment=now())
        assert line.task.pk == task.pk and line.overdue
        task_complete(actor=world.grid_worker_a, task=task, outcome="已复测")
        counts = task_counts(region=world.grid_a, moment=now())
        assert (counts.open, counts.overdue, counts.done) == (0, 0, 1)
        [done] = unit_tasks(user=world.village_leader, region=world.grid_a, state="done", moment=now())
        assert done.done_late and not done.overdue


def test_a_town_rolls_its_villages_up(world, give):
    give()
    give(actor=world.town_officer, region=world.village_a, assignee=world.village_leader, household=None)
    give(actor=world.hq, region=world.town, assignee=world.town_officer, household=None)
    assert task_counts(region=world.town, moment=now()).open == 3
    assert task_counts(region=world.district, moment=now()).open == 3
    assert task_counts(region=world.street, moment=now()).open == 0
    rows = unit_breakdown(region=world.town, moment=now())
    assert [(r.region.name if r.region else None, r.counts.open) for r in rows] == [("甲村", 2), (None, 1)]
    village_rows = unit_breakdown(region=world.village_a, moment=now())
    assert [(r.region.name if r.region else None, r.counts.open) for r in village_rows] == [
        ("甲村第1网格", 1), (None, 1),
    ]  # fmt: skip


def test_tasks_are_seen_in_scope_only(world, give):
    task = give()
    assert list(tasks_for_user(user=world.grid_worker_a)) == [task]
    assert list(tasks_for_user(user=world.hq)) == [task]
    assert not tasks_for_user(user=world.grid_worker_b).exists()
    assert not tasks_for_user(user=world.outsider).exists()


def test_my_tasks_are_by_due_time_with_the_overdue_first(world, give):
    later = give(due_at=now() + dt.timedelta(hours=5), title="晚")
    sooner = give(due_at=now() + dt.timedelta(hours=1), title="早")
    late = give(
        assigned_at=now() - dt.timedelta(hours=5), due_at=now() - dt.timedelta(hours=1), person=world.zhang
    )
    other = give(assignee=world.village_leader, title="村里的")
    mine = my_tasks(user=world.grid_worker_a, moment=now())
    assert [line.task.pk for line in mine.open] == [late.pk, sooner.pk, later.pk]
    assert mine.overdue_count == 1 and other.pk not in [line.task.pk for line in mine.open]
    # The subject's phone is shown in full to a grid worker (they call people), masked for HQ.
    assert mine.open[0].phone == world.zhang.phone and mine.open[0].phone_callable
    [hq_line, *_] = unit_tasks(user=world.hq, region=world.grid_a, state="overdue", moment=now())
    assert "*" in hq_line.phone
