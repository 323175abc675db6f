"""The Mann-Whitney U test, with the standard library: is one sample of round times slower than another?

Exact (the permutation distribution of U, counted by recursion) for small samples without ties;
otherwise the normal approximation with the tie correction and a continuity correction, which is
good from about ten rounds a side.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from functools import cache

_EXACT_CELLS = 400  # n1 * n2 up to which the exact distribution is counted


def _midranks(values: Sequence[float]) -> tuple[list[float], list[int]]:
    """Ranks (1-based, ties sharing their mean rank) and the sizes of the tied groups."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    ties = []
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        rank = (start + end) / 2 + 1
        for position in range(start, end + 1):
            ranks[order[position]] = rank
        if end > start:
            ties.append(end - start + 1)
        start = end + 1
    return ranks, ties


@cache
def _arrangements(n1: int, n2: int, u: int) -> int:
    """How many orderings of n1 x's and n2 y's have exactly ``u`` (x, y) pairs with x above y."""
    if u < 0 or u > n1 * n2:
        return 0
    if n1 == 0 or n2 == 0:
        return 1 if u == 0 else 0
    # The largest value is either an x (above all n2 y's) or a y.
    return _arrangements(n1 - 1, n2, u - n2) + _arrangements(n1, n2 - 1, u)


def u_statistic(x: Sequence[float], y: Sequence[float]) -> float:
    """U of x: the number of (x, y) pairs with x > y, ties counting one half."""
    ranks, _ = _midranks([*x, *y])
    return sum(ranks[: len(x)]) - len(x) * (len(x) + 1) / 2


def p_greater(x: Sequence[float], y: Sequence[float]) -> float:
    """One-sided p-value of the hypothesis that x's values tend to be larger than y's."""
    n1, n2 = len(x), len(y)
    if n1 == 0 or n2 == 0:
        raise ValueError("both samples need at least one value")
    ranks, ties = _midranks([*x, *y])
    u = sum(ranks[:n1]) - n1 * (n1 + 1) / 2
    if not ties and n1 * n2 <= _EXACT_CELLS:
        total = math.comb(n1 + n2, n1)
        at_least = sum(_arrangements(n1, n2, k) for k in range(math.ceil(u), n1 * n2 + 1))
        return at_least / total
    n = n1 + n2
    tie_term = sum(t**3 - t for t in ties) / (n * (n - 1))
    variance = n1 * n2 / 12 * ((n + 1) - tie_term)
    if variance <= 0:
        return 1.0  # every value equal: no evidence either way
    z = (u - n1 * n2 / 2 - 0.5) / math.sqrt(variance)
    return 1 - statistics.NormalDist().cdf(z)


def smallest_p(n1: int, n2: int) -> float:
    """The smallest one-sided p-value samples of these sizes can reach (all x above all y)."""
    return 1 / math.comb(n1 + n2, n1)
