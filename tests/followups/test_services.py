"""The follow-up services: who may give a task out, to whom, until when, about whom; completing,
cancelling and reassigning; idempotent submissions; nothing written when refused."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from epigrid.core.clock import now
from epigrid.core.models import AuditEvent
from epigrid.core.roles import Role
from epigrid.followups.errors import TaskInvalid, TaskRefused
from epigrid.followups.models import Task
from epigrid.followups.services import task_assign, task_cancel, task_complete, task_reassign
from epigrid.monitoring.models import Episode
from tests import factories as f
from tests.followups.conftest import task_input


def _fields(exc: pytest.ExceptionInfo[TaskInvalid]) -> dict[str, list[str]]:
    return exc.value.by_field


def test_a_task_is_given_out_in_the_unit_with_its_chain_and_audited(world, give):
    task = give()
    assert (task.region_id, task.district_id, task.town_id, task.village_id, task.grid_id) == (
        world.grid_a.pk, world.district.pk, world.town.pk, world.village_a.pk, world.grid_a.pk,
    )  # fmt: skip
    assert task.status == Task.Status.OPEN and task.created_by == world.village_leader
    event = AuditEvent.objects.get(object_type="followup_task", action=AuditEvent.Action.CREATE)
    assert event.detail["assignee"] == world.grid_worker_a.pk and event.detail["household"] == world.hh_a1.pk
    assert "甲村" not in str(event.detail)  # ids only, no addresses or names


def test_a_village_task_has_no_grid_and_a_town_task_no_village(world, give):
    village_task = give(actor=world.town_officer, region=world.village_a, assignee=world.village_leader,
                        household=None)  # fmt: skip
    town_task = give(actor=world.hq, region=world.town, assignee=world.town_officer, household=None)
    assert village_task.grid_id is None and village_task.village_id == world.village_a.pk
    assert town_task.village_id is None and town_task.town_id == world.town.pk


def test_a_task_assigned_outside_the_assigners_scope_is_refused(world):
    with pytest.raises(TaskRefused) as exc:
        task_assign(actor=world.grid_worker_b, data=task_input(world, assignee=world.grid_worker_a))
    assert _fields(exc) == {"region": ["只能在本人负责的区域内派发任务，所选单位不在您的负责范围内。"]}
    with pytest.raises(TaskRefused):
        task_assign(actor=world.outsider, data=task_input(world))
    assert not Task.objects.exists()


def test_the_assignee_must_cover_the_unit(world):
    with pytest.raises(TaskInvalid) as exc:
        task_assign(actor=world.village_leader, data=task_input(world, assignee=world.grid_worker_b))
    assert _fields(exc) == {"assignee": ["负责人须为负责该单位的工作人员（其工作区域应包含该单位）。"]}
    # A grid worker cannot take a village's task (their grid does not cover the village)…
    with pytest.raises(TaskInvalid):
        task_assign(
            actor=world.village_leader,
            data=task_input(world, region=world.village_a, household=None),
        )
    # …and departments and checkpoints are not staff who take tasks.
    for other in (world.department, world.checkpoint):
        with pytest.raises(TaskInvalid) as exc:
            task_assign(actor=world.hq, data=task_input(world, assignee=other))
        assert list(_fields(exc)) == ["assignee"]


@pytest.mark.parametrize("persona", ["department", "checkpoint", "admin"])
def test_roles_that_do_not_work_with_residents_give_no_tasks(world, persona):
    with pytest.raises(PermissionDenied):
        task_assign(actor=getattr(world, persona), data=task_input(world))


def test_every_wrong_field_is_named_and_nothing_is_written(world):
    data = task_input(
        world, kind="party", title=" ", assignee=None, due_at=now() - dt.timedelta(hours=1), team="队" * 101
    )
    with pytest.raises(TaskInvalid) as exc:
        task_assign(actor=world.village_leader, data=data)
    assert set(_fields(exc)) == {"kind", "title", "assignee", "due_at", "team"}
    assert _fields(exc)["due_at"] == ["截止时间不能早于现在。"]
    assert not Task.objects.exists() and not AuditEvent.objects.filter(object_type="followup_task").exists()


def test_the_due_time_has_a_few_minutes_grace_and_at_most_thirty_days(world, give):
    assert give(due_at=now() - dt.timedelta(minutes=3)).pk
    with pytest.raises(TaskInvalid) as exc:
        give(due_at=now() + dt.timedelta(days=31))
    assert _fields(exc) == {"due_at": ["截止时间不能晚于派发后30天。"]}


def test_a_task_given_out_earlier_may_be_entered_already_overdue(world, give):
    task = give(assigned_at=now() - dt.timedelta(hours=20), due_at=now() - dt.timedelta(hours=2))
    assert task.assigned_at < task.due_at < now()
    with pytest.raises(TaskInvalid) as exc:
        give(assigned_at=now() - dt.timedelta(hours=80))
    assert list(_fields(exc)) == ["assigned_at"]
    with pytest.raises(TaskInvalid) as exc:
        give(assigned_at=now() - dt.timedelta(hours=20), due_at=now() - dt.timedelta(hours=21))
    assert _fields(exc) == {"due_at": ["截止时间不能早于派发时间。"]}


def test_subjects_must_lie_in_the_unit(world, give):
    with pytest.raises(TaskInvalid) as exc:
        give(household=world.hh_b1)
    assert _fields(exc) == {"household": ["所选户不在任务所属单位内。"]}
    with pytest.raises(TaskInvalid) as exc:
        give(household=None, person=world.li)
    assert _fields(exc) == {"person": ["所选人员不在任务所属单位内。"]}
    with pytest.raises(TaskInvalid) as exc:
        give(household=world.hh_a2, person=world.zhang)
    assert _fields(exc) == {"person": ["所选人员不是所选户的成员。"]}


def test_an_episode_names_its_person_and_household(world, give):
    task = give(household=None, kind=Task.Kind.RECHECK, episode=world.episode_zhang)
    assert (task.person_id, task.household_id) == (world.zhang.pk, world.hh_a1.pk)
    Episode.objects.filter(pk=world.episode_zhang.pk).update(status=Episode.Status.RELEASED)
    world.episode_zhang.refresh_from_db()
    with pytest.raises(TaskInvalid) as exc:
        give(household=None, episode=world.episode_zhang)
    assert _fields(exc) == {"episode": ["所选人员的医学观察已结束。"]}


def test_a_district_is_not_a_unit(world, give):
    with pytest.raises(TaskInvalid) as exc:
        give(actor=world.hq, region=world.district, assignee=world.hq, household=None)
    assert _fields(exc) == {"region": ["任务应属于镇/街道、村/社区或网格。"]}


def test_the_same_key_twice_gives_one_task(world):
    data = task_input(world, idempotency_key="page-1")
    first = task_assign(actor=world.village_leader, data=data)
    again = task_assign(actor=world.village_leader, data=data)
    assert first.changed and not again.changed and first.task.pk == again.task.pk
    assert Task.objects.count() == 1
    # Another account's same key is another submission.
    assert task_assign(actor=world.grid_worker_a, data=data).changed


# --- complete ----------------------------------------------------------------------------------------


def test_the_assignee_completes_with_the_outcome_and_again_changes_nothing(world, give):
    task = give()
    result = task_complete(actor=world.grid_worker_a, task=task, outcome=" 已上门，体温36.5℃ ")
    assert result.changed
    task.refresh_from_db()
    assert (task.status, task.outcome, task.closed_by) == (
        Task.Status.DONE,
        "已上门，体温36.5℃",
        world.grid_worker_a,
    )
    again = task_complete(actor=world.grid_worker_a, task=task, outcome="另一次")
    assert not again.changed and Task.objects.get().outcome == "已上门，体温36.5℃"
    assert (
        AuditEvent.objects.filter(object_type="followup_task", action=AuditEvent.Action.UPDATE).count() == 1
    )


def test_an_outcome_is_required(world, give):
    task = give()
    with pytest.raises(TaskInvalid) as exc:
        task_complete(actor=world.grid_worker_a, task=task, outcome="  ")
    assert _fields(exc) == {"outcome": ["请填写完成情况。"]}
    assert Task.objects.get().status == Task.Status.OPEN


def test_a_superior_may_complete_a_peer_may_not(world, give):
    colleague = f.user("grid_a2", Role.GRID_WORKER, world.grid_a)
    task = give()
    with pytest.raises(TaskRefused) as exc:
        task_complete(actor=colleague, task=task, outcome="做了")
    assert _fields(exc) == {"task": ["只有任务负责人或其上级可以完成这项任务。"]}
    assert task_complete(actor=world.town_officer, task=task, outcome="镇里已处理").changed


def test_a_late_completion_is_kept_with_its_real_time(world, give):
    task = give(assigned_at=now() - dt.timedelta(hours=10), due_at=now() - dt.timedelta(hours=6))
    done_at = now() - dt.timedelta(hours=2)
    task_complete(actor=world.grid_worker_a, task=task, outcome="补录", completed_at=done_at)
    task.refresh_from_db()
    assert task.closed_at == done_at and task.closed_at > task.due_at
    with pytest.raises(TaskInvalid) as exc:
        task_complete(
            actor=world.grid_worker_a, task=give(), outcome="x", completed_at=now() - dt.timedelta(days=1)
        )
    assert list(_fields(exc)) == ["closed_at"]


# --- cancel and reassign -----------------------------------------------------------------------------


def test_the_assigner_or_a_superior_cancels_with_a_reason(world, give):
    task = give()
    with pytest.raises(TaskRefused):
        task_cancel(actor=world.grid_worker_a, task=task, reason="不想去")
    with pytest.raises(TaskInvalid) as exc:
        task_cancel(actor=world.village_leader, task=task, reason="")
    assert _fields(exc) == {"reason": ["请填写取消原因。"]}
    assert task_cancel(actor=world.village_leader, task=task, reason="该户已外出").changed
    assert not task_cancel(actor=world.hq, task=task, reason="重复").changed
    with pytest.raises(TaskInvalid) as exc:
        task_complete(actor=world.grid_worker_a, task=task, outcome="做了")
    assert _fields(exc) == {"task": ["任务已取消，不能再标记完成。"]}


def test_a_done_task_cannot_be_cancelled_or_reassigned(world, give):
    task = give()
    task_complete(actor=world.grid_worker_a, task=task, outcome="已完成")
    with pytest.raises(TaskInvalid):
        task_cancel(actor=world.village_leader, task=task, reason="x")
    with pytest.raises(TaskInvalid):
        task_reassign(actor=world.village_leader, task=task, assignee=world.village_leader)


def test_reassigning_checks_the_new_assignee_and_a_same_choice_changes_nothing(world, give):
    task = give()
    with pytest.raises(TaskInvalid) as exc:
        task_reassign(actor=world.village_leader, task=task, assignee=world.grid_worker_b)
    assert list(_fields(exc)) == ["assignee"]
    assert not task_reassign(actor=world.village_leader, task=task, assignee=world.grid_worker_a).changed
    result = task_reassign(
        actor=world.village_leader, task=task, assignee=world.village_leader, team="党员突击队"
    )
    assert result.changed and (result.task.assignee, result.task.team) == (world.village_leader, "党员突击队")
    event = AuditEvent.objects.filter(object_type="followup_task", action=AuditEvent.Action.UPDATE).get()
    assert (event.detail["from"], event.detail["to"]) == (world.grid_worker_a.pk, world.village_leader.pk)
    with pytest.raises(TaskRefused):
        task_reassign(actor=world.grid_worker_a, task=task, assignee=world.grid_worker_a)


def test_overdue_is_not_stored(world, give):
    with time_machine.travel(now(), tick=False) as traveller:
        task = give(due_at=now() + dt.timedelta(hours=1))
        traveller.shift(dt.timedelta(hours=2))
        task.refresh_from_db()
        assert task.status == Task.Status.OPEN  # overdue only when read: see test_selectors
