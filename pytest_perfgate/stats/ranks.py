"""The Mann-Whitney U test with the standard library: exact (ties included) for small samples,
beyond them the normal approximation with the tie and continuity corrections."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from functools import lru_cache

#: Largest n1 * n2 for which p-values come from the exact distribution of U (samples without ties).
EXACT_LIMIT = 2500
#: The same for samples with ties, whose exact distribution depends on the tied values.
TIED_EXACT_LIMIT = 225


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


@lru_cache(maxsize=64)
def upper_tails(n1: int, n2: int) -> tuple[float, ...]:
    """P(U >= u) for u = 0 .. n1*n2 when both samples come from one distribution (no ties).

    The counts of U are the coefficients of the Gaussian binomial coefficient [n1 + n2, n1].
    """
    small, large = min(n1, n2), max(n1, n2)
    counts = [1]
    for i in range(1, small + 1):
        grown = [*counts, *([0] * (large + i))]
        for j in range(len(counts)):
            grown[j + large + i] -= counts[j]
        for j in range(i, len(grown)):
            grown[j] += grown[j - i]
        counts = grown[: i * large + 1]
    total = sum(counts)
    tails = []
    running = 0
    for count in reversed(counts):
        running += count
        tails.append(running / total)
    return tuple(reversed(tails))


def tied_upper_tail(x: Sequence[float], y: Sequence[float]) -> float:
    """P(U >= U observed) over every split of these very values into samples of these sizes.

    Counted group by group of equal values, in increasing order: taking k of a group of t into x
    adds k pairs above each y before the group and k (t - k) ties. U is kept doubled, an integer.
    """
    n1, n = len(x), len(x) + len(y)
    in_x = Counter(x)
    observed = placed = x_placed = 0
    states: dict[tuple[int, int], int] = {(0, 0): 1}
    done: Counter[int] = Counter()  # doubled U of the splits whose x is complete
    for value, size in sorted(Counter([*x, *y]).items()):
        taken = in_x[value]
        observed += 2 * taken * (placed - x_placed) + taken * (size - taken)
        after = n - placed - size
        grown: dict[tuple[int, int], int] = defaultdict(int)
        for (chosen, doubled_u), count in states.items():
            for k in range(max(0, n1 - chosen - after), min(size, n1 - chosen) + 1):
                key = (chosen + k, doubled_u + 2 * k * (placed - chosen) + k * (size - k))
                grown[key] += count * math.comb(size, k)
        for key in [key for key in grown if key[0] == n1]:
            done[key[1]] += grown.pop(key)
        states = grown
        placed += size
        x_placed += taken
    at_least = sum(count for doubled_u, count in done.items() if doubled_u >= observed)
    return at_least / math.comb(n, n1)


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
    if not ties and n1 * n2 <= EXACT_LIMIT:
        return upper_tails(n1, n2)[math.ceil(u)]
    if n1 * n2 <= TIED_EXACT_LIMIT:
        return tied_upper_tail(x, y)
    n = n1 + n2
    tie_term = sum(t**3 - t for t in ties) / (n * (n - 1))
    variance = n1 * n2 / 12 * ((n + 1) - tie_term)
    if variance <= 0:
        return 1.0  # every value equal: no evidence either way
    z = (u - n1 * n2 / 2 - 0.5) / math.sqrt(variance)
    return 0.5 * math.erfc(z / math.sqrt(2))


def smallest_p(n1: int, n2: int) -> float:
    """The smallest one-sided p-value samples of these sizes can reach (all x above all y)."""
    return 1 / math.comb(n1 + n2, n1)
