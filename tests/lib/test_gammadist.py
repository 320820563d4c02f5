"""Gamma CDF and quantile against R's pgamma/qgamma (tests/lib/epiestim/gamma_grid.csv), plus properties."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from epigrid.lib.gammadist import (
    PROBABILITY_ERROR,
    SCALE_ERROR,
    SHAPE_ERROR,
    X_ERROR,
    gamma_cdf,
    gamma_quantile,
    gamma_quantiles,
    gamma_sf,
)

FIXTURES = Path(__file__).parent / "epiestim"
# R's values are printed with 15 significant digits, so 5e-15 is the floor of any comparison.
QUANTILE_TOLERANCE = 1e-12
# The CDF's inputs are R's x rounded to 15 digits (up to 5e-15 relative). That moves P by
# |d ln P / d ln x| = x * density / P times as much, which the bound allows for.
CDF_TOLERANCE = 1e-12
X_ROUNDING = 5e-15


def _grid() -> list[dict[str, float]]:
    with (FIXTURES / "gamma_grid.csv").open() as f:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]


GRID = _grid()


def _relative(mine: float, ref: float) -> float:
    return abs(mine - ref) / abs(ref) if ref else abs(mine)


def test_quantiles_agree_with_qgamma():
    worst = max(_relative(gamma_quantile(row["p"], row["shape"]), row["quantile"]) for row in GRID)
    assert worst < QUANTILE_TOLERANCE


def test_quantiles_of_one_shape_together_agree_with_qgamma():
    by_shape: dict[float, list[dict[str, float]]] = {}
    for row in GRID:
        by_shape.setdefault(row["shape"], []).append(row)
    for shape, rows in by_shape.items():
        mine = gamma_quantiles([r["p"] for r in rows], shape, 2.5)
        for value, row in zip(mine, rows, strict=True):
            assert _relative(value, 2.5 * row["quantile"]) < QUANTILE_TOLERANCE


def _x_density(x: float, shape: float) -> float:
    return math.exp(shape * math.log(x) - x - math.lgamma(shape)) if x > 0.0 else 0.0


def _cdf_tolerance(x: float, shape: float, value: float) -> float:
    if value == 0.0:
        return 0.0
    return CDF_TOLERANCE + X_ROUNDING * _x_density(x, shape) / value


def test_cdf_and_sf_agree_with_pgamma():
    worst = 0.0
    for row in GRID:
        shape = row["shape"]
        for x, ref, function in (
            (row["x_low"], row["cdf_low"], gamma_cdf),
            (row["x_high"], row["cdf_high"], gamma_cdf),
            (row["x_high"], row["sf_high"], gamma_sf),
        ):
            error = _relative(function(x, shape), ref)
            assert error <= _cdf_tolerance(x, shape, ref), row
            if X_ROUNDING * _x_density(x, shape) / max(ref, 1e-300) < 1e-13:
                worst = max(worst, error)  # where R's rounded x does not dominate
    assert worst < CDF_TOLERANCE


def test_cdf_at_the_quantile_gives_the_probability_back():
    for row in GRID:
        if row["shape"] <= 1e5:  # beyond, x's last bit alone moves P by more than 1e-12
            p = gamma_cdf(gamma_quantile(row["p"], row["shape"]), row["shape"])
            assert _relative(p, row["p"]) < 1e-12


def test_scale_multiplies_the_quantile_and_divides_x():
    assert gamma_quantile(0.3, 4.2, 3.0) == pytest.approx(3.0 * gamma_quantile(0.3, 4.2), rel=1e-15)
    assert gamma_cdf(6.0, 4.2, 3.0) == pytest.approx(gamma_cdf(2.0, 4.2), rel=1e-15)


def test_edges():
    assert gamma_cdf(0.0, 2.0) == 0.0
    assert gamma_cdf(-1.0, 2.0) == 0.0
    assert gamma_cdf(math.inf, 2.0) == 1.0
    assert gamma_sf(0.0, 2.0) == 1.0
    assert gamma_quantile(0.0, 2.0) == 0.0
    assert gamma_quantile(1.0, 2.0) == math.inf
    # shape 1 is the exponential distribution
    assert gamma_cdf(1.5, 1.0) == pytest.approx(1.0 - math.exp(-1.5), rel=1e-15)
    assert gamma_quantile(0.5, 1.0) == pytest.approx(math.log(2.0), rel=1e-15)
    # below the smallest double the quantile is 0, as R's qgamma(1e-5, 0.01) is
    assert gamma_quantile(1e-5, 0.01) == 0.0
    assert gamma_quantile(1e-3, 0.01) == pytest.approx(5.66073814706188e-301, rel=1e-12)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: gamma_cdf(1.0, 0.0), SHAPE_ERROR),
        (lambda: gamma_cdf(1.0, -2.0), SHAPE_ERROR),
        (lambda: gamma_cdf(1.0, math.nan), SHAPE_ERROR),
        (lambda: gamma_cdf(1.0, math.inf), SHAPE_ERROR),
        (lambda: gamma_cdf(1.0, 2.0, 0.0), SCALE_ERROR),
        (lambda: gamma_sf(math.nan, 2.0), X_ERROR),
        (lambda: gamma_quantile(1.5, 2.0), PROBABILITY_ERROR),
        (lambda: gamma_quantile(math.nan, 2.0), PROBABILITY_ERROR),
        (lambda: gamma_quantiles([0.5, -0.1], 2.0), PROBABILITY_ERROR),
    ],
)
def test_refusals(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert str(info.value) == message


shapes = st.floats(min_value=0.01, max_value=1e7, allow_nan=False)
probabilities = st.floats(min_value=0.001, max_value=0.999, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(shape=shapes, p=probabilities)
def test_quantile_inverts_the_cdf(shape, p):
    x = gamma_quantile(p, shape)
    assert x > 0.0
    # |P(a, x) - p| is bounded by the density times x's rounding: p's relative error stays tiny
    density_x = math.exp(shape * math.log(x) - x - math.lgamma(shape))  # x times the density
    tolerance = 1e-12 * p + 4e-16 * density_x
    lower = gamma_cdf(x, shape)
    upper = gamma_sf(x, shape)
    if p <= 0.5:
        assert abs(lower - p) <= tolerance
    else:
        assert abs(upper - (1.0 - p)) <= tolerance + 1e-16


@settings(max_examples=200, deadline=None)
@given(shape=shapes, p=probabilities, q=probabilities)
def test_quantiles_are_monotone(shape, p, q):
    low, high = sorted((p, q))
    assert gamma_quantile(low, shape) <= gamma_quantile(high, shape)


@settings(max_examples=200, deadline=None)
@given(shape=shapes, ratio=st.floats(min_value=0.05, max_value=20.0))
def test_cdf_and_sf_add_up_to_one(shape, ratio):
    x = shape * ratio
    assert gamma_cdf(x, shape) + gamma_sf(x, shape) == pytest.approx(1.0, abs=4e-16)
