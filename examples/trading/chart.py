"""Chart data for the UI: a long series reduced to at most ``max_points`` points.

The series is cut into ``max_points // 2`` buckets of (nearly) equal length; each bucket keeps its
minimum and its maximum, in time order. Spikes and dips therefore survive downsampling, which a
plain stride or a bucket mean would smooth away. NaN values (an indicator's warm-up) are skipped.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from numba import njit

from trading.indicators import FloatArray

DEFAULT_MAX_POINTS = 1000
IntArray = npt.NDArray[np.int64]


class ChartSeries(NamedTuple):
    """Bar numbers (strictly increasing) and the values at those bars."""

    bars: IntArray
    values: FloatArray


@njit(cache=True)
def _minmax_kernel(values: FloatArray, buckets: int) -> IntArray:
    n = values.shape[0]
    keep = np.empty(2 * buckets, dtype=np.int64)
    count = 0
    for b in range(buckets):
        lo = b * n // buckets
        hi = (b + 1) * n // buckets
        i_min = -1
        i_max = -1
        for i in range(lo, hi):
            v = values[i]
            if np.isnan(v):
                continue
            if i_min < 0 or v < values[i_min]:
                i_min = i
            if i_max < 0 or v > values[i_max]:
                i_max = i
        if i_min < 0:
            continue
        first = min(i_min, i_max)
        second = max(i_min, i_max)
        keep[count] = first
        count += 1
        if second != first:
            keep[count] = second
            count += 1
    return keep[:count]


def downsample_minmax(values: npt.ArrayLike, max_points: int = DEFAULT_MAX_POINTS) -> ChartSeries:
    """At most ``max_points`` points of ``values`` keeping each bucket's extremes, in time order.

    A series no longer than ``max_points`` is returned whole (without its NaN values).
    """
    if isinstance(max_points, bool) or not isinstance(max_points, (int, np.integer)):
        raise TypeError(f"max_points must be an integer, got {max_points!r}")
    if max_points < 2:
        raise ValueError(f"max_points must be >= 2, got {max_points}")
    x = np.ascontiguousarray(values, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"values must be one-dimensional, got shape {x.shape}")
    bars: IntArray
    if x.size <= max_points:
        bars = np.flatnonzero(~np.isnan(x)).astype(np.int64)
    else:
        bars = _minmax_kernel(x, int(max_points) // 2)
    return ChartSeries(bars, x[bars])
