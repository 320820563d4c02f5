"""Cori's Rt against EpiEstim 2.2-4's own output (tests/lib/epiestim), refusals, doubling time, speed."""

from __future__ import annotations

import csv
import itertools
import math
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from epigrid.lib.rt import (
    COUNT_ERROR,
    DAYS_ERROR,
    EMPTY_ERROR,
    LENGTH_ERROR,
    PRIOR_ERROR,
    RELIABLE_CASES,
    SHORT_ERROR,
    SI_MEAN_ERROR,
    SI_SD_ERROR,
    WINDOW_ERROR,
    RtError,
    discr_si,
    doubling_time,
    incidence_process,
    rt_estimate,
)

FIXTURES = Path(__file__).parent / "epiestim"
STATS = ("mean", "std", "q025", "q05", "q25", "median", "q75", "q95", "q975")
# Measured: 1.6e-14 at worst (R prints 15 digits); the contract is 6 significant digits (5e-7).
RT_TOLERANCE = 1e-12


def _rows(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open() as f:
        return list(csv.DictReader(f))


CASES = _rows("cases.csv")


def _incidence(name: str) -> tuple[list[int], list[int] | None]:
    rows = _rows(name)
    local = [int(r["local"]) for r in rows]
    imported = [int(r["imported"]) for r in rows] if "imported" in rows[0] else None
    return local, imported


def _estimate(case: dict[str, str]):
    local, imported = _incidence(case["incidence"])
    return rt_estimate(
        local,
        imported,
        si_mean=float(case["si_mean"]),
        si_sd=float(case["si_sd"]),
        window=int(case["window"]),
        prior_mean=float(case["prior_mean"]),
        prior_sd=float(case["prior_sd"]),
    )


def _worst_error(windows, reference: list[dict[str, str]]) -> float:
    assert [(w.t_start, w.t_end) for w in windows] == [
        (int(r["t_start"]), int(r["t_end"])) for r in reference
    ]
    worst = 0.0
    for window, row in zip(windows, reference, strict=True):
        for field in STATS:
            mine = getattr(window, field)
            if row[field] == "NA":
                assert mine is None, (window, field)
                continue
            ref = float(row[field])
            worst = max(worst, abs(mine - ref) / abs(ref))
    return worst


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_rt_equals_epiestim(case):
    estimate = _estimate(case)
    assert _worst_error(estimate.windows, _rows(f"{case['name']}_rt.csv")) < RT_TOLERANCE


def test_the_fixtures_cover_what_the_contract_names():
    names = {c["name"] for c in CASES}
    assert {"flu2009", "flu2009_imported", "flu2009_w3", "long"} <= names
    long_case = next(c for c in CASES if c["name"] == "long")
    windows = _estimate(long_case).windows
    assert max(w.cases for w in windows) > 50_000  # shapes far beyond the series' reach
    w3 = _rows("flu2009_w3_rt.csv")
    assert w3[0]["mean"] == "NA"  # a window ending before the serial interval's mean
    total = sum(p.stat().st_size for p in FIXTURES.iterdir())
    assert total < 300_000


def test_discr_si_equals_epiestim():
    rows = _rows("discr_si.csv")
    worst = 0.0
    for (mean, sd), group in itertools.groupby(rows, key=lambda r: (r["mean"], r["sd"])):
        values = list(group)
        mine = discr_si(len(values), float(mean), float(sd))
        for value, row in zip(mine, values, strict=True):
            ref = float(row["w"])
            # R's formula cancels terms of size ~k: its own last digits are noise at ~k * 1e-16
            assert abs(value - ref) <= 5e-7 * abs(ref) + 1e-14, (mean, sd, row["k"])
            if ref > 1e-6:
                worst = max(worst, abs(value - ref) / ref)
    assert worst < 1e-10
    assert discr_si(5, 2.6, 1.5)[0] == 0.0


def test_first_day_cases_are_imported_as_in_process_i():
    assert incidence_process([3, 4, 5]) == ((0, 4, 5), (3, 0, 0))
    assert incidence_process([3, 4, 5], [1, 2, 0]) == ((0, 4, 5), (4, 2, 0))


def test_estimate_exposes_what_epiestim_used():
    case = CASES[0]
    estimate = _estimate(case)
    local, _ = _incidence(case["incidence"])
    assert estimate.local[0] == 0 and estimate.imported[0] == local[0]
    assert len(estimate.si_distr) == len(local) + 1
    assert estimate.si_mean == pytest.approx(2.6, rel=1e-3)
    assert estimate.infectivity[0] is None


def test_reliable_means_at_least_twelve_local_cases():
    local = [0, 1, 1, 2, 1, 3, 2, 2, 1, 0, 0, 1, 3, 4, 5, 9, 12, 15]
    imported = [5] * len(local)  # imported cases do not count: they are not in the posterior's shape
    estimate = rt_estimate(local, imported, si_mean=2.6, si_sd=1.5)
    for w in estimate.windows:
        assert w.cases == sum(local[w.t_start - 1 : w.t_end])
        assert w.reliable is (w.cases >= RELIABLE_CASES)
    assert {w.reliable for w in estimate.windows} == {True, False}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"si_mean": 1.0}, SI_MEAN_ERROR),
        ({"si_mean": 0.5}, SI_MEAN_ERROR),
        ({"si_sd": 0.0}, SI_SD_ERROR),
        ({"si_sd": -1.0}, SI_SD_ERROR),
        ({"window": 1}, WINDOW_ERROR),
        ({"prior_mean": 0.0}, PRIOR_ERROR),
        ({"prior_sd": -5.0}, PRIOR_ERROR),
        ({"local": []}, EMPTY_ERROR),
        ({"local": [1, 2, -3, 4, 5, 6, 7, 8, 9]}, COUNT_ERROR.format(day=3, field="local", value=-3)),
        ({"local": [1, 2, 3, 4.5, 5, 6, 7, 8, 9]}, COUNT_ERROR.format(day=4, field="local", value=4.5)),
        ({"imported": [0] * 8 + [-1]}, COUNT_ERROR.format(day=9, field="imported", value=-1)),
        ({"imported": [0] * 5}, LENGTH_ERROR.format(imported=5, local=9)),
        ({"local": [1] * 7}, SHORT_ERROR.format(days=7, window=7, need=8)),
    ],
)
def test_refusals(kwargs, message):
    arguments = {"local": [1, 2, 3, 4, 5, 6, 7, 8, 9], "imported": None, "si_mean": 2.6, "si_sd": 1.5}
    arguments.update(kwargs)
    local, imported = arguments.pop("local"), arguments.pop("imported")
    with pytest.raises(RtError) as info:
        rt_estimate(local, imported, **arguments)
    assert str(info.value) == message


def test_refusal_texts():
    assert SI_MEAN_ERROR == (
        "the serial interval's mean must be > 1 day (EpiEstim: parametric_si requires mean_si > 1)"
    )
    assert SI_SD_ERROR == (
        "the serial interval's standard deviation must be > 0 (EpiEstim: parametric_si requires std_si > 0)"
    )
    with pytest.raises(RtError) as info:
        discr_si(10, 1.0, 1.0)
    assert str(info.value) == SI_MEAN_ERROR


def test_doubling_time_of_a_growing_epidemic():
    counts = [round(10 * 2 ** (t / 5)) for t in range(30)]
    result = doubling_time(counts)
    assert result.trend == "doubling"
    assert result.days == 14
    assert result.doubling == pytest.approx(5.0, rel=0.02)
    assert result.doubling_low < result.doubling < result.doubling_high
    assert result.halving is None
    assert result.rate_low < math.log(2) / 5 < result.rate_high


def test_halving_instead_of_a_negative_doubling_time():
    counts = [round(2000 * 0.5 ** (t / 7)) for t in range(21)]
    result = doubling_time(counts, days=21)
    assert result.trend == "halving"
    assert result.doubling is None
    assert result.halving == pytest.approx(7.0, rel=0.02)
    assert result.halving_low < result.halving < result.halving_high


def test_no_clear_trend_and_not_estimable():
    flat = doubling_time([20, 25, 18, 22, 19, 24, 21, 20, 23, 18, 22, 21, 19, 22])
    assert flat.trend == "no clear trend"
    assert flat.doubling is None and flat.halving is None
    assert flat.rate_low < 0.0 < flat.rate_high
    assert doubling_time([0] * 20).trend == "not estimable"
    assert doubling_time([0] * 19 + [7]).trend == "not estimable"  # one day with cases: r is unbounded
    assert doubling_time([1, 2]).trend == "not estimable"


def test_doubling_time_uses_the_last_days_only():
    counts = [1000 - 40 * t for t in range(20)] + [round(40 * 2 ** (t / 3)) for t in range(10)]
    result = doubling_time(counts, days=10)
    assert result.trend == "doubling"
    assert result.doubling == pytest.approx(3.0, rel=0.03)


def test_overdispersion_widens_the_interval():
    smooth = [round(100 * 1.05**t) for t in range(14)]
    noisy = [c * 2 if t % 2 else c for t, c in enumerate(smooth)]
    a, b = doubling_time(smooth), doubling_time(noisy)
    assert (b.rate_high - b.rate_low) > 3 * (a.rate_high - a.rate_low)


def test_doubling_time_refusals():
    with pytest.raises(RtError) as info:
        doubling_time([1, 2, 3], days=2)
    assert str(info.value) == DAYS_ERROR
    with pytest.raises(RtError) as info:
        doubling_time([])
    assert str(info.value) == EMPTY_ERROR
    with pytest.raises(RtError):
        doubling_time([1, -2, 3])


def _town_year() -> list[int]:
    # two waves of a few hundred cases a day with a weekly reporting rhythm
    return [
        round(20 + 400 * math.exp(-(((t - 120) / 40) ** 2)) + 250 * math.exp(-(((t - 280) / 30) ** 2)))
        * (1 if t % 7 else 0.6)
        for t in range(365)
    ]


def test_a_year_of_days_is_fast():
    local = [int(c) for c in _town_year()]
    best = math.inf
    for _ in range(5):
        started = time.perf_counter()
        estimate = rt_estimate(local, si_mean=5.2, si_sd=2.8)
        best = min(best, time.perf_counter() - started)
    assert len(estimate.windows) == 358
    assert best < 0.05


@pytest.mark.skipif(
    shutil.which("Rscript") is None, reason="R is not installed (the fixtures are the contract)"
)
def test_live_epiestim_agrees(tmp_path):
    check = subprocess.run(
        ["Rscript", "-e", "quit(status = if (requireNamespace('EpiEstim', quietly = TRUE)) 0 else 3)"],
        capture_output=True,
        check=False,
    )
    if check.returncode != 0:
        pytest.skip("EpiEstim is not installed")
    subprocess.run(
        ["Rscript", str(FIXTURES / "make_fixtures.R"), str(tmp_path)], capture_output=True, check=True
    )
    with (tmp_path / "cases.csv").open() as f:
        cases = list(csv.DictReader(f))
    assert [c["name"] for c in cases] == [c["name"] for c in CASES]
    for case in cases:
        with (tmp_path / f"{case['name']}_rt.csv").open() as f:
            fresh = list(csv.DictReader(f))
        local, _ = _incidence(case["incidence"])
        with (tmp_path / case["incidence"]).open() as f:
            assert [int(r["local"]) for r in csv.DictReader(f)] == local
        estimate = _estimate(case)
        assert _worst_error(estimate.windows, fresh) < RT_TOLERANCE
