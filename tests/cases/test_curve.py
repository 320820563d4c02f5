"""Epidemic curve: cases per day by onset and report date, local and imported, per region subtree."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from epigrid.cases.curve import MAX_DAYS, CurveRangeError, curve_range, epidemic_curve
from tests import factories as f
from tests.api.conftest import API, session_client
from tests.cases.chain_data import D, build, status


@pytest.fixture
def chains(world):
    made = build(world)
    # One more: an imported confirmed case of grid A1 with onset and report on the same day.
    status(f.person(world.hh_a2, "郑华"), "confirmed", D(2020, 1, 25), D(2020, 1, 25), imported=True)
    return made


def test_counts_by_onset_and_report_local_and_imported(world, chains):
    curve = epidemic_curve(user=world.hq, region=world.district, start=D(2020, 1, 19), end=D(2020, 1, 28))
    assert curve.days[0] == D(2020, 1, 19) and len(curve.days) == 10
    day = {d: i for i, d in enumerate(curve.days)}
    # Confirmed: 张伟 (onset 01-20, reported 01-22), 李娜 (01-25, 01-27), 郑华 imported (01-25, 01-25).
    # The suspected 曾强 and the asymptomatic 周杰 are not cases.
    assert curve.onset.local[day[D(2020, 1, 20)]] == 1 and curve.onset.local[day[D(2020, 1, 25)]] == 1
    assert curve.onset.imported[day[D(2020, 1, 25)]] == 1
    assert sum(curve.onset.local) == 2 and sum(curve.onset.imported) == 1
    assert curve.report.local[day[D(2020, 1, 22)]] == 1 and curve.report.local[day[D(2020, 1, 27)]] == 1
    assert curve.report.imported[day[D(2020, 1, 25)]] == 1
    assert curve.onset.total[day[D(2020, 1, 25)]] == 2
    assert curve.onset_unknown == 0


def test_region_subtree_and_date_range(world, chains):
    curve = epidemic_curve(user=world.hq, region=world.grid_b, start=D(2020, 1, 1), end=D(2020, 1, 31))
    assert sum(curve.onset.local) == 1 and sum(curve.onset.imported) == 0  # 李娜 only
    curve = epidemic_curve(user=world.hq, region=world.village_a, start=D(2020, 1, 21), end=D(2020, 1, 31))
    assert sum(curve.onset.local) == 0 and sum(curve.report.local) == 1  # 张伟's onset is before the range


def test_asymptomatic_infections_apart_with_unknown_onset(world, chains):
    curve = epidemic_curve(
        user=world.hq, region=world.district, start=D(2020, 2, 1), end=D(2020, 2, 10), kind="asymptomatic"
    )
    assert sum(curve.onset.local + curve.onset.imported) == 0
    assert curve.report.imported[4] == 1  # 周杰, imported, reported 02-05
    assert curve.onset_unknown == 1


def test_outside_the_scope_is_not_found(world, chains):
    with pytest.raises(Http404):
        epidemic_curve(user=world.grid_worker_b, region=world.grid_a, start=D(2020, 1, 1), end=D(2020, 1, 2))


def test_range_defaults_and_limits():
    today = D(2020, 3, 1)
    assert curve_range(None, None, today=today) == (D(2020, 1, 2), today)
    assert curve_range(D(2020, 2, 1), None, today=today) == (D(2020, 2, 1), today)
    with pytest.raises(CurveRangeError, match="开始日期晚于结束日期"):
        curve_range(D(2020, 3, 2), None, today=today)
    with pytest.raises(CurveRangeError):
        curve_range(today - dt.timedelta(days=MAX_DAYS), today, today=today)


def test_curve_api(world, chains):
    client = session_client(world.town_officer)
    response = client.get(
        f"{API}/curve", {"region_id": world.town.pk, "start": "2020-01-20", "end": "2020-01-25"}
    )
    assert response.status_code == 200
    data = response.json()
    assert data["days"][0] == "2020-01-20" and len(data["days"]) == 6
    assert data["onset"] == {"local": [1, 0, 0, 0, 0, 0], "imported": [0, 0, 0, 0, 0, 1]}
    assert data["report"]["local"][2] == 1
    response = client.get(
        f"{API}/curve", {"region_id": world.town.pk, "start": "2020-02-01", "end": "2020-01-01"}
    )
    assert response.status_code == 422 and "开始日期晚于结束日期" in response.content.decode()
    assert client.get(f"{API}/curve", {"region_id": world.street.pk}).status_code == 404
