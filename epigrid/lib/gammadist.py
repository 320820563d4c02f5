"""The gamma distribution's CDF and quantile in pure Python, for Cori's Rt posteriors.

The effective reproduction number's posterior is a gamma distribution whose shape is the prior's
shape plus every local case in a week's window: from 1 for a quiet town to millions for a
province. The dashboard needs its quantiles per request, so this module gives the regularized
incomplete gamma functions P(a, x) and Q(a, x) = 1 - P(a, x) and their inverse in plain Python
(stdlib ``math`` only), accurate to about 1e-13 relative over shapes 1e-2 .. 1e7 and probabilities
1e-3 .. 0.999 (the tests measure it against R's ``pgamma`` and ``qgamma``).

Methods, chosen by the shape ``a`` and the distance of ``x`` from ``a``:

* small shapes, or ``x`` far from ``a``: the power series of P (``x < a + 1``) or Legendre's
  continued fraction for Q (``x >= a + 1``, evaluated by the modified Lentz method); the factor
  ``x**a * exp(-x) / Gamma(a)`` is computed as ``exp(-a * phi(x / a))`` times Stirling's
  correction, with ``phi(l) = l - 1 - ln l``, so that no digits are lost to ``a * ln x`` when
  ``a`` is large;
* large shapes near the centre (``a >= 10`` and ``|eta| <= 1``): Temme's uniform asymptotic
  expansion ``Q = erfc(eta * sqrt(a / 2)) / 2 + exp(-a * eta**2 / 2) / sqrt(2 pi a) * S / Gamma*(a)``
  with ``eta**2 / 2 = phi(x / a)``. The coefficient functions of ``S`` are Taylor series in
  ``eta``, derived at import time from the mathematics: ``mu = x / a - 1`` solves
  ``mu * mu' = eta * (1 + mu)``, ``f = eta / mu``, and repeated integration by parts of
  ``int exp(-a z**2 / 2) f(z) dz`` gives ``b_0 = (f - 1) / eta`` and
  ``b_(k+1) = (b_k' - b_k'(0)) / eta``. Its cost does not grow with ``a``, unlike the series.

Quantiles invert these by Halley's method: in ``eta`` for large shapes (starting from the normal
quantile, ``x = a * (1 + mu(eta))`` at the end), in ``ln x`` otherwise (starting from
Wilson-Hilferty, or from ``x ~ (p * Gamma(a + 1)) ** (1 / a)`` for small shapes), with a
bracket that falls back to bisection if a step overshoots.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import lru_cache

SHAPE_ERROR = "the gamma shape must be a finite number > 0"
SCALE_ERROR = "the gamma scale must be a finite number > 0"
PROBABILITY_ERROR = "the probability must be a number between 0 and 1"
X_ERROR = "x must be a number (not NaN)"

_TEMME_MIN_SHAPE = 10.0
_TEMME_MAX_ETA = 1.0
# Radius used to pick how many eta powers a sum needs: the series converge for |eta| < 2 sqrt(pi) = 3.54
# and their coefficients are below 1.3 * 3.54**-n.
_ETA_RADIUS = 3.5
_ORDERS = 34  # powers of eta kept in each coefficient series (enough for |eta| <= 1 to 1e-17)
_TERMS = 18  # powers of 1/a kept (enough for a >= 10)
_EPS = 1e-17
_LN_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_SQRT_PI = math.sqrt(math.pi)
_MAX_ITERATIONS = 100_000
_LN_TINY = math.log(5e-324)  # the smallest positive double, subnormal


def _temme_tables() -> tuple[list[float], list[float], list[list[float]]]:
    """Taylor coefficients (in eta) of mu(eta), f(eta) = eta / mu(eta) and b_0 .. b_(_TERMS - 1)."""
    total = _ORDERS + 2 * _TERMS + 3
    # mu = sum m[n] eta**n; from mu mu' = eta (1 + mu):
    # (n + 1) m_n = m_(n-1) - sum_(i=2..n-1) (n+1-i) m_i m_(n+1-i)
    m = [0.0, 1.0]
    for n in range(2, total + 2):
        acc = m[n - 1]
        for i in range(2, n):
            acc -= (n + 1 - i) * m[i] * m[n + 1 - i]
        m.append(acc / (n + 1))
    ratio = m[1:]  # mu / eta
    f = [1.0]
    for n in range(1, total):
        f.append(-math.fsum(ratio[j] * f[n - j] for j in range(1, n + 1)))
    b = f[1:]  # (f - 1) / eta
    tables = [b[: _ORDERS + 1]]
    for _ in range(1, _TERMS):
        # b' without its constant term, divided by eta: coefficient n is (n + 2) b[n + 2]
        b = [(n + 2) * b[n + 2] for n in range(len(b) - 2)]
        tables.append(b[: _ORDERS + 1])
    return m[: _ORDERS + 2], f[: _ORDERS + 2], tables


_MU, _F, _B = _temme_tables()
_DF = [(n + 1) * _F[n + 1] for n in range(len(_F) - 1)]

# Stirling's series for ln Gamma*(a) = ln Gamma(a) - (a - 1/2) ln a + a - ln sqrt(2 pi):
# sum_k B_2k / (2k (2k-1) a^(2k-1))
_STIRLING = (
    1.0 / 12.0,
    -1.0 / 360.0,
    1.0 / 1260.0,
    -1.0 / 1680.0,
    1.0 / 1188.0,
    -691.0 / 360360.0,
    1.0 / 156.0,
    -3617.0 / 122400.0,
)


def _log_gamma_star(a: float) -> float:
    """ln Gamma*(a), Gamma(a) = sqrt(2 pi / a) a**a exp(-a) Gamma*(a), without cancellation for large a."""
    if a < 10.0:
        return math.lgamma(a) - (a - 0.5) * math.log(a) + a - _LN_SQRT_2PI
    inv = 1.0 / a
    inv2 = inv * inv
    acc = 0.0
    for c in reversed(_STIRLING):
        acc = acc * inv2 + c
    return acc * inv


def _log1pmx(mu: float) -> float:
    """ln(1 + mu) - mu, accurate also when mu is small."""
    if abs(mu) > 0.25:
        return math.log1p(mu) - mu
    # -(mu^2/2 - mu^3/3 + mu^4/4 - ...)
    term = mu * mu
    acc = 0.0
    n = 2
    while True:
        piece = term / n
        acc += piece
        if abs(piece) <= 1e-18 * abs(acc):
            break
        term *= -mu
        n += 1
    return -acc


def _degree(eta: float) -> int:
    """How many eta powers a coefficient series needs at this eta (at most _ORDERS)."""
    size = abs(eta)
    if size < 1e-300:
        return 1
    ratio = size / _ETA_RADIUS
    return min(_ORDERS, max(2, int(math.log(_EPS) / math.log(ratio)) + 2))


def _horner(coefficients: list[float], x: float, degree: int) -> float:
    acc = 0.0
    for i in range(degree, -1, -1):
        acc = acc * x + coefficients[i]
    return acc


class _Temme:
    """Per-shape part of Temme's expansion: the coefficients of S(eta) = sum_k b_k(eta) a**-k."""

    __slots__ = ("a", "norm", "powers", "root", "s")

    def __init__(self, a: float) -> None:
        self.a = a
        inv = 1.0 / a
        powers = [1.0]  # a**-k for the terms that matter at this shape
        while len(powers) < _TERMS and abs(_B[len(powers)][0]) * powers[-1] * inv > 1e-18:
            powers.append(powers[-1] * inv)
        self.powers = powers
        self.s: list[float] = []
        self.root = math.sqrt(0.5 * a)
        # exp(-a eta^2 / 2) / sqrt(2 pi a) / Gamma*(a), without the exponential
        self.norm = math.exp(-_log_gamma_star(a)) / math.sqrt(2.0 * math.pi * a)

    def series(self, degree: int) -> list[float]:
        """The coefficients of S up to eta**degree (computed when first needed: large shapes need few)."""
        s = self.s
        for n in range(len(s), degree + 1):
            s.append(math.fsum(_B[k][n] * power for k, power in enumerate(self.powers)))
        return s

    def remainder(self, eta: float) -> float:
        """R in Q = erfc(eta sqrt(a/2)) / 2 + R and P = erfc(-eta sqrt(a/2)) / 2 - R."""
        return (
            math.exp(-0.5 * self.a * eta * eta) * self.norm * _horner(self.series(_ORDERS), eta, _degree(eta))
        )

    def lower_upper(self, eta: float) -> tuple[float, float]:
        r = self.remainder(eta)
        z = eta * self.root
        return 0.5 * math.erfc(-z) - r, 0.5 * math.erfc(z) + r


@lru_cache(maxsize=4096)
def _temme(a: float) -> _Temme:
    return _Temme(a)


def _log_prefactor(a: float, x: float) -> float:
    """ln(x**a exp(-x) / Gamma(a)), careful for large a."""
    if a < 10.0:
        return a * math.log(x) - x - math.lgamma(a)
    mu = (x - a) / a
    return a * _log1pmx(mu) + 0.5 * math.log(a) - _LN_SQRT_2PI - _log_gamma_star(a)


def _series_lower(a: float, x: float) -> float:
    """P(a, x) = x^a e^-x / Gamma(a + 1) * sum_n x^n / ((a + 1) ... (a + n)), for x < a + 1."""
    term = 1.0
    acc = 1.0
    denominator = a
    for _ in range(_MAX_ITERATIONS):
        denominator += 1.0
        term *= x / denominator
        acc += term
        if term <= acc * 1e-17:
            break
    return math.exp(_log_prefactor(a, x)) * acc / a


def _fraction_upper(a: float, x: float) -> float:
    """Q(a, x) by Legendre's continued fraction (modified Lentz), for x >= a + 1."""
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, _MAX_ITERATIONS):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < tiny:
            d = tiny
        c = b + an / c
        if abs(c) < tiny:
            c = tiny
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) <= 1e-16:
            break
    return math.exp(_log_prefactor(a, x)) * h


def _lower_upper(a: float, x: float) -> tuple[float, float]:
    """(P(a, x), Q(a, x)) for a > 0, x >= 0, each to full relative accuracy where it is not tiny."""
    if x <= 0.0:
        return 0.0, 1.0
    if math.isinf(x):
        return 1.0, 0.0
    if a >= _TEMME_MIN_SHAPE:
        mu = (x - a) / a
        eta2 = -2.0 * _log1pmx(mu)
        eta = math.copysign(math.sqrt(max(eta2, 0.0)), mu)
        if abs(eta) <= _TEMME_MAX_ETA:
            return _temme(a).lower_upper(eta)
    if x < a + 1.0:
        lower = _series_lower(a, x)
        return lower, 1.0 - lower
    upper = _fraction_upper(a, x)
    return 1.0 - upper, upper


def _check_shape_scale(shape: float, scale: float) -> None:
    if not (shape > 0.0 and math.isfinite(shape)):
        raise ValueError(SHAPE_ERROR)
    if not (scale > 0.0 and math.isfinite(scale)):
        raise ValueError(SCALE_ERROR)


def gamma_cdf(x: float, shape: float, scale: float = 1.0) -> float:
    """P(X <= x) for X ~ Gamma(shape, scale): the regularized lower incomplete gamma P(shape, x / scale)."""
    _check_shape_scale(shape, scale)
    if math.isnan(x):
        raise ValueError(X_ERROR)
    return _lower_upper(shape, x / scale)[0]


def gamma_sf(x: float, shape: float, scale: float = 1.0) -> float:
    """P(X > x) = Q(shape, x / scale), accurate also when it is tiny (no 1 - P cancellation)."""
    _check_shape_scale(shape, scale)
    if math.isnan(x):
        raise ValueError(X_ERROR)
    return _lower_upper(shape, x / scale)[1]


@lru_cache(maxsize=256)
def _half_erfc_inverse(q: float) -> float:
    """z with erfc(z) / 2 = q, for 0 < q < 1 (z = -Phi^-1(q) / sqrt 2)."""
    small = min(q, 1.0 - q)
    # Abramowitz & Stegun 26.2.23 as a start (error < 4.5e-4), then Halley steps on erfc.
    t = math.sqrt(-2.0 * math.log(small))
    x = t - (2.515517 + t * (0.802853 + t * 0.010328)) / (
        1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308))
    )
    z = x / math.sqrt(2.0) if q < 0.5 else -x / math.sqrt(2.0)
    for _ in range(6):
        g = 0.5 * math.erfc(z) - q
        ratio = g / (-math.exp(-z * z) / _SQRT_PI)  # g / g'
        step = ratio / (1.0 + z * ratio)  # Halley, g'' / g' = -2 z
        z -= step
        if abs(step) <= 1e-16 * max(1.0, abs(z)):
            break
    return z


def _quantile_temme(p: float, a: float) -> float | None:
    """Quantile of Gamma(a, 1) by Halley's method in eta; None if eta leaves the expansion's range."""
    temme = _temme(a)
    lower_side = p <= 0.5
    target = p if lower_side else 1.0 - p
    root = temme.root
    eta = -_half_erfc_inverse(p) / root
    if abs(eta) > _TEMME_MAX_ETA:
        return None
    # Temme's first-order inversion: eta = eta0 + ln f(eta0) / (a eta0) + O(a**-2), with
    # f = 1 + eta b_0(eta), so that the log needs no division by a tiny eta0.
    b0 = _horner(_B[0], eta, _degree(abs(eta) + 1.0 / a))
    eta += (math.log1p(eta * b0) / eta if eta else b0) / a
    degree = min(_ORDERS, _degree(abs(eta) + 1.0 / a) + 2)  # eta moves far less than 1 / a from here on
    s_coefficients, norm, half_a = temme.series(degree), temme.norm, 0.5 * a
    terms = list(zip(s_coefficients[degree::-1], _F[degree::-1], _DF[degree::-1], strict=True))
    for _ in range(40):
        series = f = df = 0.0
        for cs, cf, cdf in terms:  # S(eta), f(eta) and f'(eta) by one Horner pass
            series = series * eta + cs
            f = f * eta + cf
            df = df * eta + cdf
        gauss = math.exp(-half_a * eta * eta) * norm
        z = eta * root
        if lower_side:
            value = 0.5 * math.erfc(-z) - gauss * series - target
            slope = a * gauss * f  # dP/deta = sqrt(a / 2 pi) exp(-a eta^2 / 2) f(eta) / Gamma*(a)
        else:
            value = 0.5 * math.erfc(z) + gauss * series - target
            slope = -a * gauss * f
        ratio = value / slope
        step = ratio / (1.0 - 0.5 * ratio * (df / f - a * eta))  # Halley; F''/F' = f'/f - a eta
        eta -= step
        # In units of the distribution's width 1 / root, F is close to the normal CDF and Halley's
        # error after a step e is about (u**2 / 12 + 1 / 6) e**3 at u = eta * root: after a step
        # below 1e-5 widths what is left is below 1e-15 widths, under 1e-15 of x.
        if abs(step) * root <= 1e-5 or abs(eta) > _TEMME_MAX_ETA:
            break
    if abs(eta) > _TEMME_MAX_ETA:
        return None
    return a * (1.0 + _horner(_MU, eta, degree + 1))


def _quantile_start(p: float, a: float) -> float:
    """A starting ln x for the quantile: Wilson-Hilferty, or the small-x power law for small shapes."""
    small = (math.log(p) + math.lgamma(a + 1.0)) / a
    if a < 1.0 and p < 0.9:
        return small
    z = -math.sqrt(2.0) * _half_erfc_inverse(p)  # Phi^-1(p)
    c = 1.0 / (9.0 * a)
    cube = 1.0 - c + z * math.sqrt(c)
    if cube <= 0.0:
        return small
    guess = math.log(a) + 3.0 * math.log(cube)
    return min(guess, small) if p < 0.5 and a < 2.0 else guess


def _quantile_general(p: float, a: float) -> float:
    """Quantile of Gamma(a, 1) by Halley's method in u = ln x, safeguarded by a bracket."""
    lower_side = p <= 0.5
    target = p if lower_side else 1.0 - p
    if (math.log(p) + math.lgamma(a + 1.0)) / a < _LN_TINY:
        # P(a, x) ~ x**a / Gamma(a + 1) for tiny x: the quantile is below the smallest double (R: 0)
        return 0.0
    u = _quantile_start(p, a)
    low, high = -math.inf, math.inf
    lgamma_a = math.lgamma(a)
    for _ in range(200):
        x = math.exp(u)
        lower, upper = _lower_upper(a, x)
        value = (lower - target) if lower_side else (target - upper)  # increasing in u either way
        if value > 0.0:
            high = min(high, u)
        elif value < 0.0:
            low = max(low, u)
        else:
            return x
        # dP/du = x * density = exp(a ln x - x - ln Gamma(a)); d2P/du2 = dP/du * (a - x)
        if a < 10.0:
            slope = math.exp(a * u - x - lgamma_a)
        else:
            slope = math.exp(_log_prefactor(a, x))
        if slope > 0.0 and math.isfinite(slope):
            ratio = value / slope
            step = ratio / (1.0 - 0.5 * ratio * (a - x))
            step = max(-5.0, min(5.0, step)) if math.isfinite(step) else 5.0 * math.copysign(1.0, ratio)
        else:
            step = 5.0 if value < 0.0 else -5.0
        new = u - step
        if abs(step) <= 1e-16 * max(1.0, abs(u)) or (abs(step) <= 1e-6 and low < new < high):
            # cubic convergence: after a Halley step this small the error left is below 1e-17
            return math.exp(new)
        if not (low < new < high):
            if math.isfinite(low) and math.isfinite(high):
                new = 0.5 * (low + high)
            else:
                new = u + (5.0 if value < 0.0 else -5.0)
        if math.isfinite(low) and math.isfinite(high) and high - low <= 4e-16 * max(1.0, abs(u)):
            return math.exp(new)
        u = new
    return math.exp(u)


def _quantile(p: float, a: float) -> float:
    if p <= 0.0:
        return 0.0
    if p >= 1.0:
        return math.inf
    if a >= _TEMME_MIN_SHAPE:
        x = _quantile_temme(p, a)
        if x is not None:
            return x
    return _quantile_general(p, a)


def gamma_quantile(p: float, shape: float, scale: float = 1.0) -> float:
    """The x with P(X <= x) = p for X ~ Gamma(shape, scale) (R's ``qgamma(p, shape, scale = scale)``)."""
    _check_shape_scale(shape, scale)
    if not 0.0 <= p <= 1.0:
        raise ValueError(PROBABILITY_ERROR)
    return scale * _quantile(p, shape)


def gamma_quantiles(ps: Iterable[float], shape: float, scale: float = 1.0) -> tuple[float, ...]:
    """Several quantiles of one gamma distribution (the per-shape work is shared)."""
    _check_shape_scale(shape, scale)
    values = tuple(ps)
    if any(not 0.0 <= p <= 1.0 for p in values):
        raise ValueError(PROBABILITY_ERROR)
    return tuple(scale * _quantile(p, shape) for p in values)
