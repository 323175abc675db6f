"""Power-law fits: time ∝ n^k by least squares on logarithms, with a t-based interval for k."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PowerFit:
    """``time ≈ coefficient * n ** exponent``, and the confidence interval of the exponent."""

    exponent: float
    coefficient: float
    stderr: float
    ci_low: float
    ci_high: float
    confidence: float
    points: int


def _continued_fraction(a: float, b: float, x: float) -> float:
    """Lentz's method for the continued fraction of the regularized incomplete beta function."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 300):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return result


def incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b) for 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _continued_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _continued_fraction(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t distribution with ``df`` degrees of freedom."""
    tail = 0.5 * incomplete_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The p-quantile of Student's t distribution (bisection on :func:`t_cdf`)."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must lie strictly between 0 and 1, not {p!r}")
    if df <= 0:
        raise ValueError(f"degrees of freedom must be positive, not {df!r}")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        high *= 2.0
    for _ in range(200):
        middle = (low + high) / 2.0
        if t_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
        if high - low < 1e-12 * max(1.0, high):
            break
    return (low + high) / 2.0


def fit_power_law(sizes: Sequence[float], times: Sequence[float], confidence: float = 0.95) -> PowerFit:
    """Fit ``log t = log c + k log n`` by ordinary least squares.

    The interval of k is ``k ± t(confidence, points - 2) * stderr(k)``; with two points (no degrees
    of freedom left) it is unbounded.
    """
    if len(sizes) != len(times):
        raise ValueError("sizes and times differ in length")
    if len(sizes) < 2:
        raise ValueError("a fit needs at least two points")
    if any(value <= 0 for value in (*sizes, *times)):
        raise ValueError("sizes and times must be positive to take logarithms")
    xs = [math.log(size) for size in sizes]
    ys = [math.log(time) for time in times]
    points = len(xs)
    mean_x = math.fsum(xs) / points
    mean_y = math.fsum(ys) / points
    sxx = math.fsum((x - mean_x) ** 2 for x in xs)
    if sxx == 0:
        raise ValueError("a fit needs at least two different sizes")
    sxy = math.fsum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    exponent = sxy / sxx
    intercept = mean_y - exponent * mean_x
    dof = points - 2
    if dof == 0:
        return PowerFit(exponent, math.exp(intercept), math.inf, -math.inf, math.inf, confidence, points)
    residual = math.fsum((y - intercept - exponent * x) ** 2 for x, y in zip(xs, ys, strict=True))
    stderr = math.sqrt(residual / dof / sxx)
    half_width = t_quantile(0.5 + confidence / 2.0, dof) * stderr
    return PowerFit(
        exponent=exponent,
        coefficient=math.exp(intercept),
        stderr=stderr,
        ci_low=exponent - half_width,
        ci_high=exponent + half_width,
        confidence=confidence,
        points=points,
    )


def local_exponents(sizes: Sequence[float], times: Sequence[float]) -> list[float]:
    """The slope of log t against log n between each size and the one before it."""
    return [
        math.log(times[i] / times[i - 1]) / math.log(sizes[i] / sizes[i - 1]) for i in range(1, len(sizes))
    ]
