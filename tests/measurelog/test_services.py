"""Logging a measure: who may log for which unit, every refusal with its exact message, idempotency,
corrections and withdrawals that keep the history, and the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from epigrid.core.models import AuditEvent
from epigrid.core.roles import Role
from epigrid.measurelog.models import MeasureEntry
from epigrid.measurelog.selectors import entry_history, unit_log_sums
from epigrid.measurelog.services import (
    MeasureInvalid,
    measure_log_add,
    measure_log_correct,
    measure_log_withdraw,
)
from epigrid.regions.models import Level
from tests import factories as f
from tests.measurelog.conftest import DAY


def _refusal(call) -> dict[str, str]:
    with pytest.raises(MeasureInvalid) as caught:
        call()
    return {k: str(v) for k, v in caught.value.errors.items()}


def test_a_village_leader_logs_for_the_village_with_its_chain_and_an_audit_event(world, log):
    entry = log("leaflets", "200", note="逐户发放", place="一组")
    assert (entry.kind, entry.count, entry.day, entry.note, entry.place) == (
        "leaflets",
        200,
        DAY,
        "逐户发放",
        "一组",
    )
    assert (entry.district_id, entry.town_id, entry.village_id, entry.grid_id) == (
        world.district.pk, world.town.pk, world.village_a.pk, None,
    )  # fmt: skip
    assert entry.recorded_by == world.village_leader and entry.current and entry.revision == 1
    event = AuditEvent.objects.get(object_type="measure_entry", object_id=str(entry.pk))
    assert event.action == AuditEvent.Action.CREATE and event.region_path == world.village_a.path
    assert event.detail == {"day": DAY.isoformat(), "kind": "leaflets", "revision": 1, "count": 200}
    assert "逐户发放" not in str(event.detail)  # notes stay out of the audit log


def test_a_grid_logs_into_its_village_and_a_town_logs_its_own(world, log):
    grid_entry = log("disinfection", 2, region=world.grid_a, actor=world.grid_worker_a)
    town_entry = log("meetings", 1, region=world.town, actor=world.town_officer)
    assert (grid_entry.village_id, grid_entry.grid_id) == (world.village_a.pk, world.grid_a.pk)
    assert (town_entry.town_id, town_entry.village_id, town_entry.grid_id) == (world.town.pk, None, None)


@pytest.mark.parametrize(
    ("persona", "unit"),
    [
        ("hq", "town"), ("hq", "village_a"), ("hq", "grid_b"),
        ("town_officer", "town"), ("town_officer", "village_a"), ("town_officer", "grid_a"),
        ("village_leader", "village_a"), ("village_leader", "grid_a"),
        ("grid_worker_a", "grid_a"),
    ],
)  # fmt: skip
def test_who_may_log_for_which_unit(world, afternoon, persona, unit):
    entry = measure_log_add(
        actor=getattr(world, persona), region=getattr(world, unit), day=DAY, kind="notices", count=3
    ).entry
    assert entry.region == getattr(world, unit)


@pytest.mark.parametrize(
    ("persona", "unit"),
    [("village_leader", "town"), ("grid_worker_a", "village_a"), ("grid_worker_a", "grid_b"),
     ("town_officer", "village_b"), ("outsider", "grid_a")],
)  # fmt: skip
def test_a_unit_outside_the_scope_is_not_found(world, afternoon, persona, unit):
    with pytest.raises(Http404):
        measure_log_add(
            actor=getattr(world, persona), region=getattr(world, unit), day=DAY, kind="notices", count=3
        )
    assert not MeasureEntry.objects.exists()


@pytest.mark.parametrize("persona", ["department", "checkpoint", "admin"])
def test_a_role_that_logs_nothing_is_refused(world, afternoon, persona):
    with pytest.raises(PermissionDenied):
        measure_log_add(
            actor=getattr(world, persona), region=world.village_a, day=DAY, kind="notices", count=3
        )
    assert not MeasureEntry.objects.exists()


def test_a_grid_worker_assigned_a_village_logs_for_it_but_a_village_leader_not_for_a_town(world, afternoon):
    worker = f.user("grid_village", Role.GRID_WORKER, world.village_a)
    assert measure_log_add(actor=worker, region=world.village_a, day=DAY, kind="notices", count=1).created
    leader = f.user("leader_town", Role.VILLAGE_LEADER, world.town)
    errors = _refusal(
        lambda: measure_log_add(actor=leader, region=world.town, day=DAY, kind="notices", count=1)
    )
    assert errors == {"region": "您的角色不能为这一级单位登记措施。"}


def test_the_district_itself_is_not_a_unit(world, afternoon):
    errors = _refusal(
        lambda: measure_log_add(actor=world.hq, region=world.district, day=DAY, kind="notices", count=1)
    )
    assert errors == {"region": "措施按镇（街道）、村（社区）或网格登记。"}


@pytest.mark.parametrize("count", ["", "0", 0, "-3", "1.5", "十", "１２", True, None])
def test_the_count_must_be_a_positive_whole_number(world, log, count):
    assert _refusal(lambda: log("leaflets", count)) == {"count": "数量须为正整数。"}
    assert _refusal(lambda: log("leaflets", "100001")) == {"count": "数量过大，请核对。"}
    assert not MeasureEntry.objects.exists()


def test_a_count_with_spaces_or_a_plus_is_still_a_number(world, log):
    assert log("leaflets", " 12 ").count == 12
    assert log("leaflets", "+3").count == 3


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (DAY + dt.timedelta(days=1), "日期不能晚于今天。"),
        (DAY - dt.timedelta(days=31), "只能登记30天内的措施。"),
    ],
)
def test_the_day_is_not_in_the_future_nor_over_30_days_back(world, log, day, message):
    assert _refusal(lambda: log("leaflets", 1, day=day)) == {"day": message}
    assert log("leaflets", 1, day=DAY - dt.timedelta(days=30)).day == DAY - dt.timedelta(days=30)


def test_every_wrong_field_is_named_at_once(world, log):
    errors = _refusal(
        lambda: log("posters", "x", day=DAY + dt.timedelta(days=2), note="很" * 201, place="地" * 101)
    )
    assert errors == {
        "day": "日期不能晚于今天。",
        "kind": "请选择措施类型。",
        "count": "数量须为正整数。",
        "note": "备注不能超过200字。",
        "place": "地点不能超过100字。",
    }


def test_every_kind_of_the_seeds_can_be_logged(world, log):
    kinds = (
        "notices", "leaflets", "banners", "screens", "audio", "loudspeakers", "meetings", "grids",
        "wechat_groups", "gatherings_cancelled", "venues_closed", "patrols", "disinfection",
    )  # fmt: skip
    for kind in kinds:
        log(kind, 1)
    assert MeasureEntry.objects.count() == 13


def test_the_same_key_twice_logs_once_and_a_reused_key_is_refused(world, log):
    first = measure_log_add(
        actor=world.village_leader,
        region=world.village_a,
        day=DAY,
        kind="leaflets",
        count=50,
        idempotency_key="k1",
    )
    again = measure_log_add(
        actor=world.village_leader,
        region=world.village_a,
        day=DAY,
        kind="leaflets",
        count=50,
        idempotency_key="k1",
    )
    assert first.created and not again.created and again.entry.pk == first.entry.pk
    assert MeasureEntry.objects.count() == 1
    errors = _refusal(lambda: log("banners", 5, idempotency_key="k1"))
    assert errors == {"idempotency_key": "这个提交标识已用于另一条记录。"}
    # Another account may use the same key: keys are per account.
    assert (
        log("leaflets", 50, actor=world.town_officer, idempotency_key="k1").recorded_by == world.town_officer
    )


def test_a_correction_is_a_new_revision_and_the_old_one_is_kept(world, log):
    entry = log("leaflets", 200)
    corrected = measure_log_correct(
        actor=world.village_leader, entry=entry, kind="leaflets", count=180, note="少算"
    )
    assert corrected.created
    new = corrected.entry
    entry.refresh_from_db()
    assert (new.revision, new.original_id, new.count, new.note) == (2, entry.pk, 180, "少算")
    assert entry.replaced_by_id == new.pk and not entry.current and new.current
    assert [e.pk for e in entry_history(new)] == [entry.pk, new.pk]
    assert unit_log_sums(world.village_a, DAY).counts == {"leaflets": 180}
    event = AuditEvent.objects.get(object_type="measure_entry", object_id=str(new.pk))
    assert event.action == AuditEvent.Action.UPDATE
    assert event.detail["replaces"] == entry.pk and event.detail["count_before"] == 200


def test_a_resent_correction_changes_nothing_and_a_stale_one_is_refused(world, log):
    entry = log("leaflets", 200)
    new = measure_log_correct(actor=world.village_leader, entry=entry, kind="leaflets", count=180).entry
    resent = measure_log_correct(actor=world.village_leader, entry=entry, kind="leaflets", count=180)
    assert not resent.created and resent.entry.pk == new.pk
    errors = _refusal(
        lambda: measure_log_correct(actor=world.village_leader, entry=entry, kind="leaflets", count=150)
    )
    assert errors == {"entry": "这条记录已被更正，请在最新版本上修改。"}
    assert MeasureEntry.objects.count() == 2


def test_the_author_or_a_superior_corrects_a_peer_may_not(world, log):
    entry = log("disinfection", 2, region=world.grid_a, actor=world.grid_worker_a)
    peer = f.user("grid_a2", Role.GRID_WORKER, world.grid_a)
    with pytest.raises(PermissionDenied):
        measure_log_correct(actor=peer, entry=entry, kind="disinfection", count=3)
    second = measure_log_correct(actor=world.village_leader, entry=entry, kind="disinfection", count=3).entry
    # The author may still correct what their superior corrected: it is their entry.
    third = measure_log_correct(actor=world.grid_worker_a, entry=second, kind="disinfection", count=4).entry
    assert third.revision == 3 and third.original_id == entry.pk
    # A village leader may not correct the town's entry (not even inside their village: the town's own).
    town_entry = log("meetings", 1, region=world.town, actor=world.town_officer)
    with pytest.raises(Http404):
        measure_log_correct(actor=world.village_leader, entry=town_entry, kind="meetings", count=2)
    # A grid worker does not outrank the village leader.
    leader_entry = log("leaflets", 10, region=world.grid_a)
    with pytest.raises(PermissionDenied):
        measure_log_withdraw(actor=world.grid_worker_a, entry=leader_entry)


def test_a_correction_is_checked_like_a_new_entry(world, log):
    entry = log("leaflets", 200)
    errors = _refusal(
        lambda: measure_log_correct(actor=world.village_leader, entry=entry, kind="flyers", count="0")
    )
    assert errors == {"kind": "请选择措施类型。", "count": "数量须为正整数。"}


def test_a_withdrawn_entry_stays_marked_and_no_longer_counts(world, log):
    entry = log("leaflets", 200)
    kept = log("leaflets", 30)
    withdrawn = measure_log_withdraw(actor=world.town_officer, entry=entry, reason="重复登记")
    assert withdrawn.pk == entry.pk and withdrawn.withdrawn and withdrawn.withdraw_reason == "重复登记"
    assert withdrawn.withdrawn_by == world.town_officer
    assert MeasureEntry.objects.count() == 2
    assert unit_log_sums(world.village_a, DAY).counts == {"leaflets": kept.count}
    again = measure_log_withdraw(actor=world.village_leader, entry=entry, reason="再撤")
    assert again.withdraw_reason == "重复登记"  # a resent withdrawal changes nothing
    errors = _refusal(
        lambda: measure_log_correct(actor=world.village_leader, entry=entry, kind="leaflets", count=1)
    )
    assert errors == {"entry": "这条记录已撤回，不能更正。"}
    event = AuditEvent.objects.get(
        object_type="measure_entry", object_id=str(entry.pk), action=AuditEvent.Action.DELETE
    )
    assert event.detail["withdrawn"] is True
    errors = _refusal(lambda: measure_log_withdraw(actor=world.village_leader, entry=kept, reason="因" * 201))
    assert errors == {"reason": "撤回原因不能超过200字。"}


def test_an_entry_older_than_30_days_is_no_longer_changed(world, log, afternoon):
    entry = log("leaflets", 5, day=DAY - dt.timedelta(days=29))
    afternoon.shift(dt.timedelta(days=2))
    errors = _refusal(
        lambda: measure_log_correct(actor=world.village_leader, entry=entry, kind="leaflets", count=6)
    )
    assert errors == {"day": "30天前的记录不能再更正或撤回。"}
    assert _refusal(lambda: measure_log_withdraw(actor=world.village_leader, entry=entry)) == {
        "day": "30天前的记录不能再更正或撤回。"
    }


def test_an_area_below_a_grid_is_not_a_unit(world, log):
    area = f.region(world.grid_a.code + "01", "一片区", Level.AREA, world.grid_a)
    errors = _refusal(lambda: log("leaflets", 5, region=area))
    assert errors == {"region": "措施按镇（街道）、村（社区）或网格登记。"}
