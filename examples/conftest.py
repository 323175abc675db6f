"""Shared fixtures for the trading examples.

The presence of this file puts ``examples/`` on ``sys.path`` (pytest's default ``prepend`` import
mode), so the tests import the ``trading`` package directly. Expensive inputs such as one year of
1-minute candles are built once per session here, so no test ever times their generation.
"""

from __future__ import annotations

import numpy as np
import pytest

from trading import backtest, chart, indicators, triggers
from trading.data import DEFAULT_SEED, OHLCV, ONE_YEAR, generate_ohlcv
from trading.indicators import FloatArray
from trading.strategy import build_strategy


@pytest.fixture(scope="session")
def one_year_candles() -> OHLCV:
    """525,600 one-minute candles, the input of the 1-year backtest."""
    return generate_ohlcv(ONE_YEAR, seed=DEFAULT_SEED)


@pytest.fixture(scope="session")
def prices_100k() -> FloatArray:
    """100,000 closes, the input of the indicator workloads."""
    return generate_ohlcv(100_000, seed=7).close


@pytest.fixture(scope="session")
def warm_kernels() -> None:
    """Compile (or load from numba's cache) every kernel once, before anything is measured."""
    candles = generate_ohlcv(5_000, seed=1)
    indicators.standard_indicators(candles.close)
    triggers.cross_signals(candles.close, candles.open)
    triggers.naive_crosses(candles.close[:100], candles.open[:100])
    chart.downsample_minmax(candles.close, 100)
    result = backtest.run_backtest(build_strategy(), candles)
    if not np.isfinite(result.final_equity):
        raise RuntimeError("warm-up backtest produced a non-finite equity")
