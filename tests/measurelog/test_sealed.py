"""Sealed compounds: who seals, the refusals with their exact messages, one closure at a time,
idempotency, reopening (kept, never deleted) and the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from epigrid.core.models import AuditEvent
from epigrid.measurelog.models import SealedCompound
from epigrid.measurelog.sealed_services import sealed_compound_add, sealed_compound_reopen
from epigrid.measurelog.services import MeasureInvalid
from tests.measurelog.conftest import DAY


def _refusal(call) -> dict[str, str]:
    with pytest.raises(MeasureInvalid) as caught:
        call()
    return {k: str(v) for k, v in caught.value.errors.items()}


def test_a_compound_is_sealed_with_its_guard_posts_and_audited(world, seal):
    compound = seal("  幸福小区 ", guard_posts="3", arrangements="东门、北门各设值守点", region=world.grid_a)
    assert (compound.name, compound.guard_posts, compound.kind) == (
        "幸福小区",
        3,
        SealedCompound.Kind.COMPOUND,
    )
    assert (compound.village_id, compound.grid_id, compound.town_id) == (
        world.village_a.pk,
        world.grid_a.pk,
        world.town.pk,
    )
    assert compound.sealed_on_day(DAY) and not compound.sealed_on_day(DAY - dt.timedelta(days=4))
    event = AuditEvent.objects.get(object_type="sealed_compound", object_id=str(compound.pk))
    assert event.action == AuditEvent.Action.CREATE and event.detail["guard_posts"] == 3


@pytest.mark.parametrize("persona", ["village_leader", "town_officer", "hq"])
def test_the_village_the_town_and_hq_seal(world, seal, persona):
    assert seal("幸福小区", actor=getattr(world, persona)).created_by == getattr(world, persona)


@pytest.mark.parametrize("persona", ["grid_worker_a", "department", "checkpoint"])
def test_grid_workers_and_readers_do_not_seal(world, seal, persona):
    with pytest.raises(PermissionDenied):
        seal("幸福小区", actor=getattr(world, persona), region=world.grid_a)
    assert not SealedCompound.objects.exists()


def test_outside_the_scope_is_not_found(world, seal):
    with pytest.raises(Http404):
        seal("幸福小区", actor=world.village_leader, region=world.village_b)
    with pytest.raises(Http404):
        seal("幸福小区", actor=world.outsider, region=world.grid_a)


def test_every_wrong_field_is_named(world, seal):
    errors = _refusal(
        lambda: seal(
            " ",
            region=world.town,
            kind="street",
            sealed_on=DAY + dt.timedelta(days=1),
            guard_posts="-1",
            arrangements="安" * 201,
        )
    )
    assert errors == {
        "region": "封闭管理按村（社区）或网格登记。",
        "name": "请填写小区或村的名称。",
        "kind": "请选择封闭类型。",
        "sealed_on": "日期不能晚于今天。",
        "guard_posts": "卡点/值守点数须为0到200的整数。",
        "arrangements": "值守和巡逻安排不能超过200字。",
    }
    assert _refusal(lambda: seal("幸" * 101)) == {"name": "名称不能超过100字。"}
    assert _refusal(lambda: seal("幸福小区", guard_posts=201)) == {
        "guard_posts": "卡点/值守点数须为0到200的整数。"
    }
    assert _refusal(lambda: seal("幸福小区", sealed_on=DAY - dt.timedelta(days=367))) == {
        "sealed_on": "只能登记一年内的封闭管理。"
    }


def test_no_guard_post_is_allowed_and_blank_means_none(world, seal):
    assert seal("幸福小区", guard_posts="").guard_posts == 0


def test_one_closure_at_a_time_then_sealed_again_after_reopening(world, seal):
    first = seal("幸福小区")
    assert _refusal(lambda: seal("幸福小区")) == {"name": "这个小区（村）已在封闭管理中。"}
    sealed_compound_reopen(actor=world.village_leader, compound=first, reopened_on=DAY - dt.timedelta(days=1))
    again = seal("幸福小区", sealed_on=DAY)
    assert again.pk != first.pk and SealedCompound.objects.count() == 2


def test_the_same_key_registers_once(world, afternoon):
    def add():
        return sealed_compound_add(
            actor=world.town_officer,
            region=world.village_a,
            name="幸福小区",
            sealed_on=DAY,
            idempotency_key="s1",
        )

    first, again = add(), add()
    assert first.created and not again.created and first.compound.pk == again.compound.pk
    other = lambda: sealed_compound_add(  # noqa: E731
        actor=world.town_officer, region=world.village_a, name="和平小区", sealed_on=DAY, idempotency_key="s1"
    )
    assert _refusal(other) == {"idempotency_key": "这个提交标识已用于另一条记录。"}


def test_reopening_keeps_the_row_and_is_checked(world, seal):
    compound = seal("幸福小区", sealed_on=DAY - dt.timedelta(days=3))
    assert _refusal(
        lambda: sealed_compound_reopen(
            actor=world.village_leader, compound=compound, reopened_on=DAY - dt.timedelta(days=4)
        )
    ) == {"reopened_on": "解除日期不能早于封闭日期。"}
    assert _refusal(
        lambda: sealed_compound_reopen(
            actor=world.village_leader, compound=compound, reopened_on=DAY + dt.timedelta(days=1)
        )
    ) == {"reopened_on": "日期不能晚于今天。"}
    with pytest.raises(PermissionDenied):
        sealed_compound_reopen(actor=world.department, compound=compound)
    with pytest.raises(Http404):  # the village is above grid worker A's grid
        sealed_compound_reopen(actor=world.grid_worker_a, compound=compound)
    with pytest.raises(Http404):
        sealed_compound_reopen(actor=world.outsider, compound=compound)
    row = sealed_compound_reopen(actor=world.village_leader, compound=compound)
    assert row.reopened_on == DAY and row.reopened_by == world.village_leader
    assert sealed_compound_reopen(actor=world.village_leader, compound=compound).reopened_on == DAY  # resent
    assert _refusal(
        lambda: sealed_compound_reopen(
            actor=world.village_leader, compound=compound, reopened_on=DAY - dt.timedelta(days=1)
        )
    ) == {"reopened_on": f"已于{DAY.isoformat()}解除封闭管理。"}
    assert SealedCompound.objects.get().reopened_on == DAY
    event = AuditEvent.objects.get(object_type="sealed_compound", action=AuditEvent.Action.UPDATE)
    assert event.detail["reopened_on"] == DAY.isoformat()
