"""Power-law fits."""

from __future__ import annotations

import math
import random

import pytest

from pytest_perfgate.stats.fit import fit_power_law, local_exponents


@pytest.mark.parametrize("exponent", [0.5, 1.0, 2.0, 3.0])
def test_exact_power_law_is_recovered(exponent: float) -> None:
    sizes = [100, 200, 400, 800, 1600]
    fit = fit_power_law(sizes, [3e-7 * n**exponent for n in sizes])
    assert fit.exponent == pytest.approx(exponent)
    assert fit.coefficient == pytest.approx(3e-7)
    assert fit.ci_high - fit.ci_low == pytest.approx(0.0, abs=1e-9)
    assert fit.points == 5


def test_interval_covers_the_true_exponent_of_noisy_data() -> None:
    generator = random.Random(7)
    sizes = [2**i for i in range(4, 12)]
    covered = 0
    for _ in range(200):
        times = [1e-6 * n**1.5 * math.exp(generator.gauss(0, 0.05)) for n in sizes]
        fit = fit_power_law(sizes, times, confidence=0.95)
        assert fit.ci_low < fit.exponent < fit.ci_high
        covered += fit.ci_low <= 1.5 <= fit.ci_high
    assert 180 <= covered <= 200  # about 95% of 200


def test_fewer_points_give_a_wider_interval() -> None:
    generator = random.Random(3)
    sizes = [2**i for i in range(4, 12)]
    times = [1e-6 * n * math.exp(generator.gauss(0, 0.1)) for n in sizes]
    wide = fit_power_law(sizes[:3], times[:3])
    narrow = fit_power_law(sizes, times)
    assert wide.ci_high - wide.ci_low > narrow.ci_high - narrow.ci_low


def test_two_points_have_an_unbounded_interval() -> None:
    fit = fit_power_law([10, 20], [1.0, 4.0])
    assert fit.exponent == pytest.approx(2.0)
    assert math.isinf(fit.ci_low) and math.isinf(fit.ci_high)


@pytest.mark.parametrize(
    ("sizes", "times", "message"),
    [
        ([1, 2], [1.0], "differ in length"),
        ([1], [1.0], "at least two points"),
        ([0, 2, 3], [1.0, 2.0, 3.0], "positive"),
        ([1, 2, 3], [1.0, -2.0, 3.0], "positive"),
        ([5, 5, 5], [1.0, 2.0, 3.0], "two different sizes"),
    ],
)
def test_bad_fit_input_is_a_clear_error(sizes: list[float], times: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fit_power_law(sizes, times)


def test_local_exponents_between_neighbouring_sizes() -> None:
    assert local_exponents([10, 20, 40], [1.0, 2.0, 8.0]) == pytest.approx([1.0, 2.0])
