"""Reading the log: what a unit's daily report counts, the region's table by unit and kind (a fixed
number of queries), sealed "now" from the dates, and scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from epigrid.measurelog.sealed_services import sealed_compound_reopen
from epigrid.measurelog.selectors import (
    compounds_for_user,
    day_entries,
    entries_for_user,
    entry_for_user,
    measure_table,
    report_prefill,
    unit_log_sums,
    villages_logged,
)
from epigrid.measurelog.services import measure_log_correct, measure_log_withdraw
from tests.measurelog.conftest import DAY


@pytest.fixture
def logged(world, log):
    """A day of 甲镇: the town's meeting, 甲村's leaflets and banners, its grid's, 乙社区's."""
    log("meetings", 1, region=world.town, actor=world.town_officer)
    log("leaflets", 100)
    log("banners", 8)
    log("leaflets", 40, region=world.grid_a, actor=world.grid_worker_a)
    log("disinfection", 2, region=world.grid_a, actor=world.grid_worker_a)
    log("leaflets", 70, region=world.village_b, actor=world.hq)
    log("leaflets", 999, day=DAY - dt.timedelta(days=1))  # another day


def test_a_village_counts_its_own_and_its_grids_entries(world, logged):
    sums = unit_log_sums(world.village_a, DAY)
    assert sums.counts == {"leaflets": 140, "banners": 8, "disinfection": 2}
    assert sums.for_report == {"leaflets": 140, "banners": 8, "disinfection": 2}  # all report kinds
    assert sums.other_lines == []


def test_a_town_counts_its_own_entries_only(world, logged):
    """Its villages' entries reach the town's work report through the villages' own reports."""
    assert report_prefill(world.town, DAY) == {"meetings": 1}
    assert villages_logged(world.town, DAY) == {world.village_a.pk: 4}


def test_a_grid_counts_its_own(world, logged):
    assert unit_log_sums(world.grid_a, DAY).counts == {"leaflets": 40, "disinfection": 2}


def test_corrected_and_withdrawn_entries_count_as_they_now_are(world, log):
    first = log("leaflets", 100)
    second = log("leaflets", 50)
    measure_log_correct(actor=world.village_leader, entry=first, kind="notices", count=12)
    measure_log_withdraw(actor=world.village_leader, entry=second)
    assert report_prefill(world.village_a, DAY) == {"notices": 12}
    # The day's log shows the current revision and the withdrawn entry (marked), not the replaced one.
    shown = day_entries(world.village_a, DAY)
    assert [(e.kind, e.count, e.withdrawn) for e in shown] == [("leaflets", 50, True), ("notices", 12, False)]


def test_sealed_compounds_count_on_the_days_they_were_closed(world, seal):
    compound = seal("幸福小区", guard_posts=3, sealed_on=DAY - dt.timedelta(days=3))
    seal("甲村", kind="village", guard_posts=2, sealed_on=DAY - dt.timedelta(days=1), region=world.grid_a)
    assert (unit_log_sums(world.village_a, DAY).sealed, unit_log_sums(world.village_a, DAY).guard_posts) == (
        2,
        5,
    )
    assert unit_log_sums(world.village_a, DAY - dt.timedelta(days=2)).sealed == 1
    assert unit_log_sums(world.village_a, DAY - dt.timedelta(days=4)).sealed == 0
    assert unit_log_sums(world.grid_a, DAY).sealed == 1
    sealed_compound_reopen(actor=world.village_leader, compound=compound, reopened_on=DAY)
    # The day it reopened it is no longer closed; the day before it still was.
    assert unit_log_sums(world.village_a, DAY).sealed == 1
    assert unit_log_sums(world.village_a, DAY - dt.timedelta(days=1)).sealed == 2
    assert unit_log_sums(world.town, DAY).sealed == 0  # a town's own report: its own entries only


def test_the_table_sums_each_unit_below_by_kind_in_three_queries(
    world, logged, seal, django_assert_num_queries
):
    seal("幸福小区", guard_posts=3)
    with django_assert_num_queries(3):
        table = measure_table(world.district, DAY - dt.timedelta(days=6), DAY)
    by_name = {row.region.name: row for row in table.rows if row.region}
    assert set(by_name) == {"甲镇", "乙街道"}  # a district has no own row: nothing is logged for it
    assert by_name["甲镇"].counts == {"meetings": 1, "leaflets": 1139, "banners": 8, "disinfection": 2}
    assert (by_name["甲镇"].sealed, by_name["甲镇"].guard_posts) == (1, 3)
    assert by_name["乙街道"].counts == {"leaflets": 70}
    assert table.total.counts["leaflets"] == 1209 and table.total.sealed == 1
    assert table.kinds[:3] == ["notices", "leaflets", "banners"]


def test_a_towns_table_has_its_own_row_first_then_its_villages(world, logged):
    table = measure_table(world.town, DAY, DAY)
    own, village = table.rows
    assert own.region is None and own.counts == {"meetings": 1}
    assert village.region == world.village_a and village.counts == {
        "leaflets": 140,
        "banners": 8,
        "disinfection": 2,
    }
    village_table = measure_table(world.village_a, DAY, DAY)
    assert [row.region for row in village_table.rows] == [None, world.grid_a]
    assert village_table.rows[0].counts == {"leaflets": 100, "banners": 8}


def test_lists_and_lookups_stay_in_the_scope(world, logged):
    own = entries_for_user(user=world.grid_worker_a)
    assert {e.region_id for e in own} == {world.grid_a.pk}
    assert entries_for_user(user=world.outsider).count() == 0
    assert entries_for_user(user=world.town_officer, region=world.village_a, kind="leaflets").count() == 3
    assert (
        entries_for_user(
            user=world.hq, start=DAY - dt.timedelta(days=1), end=DAY - dt.timedelta(days=1)
        ).count()
        == 1
    )
    town_entry = entries_for_user(user=world.hq, region=world.town).filter(village__isnull=True).get()
    with pytest.raises(Http404):
        entry_for_user(user=world.village_leader, entry_id=town_entry.pk)
    with pytest.raises(Http404):
        entry_for_user(user=world.outsider, entry_id=town_entry.pk)
    assert (
        entry_for_user(user=world.department, entry_id=town_entry.pk) == town_entry
    )  # reads, does not write


def test_compounds_listed_in_the_scope_and_by_day(world, seal):
    open_one = seal("幸福小区")
    closed = seal("和平小区", region=world.grid_a)
    sealed_compound_reopen(actor=world.town_officer, compound=closed, reopened_on=DAY - dt.timedelta(days=1))
    assert list(compounds_for_user(user=world.village_leader, sealed_on=DAY)) == [open_one]
    assert list(compounds_for_user(user=world.village_leader)) == [open_one, closed]  # open ones first
    assert list(compounds_for_user(user=world.grid_worker_a)) == [closed]
    assert not compounds_for_user(user=world.outsider).exists()
    assert not compounds_for_user(user=world.grid_worker_b).exists()
