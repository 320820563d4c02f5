"""The public figures: as of the last cut-off, counts only, small counts of towns hidden so that they
cannot be worked out, and a constant number of grouped queries whatever the number of people."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from epigrid.publicinfo.figures import Cell, last_cutoff, suppress_one, suppress_table
from epigrid.publicinfo.selectors import snapshot_get
from tests import factories as f
from tests.publicinfo.conftest import DAY, at


def test_the_figures_are_those_of_the_last_cutoff(world, morning, classify):
    classify(world.zhang, "confirmed")
    classify(world.li, "suspected")
    before = snapshot_get(world.district)  # 10:00: the last cut-off is yesterday's 18:00
    assert before["day"] == "2020-02-09"
    assert before["figures"]["confirmed_total"] == 0
    morning.move_to(at(DAY, 18, 30))
    after = snapshot_get(world.district)
    assert after["day"] == DAY.isoformat()
    figures = after["figures"]
    assert figures["confirmed_total"] == 1 and figures["new_confirmed"] == 1
    assert figures["suspected"] == 1 and figures["new_suspected"] == 1
    towns = {t["name"]: t for t in after["towns"]}
    assert towns["甲镇"]["figures"]["confirmed_total"] == 1
    assert towns["甲镇"]["risk"]["level"] == "medium"
    assert towns["乙街道"]["risk"]["level"] == "low"
    assert after["risk"]["level"] == "medium"
    assert after["risk_counts"] == {"high": 0, "medium": 1, "low": 1}


def test_a_snapshot_is_computed_once_per_cutoff(world, morning, classify):
    morning.move_to(at(DAY, 19))
    snapshot_get(world.district)
    classify(world.zhang, "confirmed")  # after the cut-off: tomorrow's figures
    with CaptureQueriesContext(connection) as queries:
        again = snapshot_get(world.district)
    assert len(queries) == 1
    assert again["figures"]["confirmed_total"] == 0


def _compute_queries(world, moment) -> int:
    from epigrid.publicinfo.figures import public_figures_compute

    day, cutoff = last_cutoff(moment)
    with CaptureQueriesContext(connection) as queries:
        public_figures_compute(world.district, day, cutoff)
    return len(queries)


def test_no_query_per_person(world, morning, classify):
    """The same number of queries for 2 cases and 12: the figures are grouped counts."""
    from django.utils import timezone

    classify(world.zhang, "confirmed")
    classify(world.li, "suspected")
    morning.move_to(at(DAY, 19))
    few = _compute_queries(world, timezone.now())
    morning.move_to(at(DAY.replace(day=11), 9))
    for i in range(10):
        classify(f.person(world.hh_a1, f"测试{i}"), "confirmed")
    morning.move_to(at(DAY.replace(day=11), 19))
    many = _compute_queries(world, timezone.now())
    assert few == many


def test_small_counts_of_a_town_are_hidden():
    cells = suppress_one({"confirmed_total": 3, "observation": 12, "new_confirmed": 0}, threshold=5)
    assert cells["confirmed_total"] == Cell(None, "<5")
    assert cells["observation"] == Cell(12, "12")
    assert cells["new_confirmed"] == Cell(0, "0")


def test_a_lone_hidden_cell_takes_the_smallest_other_with_it():
    rows = [{"confirmed_total": 3}, {"confirmed_total": 40}, {"confirmed_total": 9}]
    cells = suppress_table(rows, threshold=5)
    assert [c["confirmed_total"].text for c in cells] == ["<5", "40", "*"]
    # Two hidden cells already hide each other; zeros next to a lone hidden cell are hidden too.
    both = suppress_table([{"suspected": 1}, {"suspected": 2}, {"suspected": 30}], threshold=5)
    assert [c["suspected"].text for c in both] == ["<5", "<5", "30"]
    zero = suppress_table([{"suspected": 1}, {"suspected": 0}], threshold=5)
    assert [c["suspected"].text for c in zero] == ["<5", "*"]
