"""Order statistics of round times: quantiles and the summary every report shows."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

_QUANTILES = {"min": 0.0, "median": 0.5, "max": 1.0, "p90": 0.90, "p95": 0.95, "p99": 0.99}


def quantile(sorted_data: Sequence[float], q: float) -> float:
    """The q-quantile of already sorted data, interpolating linearly between order statistics."""
    if not sorted_data:
        raise ValueError("no data")
    position = q * (len(sorted_data) - 1)
    low = math.floor(position)
    high = math.ceil(position)
    fraction = position - low
    return sorted_data[low] + (sorted_data[high] - sorted_data[low]) * fraction


def statistic(data: Sequence[float], name: str) -> float:
    """``min``, ``median``, ``mean``, ``max``, ``p90``, ``p95`` or ``p99`` of the data."""
    if name == "mean":
        return statistics.fmean(data)
    return quantile(sorted(data), _QUANTILES[name])


def summary(data: Sequence[float]) -> dict[str, float]:
    """min, median, mean, max and (sample) standard deviation of the data."""
    ordered = sorted(data)
    return {
        "min": ordered[0],
        "median": quantile(ordered, 0.5),
        "mean": statistics.fmean(ordered),
        "max": ordered[-1],
        "stddev": statistics.stdev(ordered) if len(ordered) > 1 else 0.0,
    }


def sample(data: Sequence[float], limit: int) -> list[float]:
    """At most ``limit`` values (6 digits) that keep the distribution: all, or evenly spaced quantiles."""
    if len(data) > limit:
        ordered = sorted(data)
        data = [quantile(ordered, i / (limit - 1)) for i in range(limit)]
    return [float(f"{value:.6g}") for value in data]
