"""95% confidence intervals of the statistic compared with a time budget.

Order statistics for quantiles, Student's t for the mean, none for min and max (see the internals page)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from .student import t_quantile

LEVEL = 0.95
_QUANTILES = {"median": 0.5, "p90": 0.90, "p95": 0.95, "p99": 0.99}
_EXACT_LIMIT = 1000

Interval = tuple[float | None, float | None]


def has_interval(stat: str) -> bool:
    """Whether the statistic has a confidence interval at all (``min`` and ``max`` have none)."""
    return stat == "mean" or stat in _QUANTILES


def _log_binomial_pmf(n: int, k: int, q: float) -> float:
    return (
        math.lgamma(n + 1)
        - math.lgamma(k + 1)
        - math.lgamma(n - k + 1)
        + k * math.log(q)
        + (n - k) * math.log1p(-q)
    )


def order_statistic_ranks(n: int, q: float, level: float = LEVEL) -> tuple[int | None, int | None]:
    """1-based ranks ``(l, u)`` of the sorted sample bounding the q-quantile with the given confidence.

    ``l`` is None when even the smallest value is not low enough (the lower side is open), ``u`` is
    None when even the largest is not high enough.
    """
    if not 0 < q < 1:
        raise ValueError(f"quantile {q!r} must lie strictly between 0 and 1")
    tail = (1 - level) / 2
    if n > _EXACT_LIMIT:
        z = statistics.NormalDist().inv_cdf(1 - tail)
        spread = z * math.sqrt(n * q * (1 - q))
        lowest = math.floor(n * q - spread)
        highest = math.ceil(n * q + spread) + 1
        return (lowest if lowest >= 1 else None), (highest if highest <= n else None)
    cdf = 0.0
    cumulative = []  # cumulative[k] = P(Bin(n, q) <= k)
    for k in range(n + 1):
        cdf += math.exp(_log_binomial_pmf(n, k, q))
        cumulative.append(min(cdf, 1.0))
    # l: the largest rank with P(B <= l - 1) <= tail; u: the smallest with P(B >= u) <= tail.
    low: int | None = None
    for rank in range(1, n + 1):
        if cumulative[rank - 1] <= tail:
            low = rank
        else:
            break
    high: int | None = None
    for rank in range(n, 0, -1):
        if 1 - cumulative[rank - 1] <= tail:
            high = rank
        else:
            break
    return low, high


def interval(data: Sequence[float], stat: str, level: float = LEVEL) -> Interval | None:
    """The confidence interval of ``stat`` over ``data``; None when the statistic has none.

    A side is None where there are too few rounds to bound it.
    """
    if not has_interval(stat):
        return None
    n = len(data)
    if stat == "mean":
        if n < 2:
            return None, None
        mean = statistics.fmean(data)
        half = t_quantile(1 - (1 - level) / 2, n - 1) * statistics.stdev(data) / math.sqrt(n)
        return mean - half, mean + half
    if n == 0:
        return None, None
    ordered = sorted(data)
    low, high = order_statistic_ranks(n, _QUANTILES[stat], level)
    return (
        None if low is None else ordered[low - 1],
        None if high is None else ordered[high - 1],
    )


def contains(bounds: Interval, value: float) -> bool:
    """Whether ``value`` lies inside the interval (an open side reaches to infinity)."""
    low, high = bounds
    return (low is None or low <= value) and (high is None or value <= high)


def is_bounded(bounds: Interval) -> bool:
    """Whether at least one side of the interval is known."""
    return bounds[0] is not None or bounds[1] is not None


def is_finite(bounds: Interval) -> bool:
    """Whether both sides of the interval are known (an open side means: too few rounds yet)."""
    return bounds[0] is not None and bounds[1] is not None


def rounds_to_bound(stat: str, level: float = LEVEL) -> int | None:
    """The fewest rounds for which the statistic's interval has both sides; None for min and max.

    A quantile q needs ``q**n`` and ``(1 - q)**n`` within the tail: 6 for the median, 368 for p99.
    """
    if stat == "mean":
        return 2
    if stat not in _QUANTILES:
        return None
    q = _QUANTILES[stat]
    n = max(1, math.floor(math.log((1 - level) / 2) / math.log(max(q, 1 - q))))
    while not all(rank is not None for rank in order_statistic_ranks(n, q, level)):
        n += 1
    return n
