"""A follow-up task of the test world for the URL and API walks: ``world.followup_task`` (张伟's
re-check in grid A1, given by the village leader to grid worker A, made on first use).

The walks (tests/core/test_url_scope_walk.py, tests/api/test_walk.py) fill ``<task_id>`` with it; this
module adds it to ``World`` because the world fixture is not this app's file.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from epigrid.core.clock import now
from epigrid.followups.models import Task
from epigrid.followups.services import TaskInput, task_assign
from tests.conftest import World


def _followup_task(world: World) -> Task:
    return task_assign(
        actor=world.village_leader,
        data=TaskInput(
            region=world.grid_a, kind=Task.Kind.RECHECK, title="复测体温：张伟", assignee=world.grid_worker_a,
            due_at=now() + dt.timedelta(hours=2), person=world.zhang,
        ),
    ).task  # fmt: skip


_prop = cached_property(_followup_task)
_prop.__set_name__(World, "followup_task")
World.followup_task = _prop  # type: ignore[attr-defined]
