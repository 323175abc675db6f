"""Power-law fits: time ∝ n^k by least squares on logarithms, with a t-based interval for k."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .student import t_quantile


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
