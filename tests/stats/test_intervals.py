"""Confidence intervals: order-statistic intervals for quantiles, t for the mean, none for extremes."""

from __future__ import annotations

import math
import random
import statistics

import pytest

from pytest_perfgate.stats.intervals import (
    contains,
    has_interval,
    interval,
    is_bounded,
    is_finite,
    order_statistic_ranks,
    rounds_to_bound,
    t_quantile,
)


def _coverage(n: int, q: float, low: int | None, high: int | None) -> float:
    """P(X_(low) <= true quantile < X_(high)) = P(low <= Bin(n, q) <= high - 1), open sides unbounded."""
    first = 0 if low is None else low
    last = n if high is None else high - 1
    return sum(math.comb(n, k) * q**k * (1 - q) ** (n - k) for k in range(first, last + 1))


@pytest.mark.parametrize("q", [0.5, 0.9, 0.95, 0.99])
@pytest.mark.parametrize("n", [6, 7, 10, 25, 60, 200, 999])
def test_order_statistic_ranks_cover_at_least_95_percent(n: int, q: float) -> None:
    low, high = order_statistic_ranks(n, q)
    assert _coverage(n, q, low, high) >= 0.95 - 1e-9
    if low is not None and high is not None:
        assert 1 <= low < high <= n


def test_ranks_are_the_tightest_pair() -> None:
    n, q = 100, 0.5
    low, high = order_statistic_ranks(n, q)
    assert low is not None and high is not None

    def at_most(k: int) -> float:
        return sum(math.comb(n, i) * q**i * (1 - q) ** (n - i) for i in range(k + 1))

    # each tail is at most 2.5%, and one rank tighter would make it more
    assert at_most(low - 1) <= 0.025 < at_most(low)
    assert 1 - at_most(high - 1) <= 0.025 < 1 - at_most(high - 2)
    assert (low, high) == (40, 61)  # the textbook interval for the median of 100


def test_median_needs_six_rounds() -> None:
    assert order_statistic_ranks(5, 0.5) == (None, None)
    assert order_statistic_ranks(6, 0.5) == (1, 6)
    assert interval([3.0, 1.0, 2.0], "median") == (None, None)


def test_p99_with_few_rounds_has_only_a_lower_side() -> None:
    data = [float(i) for i in range(100)]
    low, high = interval(data, "p99") or (None, None)
    assert high is None
    assert low is not None and low > 90


def test_large_samples_use_the_normal_approximation_consistently() -> None:
    exact = order_statistic_ranks(1000, 0.5)
    approximate = order_statistic_ranks(1001, 0.5)
    assert exact[0] is not None and approximate[0] is not None
    assert abs(exact[0] - approximate[0]) <= 2


def test_median_interval_contains_the_sample_median() -> None:
    rng = random.Random(7)
    data = [rng.lognormvariate(0, 0.5) for _ in range(300)]
    low, high = interval(data, "median") or (None, None)
    assert low is not None and high is not None
    assert low <= statistics.median(data) <= high


@pytest.mark.parametrize(("df", "expected"), [(1, 12.706), (2, 4.303), (3, 3.182), (5, 2.571), (30, 2.042)])
def test_t_quantile_matches_tables(df: int, expected: float) -> None:
    assert t_quantile(0.975, df) == pytest.approx(expected, rel=2e-3)


def test_mean_interval_is_a_t_interval() -> None:
    data = [1.0, 2.0, 3.0, 4.0, 5.0]
    low, high = interval(data, "mean") or (None, None)
    half = t_quantile(0.975, 4) * statistics.stdev(data) / math.sqrt(5)
    assert low == pytest.approx(3 - half)
    assert high == pytest.approx(3 + half)
    assert interval([1.0], "mean") == (None, None)


def test_extremes_have_no_interval() -> None:
    assert not has_interval("min") and not has_interval("max")
    assert interval([1.0, 2.0, 3.0], "min") is None
    assert has_interval("median") and has_interval("p95") and has_interval("mean")


def test_contains_treats_open_sides_as_infinite() -> None:
    assert contains((None, None), 5.0)
    assert contains((1.0, None), 5.0) and not contains((6.0, None), 5.0)
    assert contains((None, 9.0), 5.0) and not contains((None, 4.0), 5.0)
    assert is_bounded((1.0, None)) and not is_bounded((None, None))
    assert is_finite((1.0, 2.0)) and not is_finite((1.0, None)) and not is_finite((None, 2.0))


@pytest.mark.parametrize(
    ("stat", "rounds"), [("median", 6), ("p90", 36), ("p95", 72), ("p99", 368), ("mean", 2)]
)
def test_rounds_to_bound_are_the_fewest_with_both_sides(stat: str, rounds: int) -> None:
    assert rounds_to_bound(stat) == rounds
    data = [float(value) for value in range(rounds)]
    assert is_finite(interval(data, stat) or (None, None))
    assert not is_finite(interval(data[:-1], stat) or (None, None))
    assert rounds_to_bound("min") is None and rounds_to_bound("max") is None


def test_bad_quantile_is_an_error() -> None:
    with pytest.raises(ValueError, match="strictly between"):
        order_statistic_ranks(10, 1.0)
