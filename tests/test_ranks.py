"""The Mann-Whitney U test: exact for small samples, normal approximation with ties beyond."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from pytest_perfgate.stats.ranks import p_greater, smallest_p, u_statistic


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
