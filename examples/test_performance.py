"""Performance gates of the trading system, run with ``pytest -m performance examples``.

Each test names a row of pytest-perfgate's built-in targets table (``strategy_creation``,
``trigger_validation``, ``backtest_1year``, ``ui_response``, ``memory_usage``) or, for the checks
beyond one call, carries the bare ``performance`` marker and so the default memory budget. Inputs
come from session fixtures in ``conftest.py``, and ``warm_kernels`` compiles every numba kernel
first, so neither data generation nor compilation is ever timed.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from trading.backtest import backtest_workload, run_backtest, signals, simulate
from trading.chart import downsample_minmax
from trading.data import DEFAULT_SEED, OHLCV, ONE_YEAR
from trading.indicators import FloatArray, sma, standard_indicators
from trading.repository import StrategyRepository, save_batch, save_row_by_row
from trading.strategy import build_strategy, strategy_variants
from trading.triggers import CrossSignals, cross_signals, naive_crosses

# The ``perfgate`` fixture object of pytest-perfgate.
PerfGate = Any

# ------------------------------------------------------------------------------------------------
# One call, gated by a row of the targets table: perfgate(fn, *args) and perfgate.pedantic(...)
# ------------------------------------------------------------------------------------------------


@pytest.mark.performance("strategy_creation")
def test_strategy_creation(perfgate: PerfGate) -> None:
    strategy = perfgate(build_strategy)
    assert strategy.name == "trend-turn-240"
    assert len(strategy.entry.conditions) == 3 and len(strategy.exit.conditions) == 3


@pytest.mark.performance("trigger_validation")
def test_trigger_validation(perfgate: PerfGate) -> None:
    strategy = build_strategy()
    assert perfgate(strategy.validate) is strategy


@pytest.mark.performance("backtest_1year")
def test_backtest_one_year(perfgate: PerfGate, one_year_candles: OHLCV, warm_kernels: None) -> None:
    strategy = build_strategy()
    result = perfgate.pedantic(run_backtest, args=(strategy, one_year_candles), rounds=3, warmup_rounds=1)
    assert result.equity.shape == (ONE_YEAR,) == (525_600,)
    assert len(result.trades) > 50
    assert np.isfinite([result.total_return, result.max_drawdown, result.sharpe]).all()
    np.testing.assert_allclose(
        result.cash + result.position * one_year_candles.close, result.equity, rtol=1e-12
    )


@pytest.mark.performance("backtest_1year", time="50ms")
def test_backtest_kernel_one_year(perfgate: PerfGate, one_year_candles: OHLCV, warm_kernels: None) -> None:
    strategy = build_strategy()
    entry, exit_ = signals(strategy, one_year_candles)
    result = perfgate(
        simulate,
        one_year_candles,
        entry,
        exit_,
        position_fraction=strategy.position_fraction,
    )
    assert result.equity.shape == (ONE_YEAR,)
    assert len(result.trades) > 50


@pytest.mark.performance("ui_response")
def test_chart_of_one_year(perfgate: PerfGate, one_year_candles: OHLCV, warm_kernels: None) -> None:
    close = one_year_candles.close
    chart = perfgate(downsample_minmax, close)
    assert len(chart.bars) <= 1000
    assert chart.values.min() == close.min() and chart.values.max() == close.max()


@pytest.mark.performance("memory_usage", time="20ms")
def test_five_indicators_on_100k_points(
    perfgate: PerfGate, prices_100k: FloatArray, warm_kernels: None
) -> None:
    values = perfgate(standard_indicators, prices_100k)
    assert len(values) == 9
    assert all(v.shape == (100_000,) for v in values.values())
    assert not np.isnan(values["macd_signal"][33:]).any()


# ------------------------------------------------------------------------------------------------
# perfgate.compare(candidate, baseline, *args, min_speedup=None, max_memory_ratio=None, **kwargs)
# ------------------------------------------------------------------------------------------------


@pytest.mark.performance
def test_batch_save_beats_row_by_row(perfgate: PerfGate, tmp_path: Path) -> None:
    counter = itertools.count()

    def fresh_db() -> Path:
        # every call, of either function, writes into a database file of its own
        return tmp_path / f"strategies-{next(counter):04d}.sqlite"

    strategies = strategy_variants(500)
    perfgate.compare(save_batch, save_row_by_row, fresh_db, strategies, min_speedup=1.4)

    files = sorted(tmp_path.glob("strategies-*.sqlite"))
    assert len(files) >= 2
    for path in (files[0], files[-1]):
        with StrategyRepository(path) as repo:
            assert repo.count() == 500


# ------------------------------------------------------------------------------------------------
# perfgate.scaling(fn, sizes, make_input, max_exponent)
# ------------------------------------------------------------------------------------------------

LINEAR_SIZES = [25_000, 50_000, 100_000, 200_000, 400_000]
# The quadratic detector needs ~0.1 s at 16,000 bars; these sizes keep the whole fit near 0.2 s.
QUADRATIC_SIZES = [1_000, 2_000, 4_000, 8_000, 16_000]


def _cross_inputs(candles: OHLCV) -> tuple[FloatArray, FloatArray]:
    return sma(candles.close, 20), sma(candles.close, 50)


def _linear_crosses(pair: tuple[FloatArray, FloatArray]) -> CrossSignals:
    return cross_signals(*pair)


def _naive_crosses(pair: tuple[FloatArray, FloatArray]) -> CrossSignals:
    return naive_crosses(*pair)


@pytest.mark.performance
def test_indicators_scale_linearly(perfgate: PerfGate, one_year_candles: OHLCV, warm_kernels: None) -> None:
    close = one_year_candles.close

    def make_prices(n: int) -> FloatArray:
        return close[:n]

    perfgate.scaling(standard_indicators, LINEAR_SIZES, make_prices, max_exponent=1.2)


@pytest.mark.performance
def test_cross_detector_scales_linearly(
    perfgate: PerfGate, one_year_candles: OHLCV, warm_kernels: None
) -> None:
    fast, slow = _cross_inputs(one_year_candles)

    def make_pair(n: int) -> tuple[FloatArray, FloatArray]:
        return fast[:n], slow[:n]

    perfgate.scaling(_linear_crosses, LINEAR_SIZES, make_pair, max_exponent=1.2)


@pytest.mark.performance
@pytest.mark.xfail(
    strict=True,
    reason="naive_crosses rescans every previous bar at each bar: time grows as n^2, not n^1.2",
)
def test_naive_cross_detector_fails_the_linear_gate(
    perfgate: PerfGate, one_year_candles: OHLCV, warm_kernels: None
) -> None:
    fast, slow = _cross_inputs(one_year_candles)

    def make_pair(n: int) -> tuple[FloatArray, FloatArray]:
        return fast[:n], slow[:n]

    perfgate.scaling(_naive_crosses, QUADRATIC_SIZES, make_pair, max_exponent=1.2)


# ------------------------------------------------------------------------------------------------
# perfgate.concurrent(fn, *args, workers=5, max_slowdown=1.2, kind="thread"|"process", **kwargs)
# ------------------------------------------------------------------------------------------------


@pytest.mark.performance
def test_backtests_side_by_side(perfgate: PerfGate, warm_kernels: None) -> None:
    # backtest_workload (generate one year of candles, backtest the showcase strategy) is a
    # module-level function of the trading package, so worker processes can unpickle it.
    workers = min(5, os.cpu_count() or 1)
    perfgate.concurrent(
        backtest_workload, ONE_YEAR, DEFAULT_SEED, workers=workers, max_slowdown=1.2, kind="process"
    )


# ------------------------------------------------------------------------------------------------
# perfgate.leaks(fn, *args, calls=50, max_growth="1MB", **kwargs)
# ------------------------------------------------------------------------------------------------


@pytest.mark.performance
def test_repeated_backtests_do_not_leak(
    perfgate: PerfGate, one_year_candles: OHLCV, warm_kernels: None
) -> None:
    # 50 one-year backtests take a few seconds; each result is dropped before the next call.
    perfgate.leaks(run_backtest, build_strategy(), one_year_candles, calls=50, max_growth="1MB")
