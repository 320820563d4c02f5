"""The dashboard's figures: values now, yesterday's at the cut-off, alerts, reports, units; snapshots."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from epigrid.cases.models import Classification as C
from epigrid.cases.services import classification_set
from epigrid.dashboard.figures import alert_counts_by_grid, figures_compute
from epigrid.dashboard.models import DashboardSnapshot
from epigrid.dashboard.snapshots import STALE_MAX, snapshot_get, snapshot_refresh
from epigrid.dashboard.tasks import dashboard_refresh
from epigrid.monitoring.checks import check_record
from epigrid.monitoring.models import AlertAck, HealthCheck
from epigrid.reports.services import unit_report_submit

# A fixed local noon (Asia/Shanghai): after the morning slot's deadline, before the daily cut-off.
NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def at_noon():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def _fever(world, episode, at: dt.datetime) -> HealthCheck:
    return check_record(
        actor=world.grid_worker_a,
        episode=episode,
        day=timezone.localdate(at),
        slot="am",
        temperature=Decimal("38.2"),
        channel=HealthCheck.Channel.ROSTER,
        recorded_at=at,
    )


def test_key_figures_now_and_at_yesterdays_cutoff(world, at_noon):
    episode = world.episode_zhang  # recorded today: not there at yesterday's cut-off
    classification_set(actor=world.hq, person=world.li, to=C.CONFIRMED, reason="测试")
    figures = figures_compute(world.district, timezone.now())
    assert figures.now["observation_total"] == 1
    assert figures.yesterday["observation_total"] == 0
    assert figures.now["confirmed"] == 1 and figures.yesterday["confirmed"] == 0
    assert figures.now["reports_missing"] == 2  # 甲镇 and 乙街道 have not reported today
    assert figures.units_reporting == 2
    assert episode.pk  # used


def test_units_below_carry_the_map_measures(world, at_noon):
    episode = world.episode_zhang
    _fever(world, episode, timezone.now() - dt.timedelta(minutes=5))
    classification_set(actor=world.hq, person=world.li, to=C.SUSPECTED, reason="测试")
    figures = figures_compute(world.district, timezone.now())
    units = {u.name: u for u in figures.units}
    assert list(units) == ["乙街道", "甲镇"]  # by code
    assert (units["甲镇"].observation, units["甲镇"].alerts, units["甲镇"].cases) == (1, 1, 0)
    assert (units["乙街道"].observation, units["乙街道"].alerts, units["乙街道"].cases) == (0, 0, 1)
    assert units["甲镇"].report == "missing"
    unit_report_submit(actor=world.town_officer, region=world.town, day=timezone.localdate())
    figures = figures_compute(world.district, timezone.now())
    assert {u.name: u.report for u in figures.units}["甲镇"] in ("reported", "zero")


def test_alerts_open_then_escalated_then_acknowledged(world, at_noon):
    episode = world.episode_zhang
    check = _fever(world, episode, timezone.now())
    grid = world.grid_a.pk
    assert alert_counts_by_grid(world.district, timezone.now()) == {grid: (1, 0)}
    later = timezone.now() + dt.timedelta(minutes=episode.policy.escalate_minutes + 1)
    assert alert_counts_by_grid(world.district, later) == {grid: (1, 1)}
    assert alert_counts_by_grid(world.street, later) == {}  # another town's subtree
    AlertAck.objects.create(
        episode=episode, kind=AlertAck.Kind.ABNORMAL, health_check=check, day=check.day, slot=check.slot,
        action=AlertAck.Action.VISITED, acknowledged_by=world.grid_worker_a,
    )  # fmt: skip
    assert alert_counts_by_grid(world.district, later) == {}


def test_snapshot_is_served_fresh_then_refreshed_in_the_background(world, at_noon):
    first, refreshing = snapshot_get(world.district)
    assert not refreshing
    assert DashboardSnapshot.objects.count() == 1
    world.episode_zhang  # noqa: B018 — a change the snapshot does not show yet
    served, refreshing = snapshot_get(world.district)
    assert not refreshing and served.now["observation_total"] == first.now["observation_total"] == 0
    at_noon.shift(
        dt.timedelta(seconds=90)
    )  # past EPIGRID_DASHBOARD_REFRESH (60 s): old figures, one refresh queued
    served, refreshing = snapshot_get(world.district)
    assert refreshing and served.now["observation_total"] == 0
    row = DashboardSnapshot.objects.get()
    assert row.refreshing_since is not None
    dashboard_refresh.call(world.district.pk)  # what the worker runs
    served, refreshing = snapshot_get(world.district)
    assert not refreshing and served.now["observation_total"] == 1
    assert DashboardSnapshot.objects.get().refreshing_since is None


def test_a_snapshot_too_old_or_of_another_day_is_recomputed_in_the_request(world, at_noon):
    snapshot_get(world.district)
    world.episode_zhang  # noqa: B018
    at_noon.shift(STALE_MAX + dt.timedelta(seconds=1))
    served, refreshing = snapshot_get(world.district)
    assert not refreshing and served.now["observation_total"] == 1
    at_noon.shift(dt.timedelta(days=1))
    served, _ = snapshot_get(world.district)
    assert served.day == (NOON.date() + dt.timedelta(days=1)).isoformat()


def test_yesterday_is_carried_from_the_days_earlier_snapshot(world, at_noon):
    first = snapshot_refresh(world.district)
    DashboardSnapshot.objects.update(
        data={**first.to_json(), "yesterday": {**first.yesterday, "confirmed": 41}}
    )
    again = snapshot_refresh(world.district)
    assert again.yesterday["confirmed"] == 41  # not recomputed within the day


def test_a_region_deleted_before_its_refresh_runs_is_skipped(world):
    assert dashboard_refresh.call(10**9) == "gone"


def test_two_first_visitors_computing_at_once_keep_one_snapshot(world, at_noon, monkeypatch):
    real_filter = DashboardSnapshot.objects.filter
    calls = {"n": 0}

    def racing_filter(*args, **kwargs):
        # The update finds no row yet; meanwhile another request creates it, so the create collides.
        calls["n"] += 1
        if calls["n"] == 2:
            DashboardSnapshot.objects.create(
                region=world.district, computed_at=timezone.now(), data={"day": "x"}
            )
            return real_filter(pk=-1)
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(DashboardSnapshot.objects, "filter", racing_filter)
    figures = snapshot_refresh(world.district)
    monkeypatch.undo()
    row = DashboardSnapshot.objects.get()
    assert row.data["day"] == figures.day  # the later computation is the one kept
