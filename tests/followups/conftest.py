"""Follow-up tasks in the test world: helpers to give one out."""

from __future__ import annotations

import datetime as dt

import pytest

from epigrid.core.clock import now
from epigrid.followups.models import Task
from epigrid.followups.services import TaskInput, task_assign
from tests.followups import world as _world  # noqa: F401 - adds World.followup_task


def task_input(world, **overrides) -> TaskInput:
    values = {
        "region": world.grid_a, "kind": Task.Kind.VISIT, "title": "上门走访：甲村一组1号",
        "assignee": world.grid_worker_a, "due_at": now() + dt.timedelta(hours=3), "household": world.hh_a1,
    }  # fmt: skip
    values.update(overrides)
    return TaskInput(**values)


@pytest.fixture
def give(world):
    """Give a task out: ``give(actor=…, **TaskInput fields)`` (default: the village leader's visit to
    household 甲1 for grid worker A, due in three hours)."""

    def make(actor=None, **overrides) -> Task:
        return task_assign(actor=actor or world.village_leader, data=task_input(world, **overrides)).task

    return make
