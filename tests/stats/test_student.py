"""Student's t distribution: its distribution function and quantiles against printed tables."""

from __future__ import annotations

import time

import pytest

from pytest_perfgate.stats.student import incomplete_beta, t_cdf, t_quantile

# Two-sided 95% and 99% critical values of Student's t, from printed tables.
T_TABLE = [
    (1, 12.706, 63.657),
    (2, 4.303, 9.925),
    (3, 3.182, 5.841),
    (5, 2.571, 4.032),
    (10, 2.228, 3.169),
    (30, 2.042, 2.750),
    (120, 1.980, 2.617),
]


@pytest.mark.parametrize(("df", "t95", "t99"), T_TABLE)
def test_t_quantile_matches_printed_tables(df: int, t95: float, t99: float) -> None:
    assert t_quantile(0.975, df) == pytest.approx(t95, abs=1e-3)
    assert t_quantile(0.995, df) == pytest.approx(t99, abs=1e-3)
    assert t_quantile(0.025, df) == pytest.approx(-t95, abs=1e-3)


def test_t_cdf_is_symmetric_and_tends_to_the_normal() -> None:
    assert t_cdf(0.0, 4) == pytest.approx(0.5)
    assert t_cdf(1.3, 7) + t_cdf(-1.3, 7) == pytest.approx(1.0)
    assert t_quantile(0.975, 10**6) == pytest.approx(1.95996, abs=1e-4)


def test_incomplete_beta_known_values() -> None:
    assert incomplete_beta(1, 1, 0.3) == pytest.approx(0.3)  # the uniform distribution
    assert incomplete_beta(2, 3, 0.4) == pytest.approx(0.5248)
    assert incomplete_beta(2, 3, 0.0) == 0.0
    assert incomplete_beta(2, 3, 1.0) == 1.0


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.5, 1.5])
def test_t_quantile_rejects_probabilities_outside_zero_one(bad: float) -> None:
    with pytest.raises(ValueError, match="p must lie strictly between 0 and 1"):
        t_quantile(bad, 3)


def test_t_quantile_rejects_non_positive_degrees_of_freedom() -> None:
    with pytest.raises(ValueError, match="degrees of freedom"):
        t_quantile(0.9, 0)


@pytest.mark.parametrize("df", [1, 2, 3, 4, 7.5, 19, 200])
@pytest.mark.parametrize("p", [0.5, 0.6, 0.9, 0.975, 0.995, 0.9999])
def test_t_quantile_inverts_the_distribution_function(df: float, p: float) -> None:
    assert t_cdf(t_quantile(p, df), df) == pytest.approx(p, abs=1e-10)


def test_t_quantile_is_fast_enough_for_every_interval() -> None:
    start = time.perf_counter()
    for df in range(3, 203):
        t_quantile(0.975, df)
    assert time.perf_counter() - start < 2.0
