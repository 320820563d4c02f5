"""The effective reproduction number Rt (Cori et al. 2013) and the epidemic's doubling time.

``rt_estimate`` reproduces R's EpiEstim 2.2-4 ``estimate_R(incid, method = "parametric_si",
config = make_config(mean_si = ..., std_si = ...))`` number for number (the tests compare it with
fixtures written by EpiEstim itself), so that the command dashboard shows what an epidemiologist
would compute by hand:

* the serial interval is EpiEstim's ``discr_si``: a gamma distribution of mean ``si_mean - 1`` and
  standard deviation ``si_sd``, shifted by one day and discretised by linear interpolation, so
  that the weight of day 0 is 0;
* the first day's cases are all imported (EpiEstim's ``process_I``): without an imported column
  they become imported, with one any local cases of day 1 are moved to it;
* the infectivity ``Lambda_t = sum_s w_s I_(t-s)`` counts local and imported cases, the numerator
  only local ones; with a Gamma(shape ``(prior_mean / prior_sd)**2``, scale
  ``prior_sd**2 / prior_mean``) prior the posterior of R over a window is Gamma(shape +
  local cases, 1 / (1 / scale + sum Lambda)), summarised by its mean, standard deviation and
  quantiles;
* windows are EpiEstim's default sliding ones (``t_start = 2 .. T - window + 1``, 1-based days);
  a window that ends on or before the discretised serial interval's mean gets no estimate (NA in
  EpiEstim, ``None`` here).

``reliable`` marks windows with at least 12 local cases. The posterior's coefficient of variation
is ``1 / sqrt(prior shape + local cases)``, and Cori et al. ask for a CV below 0.3: 12 cases reach
it whatever the prior (``1 / sqrt(12) = 0.289``, ``1 / sqrt(11) = 0.302``). EpiEstim itself only
warns, for the first window, when local plus imported cases fall below
``ceiling(1 / 0.3**2 - prior shape)`` (11 with the default prior); since imported cases do not
enter the posterior's shape, counting local cases is the faithful reading of that rule.

``doubling_time`` fits a Poisson log-linear model ``E[cases_t] = exp(alpha + r t)`` to the last
``days`` days by iteratively reweighted least squares. Its 95 % interval for the growth rate r is
Wald's, with the standard error scaled up by the quasi-Poisson dispersion (Pearson chi-square over
degrees of freedom) when daily counts vary more than Poisson; reported counts usually do. The
doubling time is ``ln 2 / r`` with the interval ``ln 2 / r_high .. ln 2 / r_low``; when the whole
interval is below 0 it reports a halving time instead, and when it contains 0 it says there is
no clear trend rather than giving an infinite or negative doubling time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from epigrid.lib.gammadist import gamma_cdf, gamma_quantiles

SI_MEAN_ERROR = "the serial interval's mean must be > 1 day (EpiEstim: parametric_si requires mean_si > 1)"
SI_SD_ERROR = (
    "the serial interval's standard deviation must be > 0 (EpiEstim: parametric_si requires std_si > 0)"
)
WINDOW_ERROR = "the window must be a whole number of at least 2 days"
PRIOR_ERROR = "the prior's mean and standard deviation must be > 0"
EMPTY_ERROR = "the incidence series is empty"
SHORT_ERROR = "{days} days of incidence are too few for a {window}-day window: at least {need} are needed"
COUNT_ERROR = "day {day}: {field} cases must be a whole number >= 0, not {value!r}"
LENGTH_ERROR = "the imported series has {imported} days but the local series has {local}"
DAYS_ERROR = "the doubling time needs a fit over at least 3 days"

PROBABILITIES = (0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975)
RELIABLE_CASES = 12

Trend = Literal["doubling", "halving", "no clear trend", "not estimable"]


class RtError(ValueError):
    """Input that EpiEstim would refuse, with a message for the analyst."""


@dataclass(frozen=True, slots=True)
class RtWindow:
    """One window's posterior of R; the statistics are None where EpiEstim gives NA."""

    t_start: int
    t_end: int
    mean: float | None
    std: float | None
    q025: float | None
    q05: float | None
    q25: float | None
    median: float | None
    q75: float | None
    q95: float | None
    q975: float | None
    cases: int  # local cases in the window (those that enter the posterior's shape)
    reliable: bool  # at least RELIABLE_CASES local cases: posterior CV below 0.3


@dataclass(frozen=True, slots=True)
class RtEstimate:
    """Every window's estimate, with the series and serial interval as EpiEstim used them."""

    windows: tuple[RtWindow, ...]
    local: tuple[int, ...]  # after the first-day rule: day 1's cases are imported
    imported: tuple[int, ...]
    si_distr: tuple[float, ...]  # w_0 .. w_T (EpiEstim's si_distr, padded with a 0)
    si_mean: float  # mean and sd of the discretised serial interval (EpiEstim's SI.Moments)
    si_sd: float
    infectivity: tuple[float | None, ...]  # Lambda_t, None for day 1


@dataclass(frozen=True, slots=True)
class DoublingTime:
    """Growth over the last ``days`` days; the times are None unless the trend gives them."""

    days: int
    trend: Trend
    rate: float | None  # growth rate r per day
    rate_low: float | None  # 95 % interval of r
    rate_high: float | None
    doubling: float | None  # ln 2 / r in days, when the whole interval of r is above 0
    doubling_low: float | None
    doubling_high: float | None
    halving: float | None  # ln 2 / -r in days, when the whole interval of r is below 0
    halving_low: float | None
    halving_high: float | None


def _check_si(mean: float, sd: float) -> None:
    if not (mean > 1.0 and math.isfinite(mean)):
        raise RtError(SI_MEAN_ERROR)
    if not (sd > 0.0 and math.isfinite(sd)):
        raise RtError(SI_SD_ERROR)


def discr_si(days: int, mean: float, sd: float) -> tuple[float, ...]:
    """EpiEstim's ``discr_si(0:(days - 1), mean, sd)``: the discretised, one-day-shifted gamma SI.

    With F the CDF of Gamma(shape ((mean - 1) / sd)**2, scale sd**2 / (mean - 1)) and F1 that of
    the shape plus one, ``w_k = k F(k) + (k-2) F(k-2) - 2 (k-1) F(k-1) + shape * scale * (2 F1(k-1)
    - F1(k-2) - F1(k))``, clipped at 0, with F(x) = 0 for x < 0. This is the exact distribution of
    a gamma variable plus one rounded by linear interpolation between integers.
    """
    _check_si(mean, sd)
    return _discr_si(days, mean, sd)


@lru_cache(maxsize=256)
def _discr_si(days: int, mean: float, sd: float) -> tuple[float, ...]:
    shape = ((mean - 1.0) / sd) ** 2
    scale = sd * sd / (mean - 1.0)
    ab = shape * scale
    cdf: list[float] = []
    cdf1: list[float] = []
    weights: list[float] = []
    for k in range(days):
        if len(cdf) >= 2 and cdf[-2] == 1.0 and cdf1[-2] == 1.0:
            # F and F1 are 1 at k - 2 and beyond, so every later weight is exactly 0, as in R.
            weights.extend([0.0] * (days - k))
            break
        cdf.append(gamma_cdf(k, shape, scale))
        cdf1.append(gamma_cdf(k, shape + 1.0, scale))
        f0, f1, f2 = cdf[k], cdf[k - 1] if k >= 1 else 0.0, cdf[k - 2] if k >= 2 else 0.0
        g0, g1, g2 = cdf1[k], cdf1[k - 1] if k >= 1 else 0.0, cdf1[k - 2] if k >= 2 else 0.0
        w = k * f0 + (k - 2) * f2 - 2 * (k - 1) * f1
        w = w + ab * (2 * g1 - g2 - g0)
        weights.append(max(0.0, w))
    return tuple(weights)


def _counts(values: Sequence[int], field: str) -> list[int]:
    out: list[int] = []
    for i, value in enumerate(values, start=1):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise RtError(COUNT_ERROR.format(day=i, field=field, value=value))
        out.append(value)
    return out


def incidence_process(
    local: Sequence[int], imported: Sequence[int] | None = None
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """EpiEstim's ``process_I``: check the counts and make every case of day 1 an imported one."""
    local_counts = _counts(local, "local")
    if not local_counts:
        raise RtError(EMPTY_ERROR)
    if imported is None:
        imported_counts = [0] * len(local_counts)
    else:
        imported_counts = _counts(imported, "imported")
        if len(imported_counts) != len(local_counts):
            raise RtError(LENGTH_ERROR.format(imported=len(imported_counts), local=len(local_counts)))
    imported_counts[0] += local_counts[0]
    local_counts[0] = 0
    return tuple(local_counts), tuple(imported_counts)


def infectivity(total: Sequence[int], si_distr: Sequence[float]) -> tuple[float | None, ...]:
    """EpiEstim's ``overall_infectivity``: Lambda_t = sum_(s=0..t-1) w_s I_(t-s) for t = 2 .. T."""
    support = len(si_distr)
    while support and si_distr[support - 1] == 0.0:
        support -= 1
    weights = list(si_distr[:support])
    reversed_total = list(reversed(total))
    n = len(total)
    out: list[float | None] = [None]
    for t in range(1, n):
        # days t, t-1, ..., t-k+1 (0-based) weighted by w_0 .. w_(k-1)
        k = min(t + 1, support)
        start = n - 1 - t
        out.append(math.sumprod(weights[:k], reversed_total[start : start + k]) if k else 0.0)
    return tuple(out)


@lru_cache(maxsize=16384)
def _standard_quantiles(shape: float) -> tuple[float, ...]:
    """The posterior's quantiles for scale 1, kept: with the default prior shapes are 1 + a count,
    and a dashboard asks for the same ones again and again (a district and its towns, every request)."""
    return gamma_quantiles(PROBABILITIES, shape)


def _window_without_estimate(t_start: int, t_end: int, cases: int) -> RtWindow:
    return RtWindow(
        t_start=t_start,
        t_end=t_end,
        mean=None,
        std=None,
        q025=None,
        q05=None,
        q25=None,
        median=None,
        q75=None,
        q95=None,
        q975=None,
        cases=cases,
        reliable=False,
    )


def rt_estimate(
    local: Sequence[int],
    imported: Sequence[int] | None = None,
    *,
    si_mean: float,
    si_sd: float,
    window: int = 7,
    prior_mean: float = 5.0,
    prior_sd: float = 5.0,
) -> RtEstimate:
    """Cori's Rt over EpiEstim's default sliding windows, as ``estimate_R(method = "parametric_si")``."""
    _check_si(si_mean, si_sd)
    if isinstance(window, bool) or not isinstance(window, int) or window < 2:
        raise RtError(WINDOW_ERROR)
    if not (prior_mean > 0.0 and prior_sd > 0.0 and math.isfinite(prior_mean) and math.isfinite(prior_sd)):
        raise RtError(PRIOR_ERROR)
    local_counts, imported_counts = incidence_process(local, imported)
    days = len(local_counts)
    if days < window + 1:
        raise RtError(SHORT_ERROR.format(days=days, window=window, need=window + 1))
    si = (*discr_si(days, si_mean, si_sd), 0.0)
    si_mean_discrete = math.fsum(k * w for k, w in enumerate(si))
    si_sd_discrete = math.sqrt(math.fsum(k * k * w for k, w in enumerate(si)) - si_mean_discrete**2)
    total = [a + b for a, b in zip(local_counts, imported_counts, strict=True)]
    lam = infectivity(total, si)
    prior_shape = (prior_mean / prior_sd) ** 2
    prior_rate = prior_mean / prior_sd**2  # 1 / EpiEstim's b_prior
    lam_values = [value or 0.0 for value in lam]
    cum_local = [0]  # cum_local[i]: local cases on 0-based days 0 .. i - 1
    for count in local_counts:
        cum_local.append(cum_local[-1] + count)
    windows: list[RtWindow] = []
    for t_start in range(2, days - window + 2):
        t_end = t_start + window - 1
        cases = cum_local[t_end] - cum_local[t_start - 1]
        reliable = cases >= RELIABLE_CASES
        if t_end <= si_mean_discrete:
            windows.append(_window_without_estimate(t_start, t_end, cases))
            continue
        lambda_sum = math.fsum(lam_values[t_start - 1 : t_end])
        shape = prior_shape + cases
        scale = 1.0 / (prior_rate + lambda_sum)
        q = [scale * value for value in _standard_quantiles(shape)]
        windows.append(
            RtWindow(
                t_start=t_start,
                t_end=t_end,
                mean=shape * scale,
                std=math.sqrt(shape) * scale,
                q025=q[0],
                q05=q[1],
                q25=q[2],
                median=q[3],
                q75=q[4],
                q95=q[5],
                q975=q[6],
                cases=cases,
                reliable=reliable,
            )
        )
    return RtEstimate(
        windows=tuple(windows),
        local=local_counts,
        imported=imported_counts,
        si_distr=si,
        si_mean=si_mean_discrete,
        si_sd=si_sd_discrete,
        infectivity=lam,
    )


_Z95 = 1.959963984540054  # the standard normal's 0.975 quantile


def _poisson_loglinear(counts: Sequence[int]) -> tuple[float, float] | None:
    """(r, standard error of r) of log E[y_t] = alpha + r t by IRLS; None if the fit has no finite optimum."""
    n = len(counts)
    if sum(1 for c in counts if c > 0) < 2:
        return None  # all zero, or a single day with cases: r would run off to +-infinity
    centre = (n - 1) / 2.0
    ts = [i - centre for i in range(n)]
    alpha = math.log(sum(counts) / n)
    r = 0.0
    for _ in range(100):
        mus = [math.exp(alpha + r * t) for t in ts]
        # weighted least squares of the working response z = eta + (y - mu) / mu with weights mu
        sw = math.fsum(mus)
        swt = math.fsum(m * t for m, t in zip(mus, ts, strict=True))
        swtt = math.fsum(m * t * t for m, t in zip(mus, ts, strict=True))
        score_alpha = math.fsum(y - m for y, m in zip(counts, mus, strict=True))
        score_r = math.fsum((y - m) * t for y, m, t in zip(counts, mus, ts, strict=True))
        det = sw * swtt - swt * swt
        if det <= 0.0 or not math.isfinite(det):
            return None
        d_alpha = (swtt * score_alpha - swt * score_r) / det
        d_r = (sw * score_r - swt * score_alpha) / det
        alpha += d_alpha
        r += d_r
        if abs(d_r) < 1e-12 and abs(d_alpha) < 1e-12:
            break
    else:
        return None
    mus = [math.exp(alpha + r * t) for t in ts]
    sw = math.fsum(mus)
    swt = math.fsum(m * t for m, t in zip(mus, ts, strict=True))
    swtt = math.fsum(m * t * t for m, t in zip(mus, ts, strict=True))
    information = swtt - swt * swt / sw  # of r, alpha profiled out
    pearson = math.fsum((y - m) ** 2 / m for y, m in zip(counts, mus, strict=True))
    dispersion = max(1.0, pearson / (n - 2)) if n > 2 else 1.0
    return r, math.sqrt(dispersion / information)


def doubling_time(counts: Sequence[int], *, days: int = 14) -> DoublingTime:
    """Doubling (or halving) time of daily counts over the last ``days`` days, with a 95 % interval."""
    if isinstance(days, bool) or not isinstance(days, int) or days < 3:
        raise RtError(DAYS_ERROR)
    values = _counts(counts, "daily")
    if not values:
        raise RtError(EMPTY_ERROR)
    tail = values[-days:]
    none = DoublingTime(len(tail), "not estimable", None, None, None, None, None, None, None, None, None)
    if len(tail) < 3:
        return none
    fit = _poisson_loglinear(tail)
    if fit is None:
        return none
    r, se = fit
    low, high = r - _Z95 * se, r + _Z95 * se
    ln2 = math.log(2.0)
    if low > 0.0:
        return DoublingTime(
            len(tail), "doubling", r, low, high, ln2 / r, ln2 / high, ln2 / low, None, None, None
        )
    if high < 0.0:
        return DoublingTime(
            len(tail), "halving", r, low, high, None, None, None, ln2 / -r, ln2 / -low, ln2 / -high
        )
    return DoublingTime(len(tail), "no clear trend", r, low, high, None, None, None, None, None, None)
