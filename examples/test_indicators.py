"""Indicators: the numba kernels against the plain references, edge cases and input checks."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from trading import indicators as ind
from trading.indicators import FloatArray


def assert_matches(actual: Any, expected: Any) -> None:
    """Equal within 1e-9 (relative or absolute), NaN in exactly the same places."""
    np.testing.assert_allclose(actual, expected, rtol=1e-9, atol=1e-9, equal_nan=True)


def gbm(n: int, seed: int = 0) -> FloatArray:
    rng = np.random.default_rng(seed)
    return 30_000.0 * np.exp(np.cumsum(rng.normal(0.0, 1e-3, n)))


# --------------------------------------------------------------------------------------------
# Against the references
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fast", "reference", "args"),
    [
        (ind.sma, ind.sma_reference, (20,)),
        (ind.sma, ind.sma_reference, (1_440,)),
        (ind.ema, ind.ema_reference, (50,)),
        (ind.rsi, ind.rsi_reference, (14,)),
        (ind.macd, ind.macd_reference, ()),
        (ind.bollinger, ind.bollinger_reference, (20, 2.0)),
    ],
    ids=["sma20", "sma1440", "ema50", "rsi14", "macd", "bollinger"],
)
def test_long_random_walk_matches_reference(
    fast: Callable[..., Any], reference: Callable[..., Any], args: tuple[Any, ...]
) -> None:
    x = gbm(200_000, seed=3)
    got, want = fast(x, *args), reference(x, *args)
    if isinstance(got, tuple):
        for g, w in zip(got, want, strict=True):
            assert_matches(g, w)
    else:
        assert_matches(got, want)


@pytest.mark.parametrize("period", [2, 20, 240, 1_440])
def test_bollinger_through_a_volatility_collapse(period: int) -> None:
    # wild swings, then a dead flat market, then a whisper of movement: the sliding variance
    # must fall from ~1e8 to exactly 0 and then follow tiny moves without residue
    rng = np.random.default_rng(period)
    wild = 30_000.0 + rng.normal(0.0, 10_000.0, 3_000)
    flat = np.full(3_000, 30_000.0)
    quiet = 30_000.0 + rng.normal(0.0, 1e-4, 3_000)
    x = np.concatenate([wild, flat, quiet])
    got, want = ind.bollinger(x, period), ind.bollinger_reference(x, period)
    for g, w in zip(got, want, strict=True):
        assert_matches(g, w)
    width = got.upper - got.middle
    assert_matches(width, want.upper - want.middle)
    assert np.abs(width[3_000 + period - 1 : 6_000]).max() <= 1e-9  # flat windows


def test_standard_indicators_are_the_five_with_usual_settings() -> None:
    x = gbm(5_000, seed=4)
    got = ind.standard_indicators(x)
    macd = ind.macd_reference(x)
    bands = ind.bollinger_reference(x, 20, 2.0)
    expected = {
        "sma_20": ind.sma_reference(x, 20),
        "ema_50": ind.ema_reference(x, 50),
        "rsi_14": ind.rsi_reference(x, 14),
        "macd": macd.line,
        "macd_signal": macd.signal,
        "macd_hist": macd.histogram,
        "bb_upper_20": bands.upper,
        "bb_middle_20": bands.middle,
        "bb_lower_20": bands.lower,
    }
    assert got.keys() == expected.keys()
    for name, want in expected.items():
        assert_matches(got[name], want)


# --------------------------------------------------------------------------------------------
# Hand-computed values
# --------------------------------------------------------------------------------------------


def test_sma_by_hand() -> None:
    assert_matches(ind.sma([1.0, 2.0, 3.0, 4.0, 5.0], 3), [np.nan, np.nan, 2.0, 3.0, 4.0])


def test_ema_by_hand_is_seeded_with_the_first_window_sma() -> None:
    # alpha = 2 / (3 + 1) = 0.5; seed = mean(1, 2, 3) = 2; then 0.5*4 + 0.5*2 = 3; 0.5*8 + 1.5 = 5.5
    assert_matches(ind.ema([1.0, 2.0, 3.0, 4.0, 8.0], 3), [np.nan, np.nan, 2.0, 3.0, 5.5])


def test_rsi_by_hand_uses_wilder_smoothing() -> None:
    # deltas +1 -1 +1 +1; first averages (gain .5, loss .5) -> 50,
    # then gain (.5*1 + 1)/2 = .75, loss .25 -> 75; gain .875, loss .125 -> 87.5
    assert_matches(ind.rsi([1.0, 2.0, 1.0, 2.0, 3.0], 2), [np.nan, np.nan, 50.0, 75.0, 87.5])


def test_bollinger_by_hand_uses_population_std() -> None:
    bands = ind.bollinger([1.0, 2.0, 3.0], 3, 2.0)
    width = 2.0 * np.sqrt(2.0 / 3.0)
    assert_matches(bands.middle, [np.nan, np.nan, 2.0])
    assert_matches(bands.upper, [np.nan, np.nan, 2.0 + width])
    assert_matches(bands.lower, [np.nan, np.nan, 2.0 - width])


def test_macd_histogram_is_line_minus_signal_and_warm_up_is_exact() -> None:
    x = gbm(300, seed=5)
    line, signal, hist = ind.macd(x, 12, 26, 9)
    assert np.isnan(line[:25]).all() and not np.isnan(line[25:]).any()
    assert np.isnan(signal[:33]).all() and not np.isnan(signal[33:]).any()
    assert_matches(hist, line - signal)
    assert_matches(line, ind.ema(x, 12) - ind.ema(x, 26))


# --------------------------------------------------------------------------------------------
# Edge inputs
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 13, 14])
def test_arrays_shorter_than_the_window_are_all_nan(n: int) -> None:
    x = gbm(n)
    assert np.isnan(ind.sma(x, 15)).all() and ind.sma(x, 15).shape == (n,)
    assert np.isnan(ind.ema(x, 15)).all()
    assert np.isnan(ind.rsi(x, 14)).all()  # the RSI needs period + 1 prices
    assert all(np.isnan(a).all() for a in ind.macd(x, 5, 15, 3))
    assert all(np.isnan(a).all() for a in ind.bollinger(x, 15))


def test_warm_up_length_is_exact() -> None:
    x = gbm(100)
    assert np.flatnonzero(~np.isnan(ind.sma(x, 10)))[0] == 9
    assert np.flatnonzero(~np.isnan(ind.ema(x, 10)))[0] == 9
    assert np.flatnonzero(~np.isnan(ind.rsi(x, 10)))[0] == 10
    assert np.flatnonzero(~np.isnan(ind.bollinger(x, 10).upper))[0] == 9


def test_constant_prices_are_defined_and_silent() -> None:
    x = np.full(200, 42_000.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sma, ema, rsi = ind.sma(x, 20), ind.ema(x, 20), ind.rsi(x, 14)
        macd = ind.macd(x)
        bands = ind.bollinger(x, 20)
        ref_rsi = ind.rsi_reference(x, 14)
    assert_matches(sma[19:], 42_000.5)
    assert_matches(ema[19:], 42_000.5)
    assert (rsi[14:] == ind.RSI_FLAT).all()
    assert_matches(ref_rsi, rsi)
    assert_matches(macd.line[25:], 0.0)
    assert_matches(macd.histogram[33:], 0.0)
    assert_matches(bands.upper[19:], bands.middle[19:])
    assert_matches(bands.lower[19:], bands.middle[19:])


def test_rsi_is_100_on_gains_only_and_0_on_losses_only() -> None:
    up = np.arange(1.0, 50.0)
    assert (ind.rsi(up, 14)[14:] == 100.0).all()
    assert (ind.rsi(up[::-1].copy(), 14)[14:] == 0.0).all()


def test_period_one_is_the_identity() -> None:
    x = gbm(50)
    assert_matches(ind.sma(x, 1), x)
    assert_matches(ind.ema(x, 1), x)
    assert_matches(ind.bollinger(x, 1).upper, x)


def test_inputs_are_neither_modified_nor_copied() -> None:
    x = gbm(1_000)
    before = x.copy()
    ind.standard_indicators(x)
    np.testing.assert_array_equal(x, before)
    assert np.shares_memory(ind.as_prices(x), x)


def test_lists_and_integers_are_accepted() -> None:
    assert_matches(ind.sma([1, 2, 3, 4], 2), [np.nan, 1.5, 2.5, 3.5])


# --------------------------------------------------------------------------------------------
# Rejected inputs
# --------------------------------------------------------------------------------------------

ALL_INDICATORS: list[Callable[[Any], Any]] = [
    lambda x: ind.sma(x, 3),
    lambda x: ind.ema(x, 3),
    lambda x: ind.rsi(x, 3),
    lambda x: ind.macd(x, 2, 3, 2),
    lambda x: ind.bollinger(x, 3),
    ind.standard_indicators,
    lambda x: ind.sma_reference(x, 3),
    lambda x: ind.rsi_reference(x, 3),
]


@pytest.mark.parametrize("compute", ALL_INDICATORS)
def test_nan_is_rejected_with_its_index(compute: Callable[[Any], Any]) -> None:
    x = gbm(10)
    x[6] = np.nan
    with pytest.raises(ValueError, match="contains NaN at index 6"):
        compute(x)


@pytest.mark.parametrize("compute", ALL_INDICATORS)
def test_infinity_is_rejected(compute: Callable[[Any], Any]) -> None:
    x = gbm(10)
    x[2] = -np.inf
    with pytest.raises(ValueError, match="infinite value at index 2"):
        compute(x)


def test_two_dimensional_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="one-dimensional"):
        ind.sma(np.ones((3, 3)), 2)


@pytest.mark.parametrize("period", [0, -1, -100])
@pytest.mark.parametrize(
    "compute",
    [ind.sma, ind.ema, ind.rsi, ind.bollinger, ind.sma_reference, ind.ema_reference],
)
def test_period_below_one_is_rejected(compute: Callable[[Any, int], Any], period: int) -> None:
    with pytest.raises(ValueError, match="period must be >= 1"):
        compute(gbm(30), period)


@pytest.mark.parametrize("period", [2.5, "14", True, None])
def test_non_integer_period_is_rejected(period: Any) -> None:
    with pytest.raises(TypeError, match="must be an integer"):
        ind.sma(gbm(30), period)


@pytest.mark.parametrize(
    ("fast", "slow", "signal", "message"),
    [
        (26, 12, 9, "must be shorter"),
        (12, 12, 9, "must be shorter"),
        (0, 26, 9, "fast must be >= 1"),
        (12, 26, 0, "signal must be >= 1"),
    ],
)
def test_bad_macd_periods_are_rejected(fast: int, slow: int, signal: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ind.macd(gbm(100), fast, slow, signal)


@pytest.mark.parametrize("num_std", [-1.0, np.nan, np.inf])
def test_bad_bollinger_width_is_rejected(num_std: float) -> None:
    with pytest.raises(ValueError, match="num_std"):
        ind.bollinger(gbm(100), 20, num_std)
