"""The demo's follow-up tasks: open, overdue and done for the demo town's grid workers, given out
through the services, and nothing again on a second run."""

from __future__ import annotations

import pytest
from django.db.models import F

from epigrid.core.clock import now
from epigrid.core.models import AuditEvent, User
from epigrid.demo.accounts import demo_accounts_ensure
from epigrid.demo.followups import demo_followups_load
from epigrid.demo.generator import generate
from epigrid.demo.outbreak import demo_outbreak_load
from epigrid.followups.models import Task
from epigrid.followups.selectors import my_tasks, task_counts
from epigrid.regions.models import Region


@pytest.mark.django_db(transaction=True)
def test_demo_gives_the_grid_workers_open_overdue_and_done_tasks_once():
    generate(size="small")
    demo_accounts_ensure()
    demo_outbreak_load(staff=User.objects.filter(username="village").first())
    result = demo_followups_load()
    assert result.created == result.tasks == Task.objects.count() >= 15
    assert result.open > result.overdue >= 5 and result.done >= 5
    assert AuditEvent.objects.filter(object_type="followup_task", action="create").count() == result.tasks
    grid_user = User.objects.get(username="grid")
    mine = my_tasks(user=grid_user, moment=now())
    assert mine.overdue_count >= 1 and mine.done and any(line.task.episode_id for line in mine.open)
    assert {line.task.kind for line in mine.open + mine.done} >= {"recheck", "visit", "deliver"}
    town = Region.objects.get(assignments__user__username="town")
    assert task_counts(region=town, moment=now()).open == result.open
    assert Task.objects.filter(status=Task.Status.DONE, closed_at__gt=F("due_at")).exists()  # done late
    again = demo_followups_load()
    assert again.created == 0 and again.tasks == result.tasks
