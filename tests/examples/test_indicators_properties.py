"""Indicators on generated inputs: the numba kernels against the plain references, RSI bounds."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from trading import indicators as ind
from trading.indicators import FloatArray

PROPERTY = settings(deadline=None, max_examples=80)

prices_strategy = hnp.arrays(
    np.float64,
    st.integers(0, 120),
    elements=st.floats(1e-3, 1e6, allow_nan=False, allow_infinity=False),
)
signed_strategy = hnp.arrays(
    np.float64,
    st.integers(0, 120),
    elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
)
periods = st.integers(1, 40)


def assert_matches(actual: Any, expected: Any) -> None:
    """Equal within 1e-9 (relative or absolute), NaN in exactly the same places."""
    np.testing.assert_allclose(actual, expected, rtol=1e-9, atol=1e-9, equal_nan=True)


@PROPERTY
@given(x=signed_strategy, period=periods)
def test_sma_matches_reference(x: FloatArray, period: int) -> None:
    assert_matches(ind.sma(x, period), ind.sma_reference(x, period))


@PROPERTY
@given(x=signed_strategy, period=periods)
def test_ema_matches_reference(x: FloatArray, period: int) -> None:
    assert_matches(ind.ema(x, period), ind.ema_reference(x, period))


@PROPERTY
@given(x=prices_strategy, period=periods)
def test_rsi_matches_reference(x: FloatArray, period: int) -> None:
    assert_matches(ind.rsi(x, period), ind.rsi_reference(x, period))


@PROPERTY
@given(
    x=prices_strategy,
    fast=st.integers(1, 15),
    extra=st.integers(1, 20),
    signal=st.integers(1, 12),
)
def test_macd_matches_reference(x: FloatArray, fast: int, extra: int, signal: int) -> None:
    slow = fast + extra
    for got, want in zip(
        ind.macd(x, fast, slow, signal), ind.macd_reference(x, fast, slow, signal), strict=True
    ):
        assert_matches(got, want)


@PROPERTY
@given(x=prices_strategy, period=periods, num_std=st.floats(0.0, 4.0))
def test_bollinger_matches_reference(x: FloatArray, period: int, num_std: float) -> None:
    for got, want in zip(
        ind.bollinger(x, period, num_std), ind.bollinger_reference(x, period, num_std), strict=True
    ):
        assert_matches(got, want)


@PROPERTY
@given(x=prices_strategy, period=periods)
def test_rsi_stays_within_0_and_100(x: FloatArray, period: int) -> None:
    values = ind.rsi(x, period)
    defined = values[~np.isnan(values)]
    assert ((defined >= 0.0) & (defined <= 100.0)).all()
