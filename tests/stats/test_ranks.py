"""The Mann-Whitney U test: exact for small samples without ties, normal approximation beyond."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from pytest_perfgate.stats.ranks import (
    EXACT_LIMIT,
    p_greater,
    smallest_p,
    tied_upper_tail,
    u_statistic,
    upper_tails,
)


def test_u_counts_pairs_with_ties_as_half() -> None:
    assert u_statistic([3.0, 4.0], [1.0, 2.0]) == 4
    assert u_statistic([1.0, 2.0], [3.0, 4.0]) == 0
    assert u_statistic([2.0], [2.0]) == 0.5


def test_exact_p_when_every_x_is_above_every_y() -> None:
    x = [10.0, 11.0, 12.0, 13.0, 14.0]
    y = [1.0, 2.0, 3.0, 4.0, 5.0]
    assert p_greater(x, y) == pytest.approx(1 / math.comb(10, 5))
    assert p_greater(x, y) == pytest.approx(smallest_p(5, 5))
    assert p_greater(y, x) == pytest.approx(1.0)


def test_exact_distribution_sums_to_one_side_and_the_other() -> None:
    x = [1.0, 4.0, 6.0]
    y = [2.0, 3.0, 5.0, 7.0]
    # U of x is 5; the two one-sided p-values overlap in exactly P(U = 5)
    assert u_statistic(x, y) == 5
    orderings = list(itertools.combinations(range(7), 3))
    at_five = sum(1 for xs in orderings if sum(1 for i in xs for j in range(7) if j not in xs and i > j) == 5)
    assert p_greater(x, y) + p_greater(y, x) == pytest.approx(1 + at_five / len(orderings))


def test_normal_approximation_agrees_with_a_clear_shift() -> None:
    rng = random.Random(3)
    y = [rng.gauss(1.0, 0.05) for _ in range(50)]
    x = [rng.gauss(1.2, 0.05) for _ in range(50)]
    assert p_greater(x, y) < 1e-6
    assert p_greater(y, x) > 0.99


def test_same_distribution_is_not_significant() -> None:
    rng = random.Random(5)
    y = [rng.gauss(1.0, 0.1) for _ in range(40)]
    x = [rng.gauss(1.0, 0.1) for _ in range(40)]
    assert p_greater(x, y) > 0.01


def test_ties_use_the_tie_correction() -> None:
    x = [1.0] * 15 + [2.0] * 15
    y = [1.0] * 25 + [2.0] * 5
    assert p_greater(x, y) < 0.01
    assert p_greater([1.0] * 20, [1.0] * 20) == 1.0


def test_empty_sample_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one value"):
        p_greater([], [1.0])


def _brute_force_p(sample: list[float], other: list[float]) -> float:
    """P(U >= observed U) by enumerating every split of the pooled values."""
    pooled = sample + other

    def u(a: list[float], b: list[float]) -> float:
        return sum((x > y) + 0.5 * (x == y) for x in a for y in b)

    observed = u(sample, other)
    hits = total = 0
    for chosen in itertools.combinations(range(len(pooled)), len(sample)):
        rest = [pooled[i] for i in range(len(pooled)) if i not in chosen]
        total += 1
        hits += u([pooled[i] for i in chosen], rest) >= observed
    return hits / total


def test_mann_whitney_exact_matches_enumeration() -> None:
    rng = random.Random(7)
    for _ in range(60):
        sample = [rng.random() + 0.3 for _ in range(rng.randint(1, 5))]
        other = [rng.random() for _ in range(rng.randint(1, 6))]
        assert p_greater(sample, other) == pytest.approx(_brute_force_p(sample, other), abs=1e-12)


def test_mann_whitney_normal_approximation_is_close_to_exact() -> None:
    rng = random.Random(3)
    sample = [rng.gauss(0.4, 1) for _ in range(40)]
    other = [rng.gauss(0, 1) for _ in range(70)]
    assert len(sample) * len(other) > EXACT_LIMIT
    exact = upper_tails(len(sample), len(other))[math.ceil(u_statistic(sample, other))]
    assert p_greater(sample, other) == pytest.approx(exact, rel=0.1)
    assert p_greater(sample, sample) > 0.4


def test_exact_distribution_sums_to_one_and_is_symmetric() -> None:
    tails = upper_tails(4, 6)
    assert tails[0] == 1.0
    probabilities = [a - b for a, b in zip(tails, [*tails[1:], 0.0], strict=True)]
    assert sum(probabilities) == pytest.approx(1.0)
    assert probabilities == pytest.approx(probabilities[::-1])


def test_exact_distribution_with_ties_matches_enumeration() -> None:
    rng = random.Random(11)
    for _ in range(60):
        sample = [float(rng.randint(1, 4)) for _ in range(rng.randint(1, 5))]
        other = [float(rng.randint(1, 5)) for _ in range(rng.randint(1, 6))]
        assert tied_upper_tail(sample, other) == pytest.approx(_brute_force_p(sample, other), abs=1e-12)
        assert p_greater(sample, other) == pytest.approx(_brute_force_p(sample, other), abs=1e-12)


def test_one_value_above_a_flat_sample_is_not_significant() -> None:
    """Two values, one of them tied with all nineteen others: 2 of 21 splits reach that U."""
    assert p_greater([1.0, 1.2], [1.0] * 19) == pytest.approx(2 / 21)
