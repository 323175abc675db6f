"""Backtest: hand-checked accounting on tiny markets, then invariants on a real year."""

from __future__ import annotations

import numpy as np
import pytest

from trading import indicators as ind
from trading import triggers as tr
from trading.backtest import (
    BacktestResult,
    Trade,
    backtest_workload,
    compute_variables,
    max_drawdown,
    run_backtest,
    sharpe_ratio,
    signals,
    simulate,
)
from trading.data import OHLCV, generate_ohlcv
from trading.strategy import (
    Strategy,
    StrategyError,
    build_strategy,
    rsi_rebound_strategy,
    sma_cross_strategy,
)

OPEN = [100.0, 100.0, 100.0, 105.0, 120.0, 118.0]
CLOSE = [100.0, 100.0, 105.0, 120.0, 118.0, 119.0]


def market(open_: list[float] = OPEN, close: list[float] = CLOSE) -> OHLCV:
    o, c = np.array(open_), np.array(close)
    return OHLCV.from_arrays(o, np.maximum(o, c) + 1.0, np.minimum(o, c) - 1.0, c)


def flags(n: int, *bars: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[list(bars)] = True
    return out


def no_costs(candles: OHLCV, entry: np.ndarray, exit: np.ndarray, **kw: float) -> BacktestResult:
    return simulate(candles, entry, exit, fee_bps=0.0, slippage_bps=0.0, **kw)


def assert_books_balance(r: BacktestResult, close: np.ndarray) -> None:
    np.testing.assert_allclose(r.cash + r.position * close, r.equity, rtol=1e-12)


# --------------------------------------------------------------------------------------------
# Hand-checked accounting
# --------------------------------------------------------------------------------------------


def test_round_trip_without_costs() -> None:
    c = market()
    # signal at bar 1's close -> buy at bar 2's open (100); signal at bar 3 -> sell at bar 4's (120)
    r = no_costs(c, flags(6, 1), flags(6, 3), initial_cash=1_000.0)
    assert r.cash.tolist() == [1000.0, 1000.0, 0.0, 0.0, 1200.0, 1200.0]
    assert r.position.tolist() == [0.0, 0.0, 10.0, 10.0, 0.0, 0.0]
    assert r.equity.tolist() == [1000.0, 1000.0, 1050.0, 1200.0, 1200.0, 1200.0]
    assert r.trades.records() == [Trade(2, 4, 100.0, 120.0, 10.0, 200.0)]
    assert r.total_return == pytest.approx(0.2)
    assert r.max_drawdown == 0.0
    assert r.open_entry_bar == -1
    assert_books_balance(r, c.close)


def test_fees_and_slippage_are_applied_as_documented() -> None:
    c = market()
    r = simulate(
        c,
        flags(6, 1),
        flags(6, 3),
        position_fraction=0.5,
        fee_bps=10.0,
        slippage_bps=5.0,
        initial_cash=10_000.0,
    )
    # buy fill 100 * 1.0005; budget 5000 includes the 0.1% fee; sell fill 120 * 0.9995, less 0.1%
    buy, sell = 100.05, 119.94
    qty = 5_000.0 / 1.001 / buy
    received = qty * sell * 0.999
    assert qty == pytest.approx(49.925087406, rel=1e-9)
    assert received == pytest.approx(5_982.026968534, rel=1e-9)
    (trade,) = r.trades.records()
    assert trade.entry_bar == 2 and trade.exit_bar == 4
    assert trade.entry_price == pytest.approx(buy, rel=1e-12)
    assert trade.exit_price == pytest.approx(sell, rel=1e-12)
    assert trade.qty == pytest.approx(qty, rel=1e-12)
    assert trade.pnl == pytest.approx(received - 5_000.0, rel=1e-12)
    after = 5_000.0 + received
    np.testing.assert_allclose(r.cash, [10_000.0, 10_000.0, 5_000.0, 5_000.0, after, after])
    # marked at the close right after the buy: 5000 cash + qty * 105, below 10,500 by the costs
    assert r.equity[2] == pytest.approx(5_000.0 + qty * 105.0, rel=1e-12)
    assert r.final_equity == pytest.approx(10_982.026968534, rel=1e-9)
    assert_books_balance(r, c.close)


def test_no_signal_no_trade() -> None:
    c = market()
    r = simulate(c, flags(6), flags(6))
    assert len(r.trades) == 0
    assert (r.equity == 10_000.0).all() and (r.position == 0.0).all()
    assert r.total_return == 0.0 and r.max_drawdown == 0.0 and r.sharpe == 0.0


def test_position_open_at_the_end_is_marked_to_market() -> None:
    c = market()
    r = no_costs(c, flags(6, 3), flags(6), initial_cash=1_200.0)
    # bought at bar 4's open (120): 10 units, marked at the last close 119
    assert len(r.trades) == 0
    assert r.open_entry_bar == 4
    assert r.position[-1] == 10.0 and r.cash[-1] == 0.0
    assert r.final_equity == 1_190.0
    assert r.total_return == pytest.approx(-10.0 / 1_200.0)
    assert r.max_drawdown == pytest.approx(1.0 - 1_180.0 / 1_200.0)


def test_signal_on_the_last_bar_is_never_filled() -> None:
    r = simulate(market(), flags(6, 5), flags(6))
    assert (r.position == 0.0).all() and len(r.trades) == 0


def test_entry_and_exit_on_the_same_bar_do_not_enter() -> None:
    r = simulate(market(), flags(6, 1), flags(6, 1))
    assert (r.position == 0.0).all()


def test_no_pyramiding_and_exits_while_flat_are_ignored() -> None:
    c = market()
    r = no_costs(c, flags(6, 1, 2, 3), flags(6, 0, 3, 4), initial_cash=1_000.0)
    # the exit at bar 0 is ignored (flat); entries at 2 and 3 are ignored (already long);
    # the exit at bar 3 sells at bar 4's open; bar 4's exit finds the book flat again
    assert r.trades.records() == [Trade(2, 4, 100.0, 120.0, 10.0, 200.0)]


def test_second_trade_is_sized_on_the_grown_cash() -> None:
    o = [100.0, 100.0, 110.0, 100.0, 100.0, 125.0]
    c = market(o, o)
    r = no_costs(c, flags(6, 0, 2), flags(6, 1, 4), position_fraction=0.5, initial_cash=1_000.0)
    # trade 1: 500 buys 5 at 100, sold at 110 -> cash 1050; trade 2: 525 buys 5.25 at 100 -> 125
    assert r.trades.records() == [
        Trade(1, 2, 100.0, 110.0, 5.0, 50.0),
        Trade(3, 5, 100.0, 125.0, 5.25, 131.25),
    ]
    assert r.final_equity == 1_181.25


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"position_fraction": 0.0}, "position_fraction"),
        ({"position_fraction": 1.5}, "position_fraction"),
        ({"fee_bps": -1.0}, "fee_bps"),
        ({"slippage_bps": float("nan")}, "slippage_bps"),
        ({"slippage_bps": 10_000.0}, "slippage_bps"),
        ({"initial_cash": 0.0}, "initial_cash"),
    ],
)
def test_bad_parameters_are_rejected(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        simulate(market(), flags(6), flags(6), **kwargs)


def test_signal_shape_must_match_the_candles() -> None:
    with pytest.raises(ValueError, match=r"entry signal must have shape \(6,\)"):
        simulate(market(), flags(5), flags(6))


# --------------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------------


def test_max_drawdown_by_hand() -> None:
    assert max_drawdown([100.0, 120.0, 90.0, 130.0, 65.0, 140.0]) == pytest.approx(0.5)
    assert max_drawdown([1.0, 2.0, 3.0]) == 0.0


def test_sharpe_matches_its_definition() -> None:
    rng = np.random.default_rng(9)
    equity = 1_000.0 * np.cumprod(1.0 + rng.normal(2e-5, 1e-3, 10_000))
    returns = equity[1:] / equity[:-1] - 1.0
    expected = returns.mean() / returns.std(ddof=1) * np.sqrt(525_600)
    assert sharpe_ratio(equity) == pytest.approx(expected, rel=1e-9)
    assert sharpe_ratio(equity, periods_per_year=365) == pytest.approx(
        returns.mean() / returns.std(ddof=1) * np.sqrt(365), rel=1e-9
    )
    assert sharpe_ratio(np.full(100, 5.0)) == 0.0


# --------------------------------------------------------------------------------------------
# Strategies on synthetic markets
# --------------------------------------------------------------------------------------------


def test_strategy_signals_come_from_its_conditions() -> None:
    candles = generate_ohlcv(12_000, seed=21)
    entry, exit_ = signals(sma_cross_strategy(20, 100), candles)
    fast, slow = ind.sma_reference(candles.close, 20), ind.sma_reference(candles.close, 100)
    golden, dead = tr.naive_crosses(fast, slow)
    np.testing.assert_array_equal(entry, golden)
    np.testing.assert_array_equal(exit_, dead)
    assert entry.sum() > 10


def test_rule_combinations_all_and_any() -> None:
    candles = generate_ohlcv(30_000, seed=22)
    close = candles.close
    entry, exit_ = signals(rsi_rebound_strategy(oversold=45.0, overbought=70.0), candles)
    rsi = ind.rsi_reference(close, 14)
    np.testing.assert_array_equal(entry, (rsi < 45.0) & tr.crosses_above(close, ind.sma_reference(close, 20)))
    lower = ind.bollinger_reference(close, 20).lower
    np.testing.assert_array_equal(exit_, (rsi > 70.0) | tr.crosses_below(close, lower))


def test_compute_variables_computes_exactly_what_is_asked() -> None:
    candles = generate_ohlcv(2_000, seed=23)
    names = {"close", "volume", "macd_signal", "bb_lower_30", "ema_10", "rsi_7"}
    got = compute_variables(names, candles)
    assert got.keys() == names
    assert np.shares_memory(got["close"], candles.close)  # columns are used in place
    assert np.shares_memory(got["volume"], candles.volume)
    close = candles.close
    np.testing.assert_array_equal(got["macd_signal"], ind.macd(close).signal)
    np.testing.assert_array_equal(got["bb_lower_30"], ind.bollinger(close, 30).lower)
    np.testing.assert_array_equal(got["ema_10"], ind.ema(close, 10))
    np.testing.assert_array_equal(got["rsi_7"], ind.rsi(close, 7))


def test_an_invalid_strategy_is_not_run() -> None:
    bad = Strategy.create("bad", ["close > rsi_14"], ["rsi_14 > 70"])
    with pytest.raises(StrategyError, match="cannot compare close"):
        run_backtest(bad, generate_ohlcv(100, seed=1))


def test_one_year_backtest_books_balance(one_year_candles: OHLCV) -> None:
    c = one_year_candles
    strategy = build_strategy()
    r = run_backtest(strategy, c, fee_bps=10.0, slippage_bps=5.0)
    n = len(c)
    assert r.equity.shape == r.cash.shape == r.position.shape == (n,)
    assert len(r.trades) > 50
    assert_books_balance(r, c.close)
    assert (r.cash >= 0.0).all() and (r.position >= 0.0).all() and (r.equity > 0.0).all()

    t = r.trades
    fee, slip = 10.0e-4, 5.0e-4
    np.testing.assert_allclose(t.entry_price, c.open[t.entry_bar] * (1 + slip), rtol=1e-12)
    np.testing.assert_allclose(t.exit_price, c.open[t.exit_bar] * (1 - slip), rtol=1e-12)
    expected_pnl = t.qty * t.exit_price * (1 - fee) - t.qty * t.entry_price * (1 + fee)
    np.testing.assert_allclose(t.pnl, expected_pnl, rtol=1e-9, atol=1e-9)
    entry, exit_ = signals(strategy, c)
    assert entry[t.entry_bar - 1].all() and exit_[t.exit_bar - 1].all()
    assert (t.entry_bar[1:] >= t.exit_bar[:-1]).all()  # one position at a time

    held = np.zeros(n, dtype=bool)
    for trade in t.records():
        held[trade.entry_bar : trade.exit_bar] = True
        assert (r.position[trade.entry_bar : trade.exit_bar] == trade.qty).all()
    if r.open_entry_bar >= 0:
        held[r.open_entry_bar :] = True
    np.testing.assert_array_equal(r.position > 0.0, held)

    # the cash ends where the trades say it should
    open_budget = 0.0
    if r.open_entry_bar >= 0:
        open_budget = strategy.position_fraction * r.cash[r.open_entry_bar - 1]
    assert r.cash[-1] == pytest.approx(r.initial_cash + t.pnl.sum() - open_budget, rel=1e-9)
    assert r.total_return == pytest.approx(r.final_equity / r.initial_cash - 1.0)
    assert r.max_drawdown == pytest.approx(max_drawdown(r.equity))
    assert 0.0 < r.max_drawdown < 1.0


def test_costs_make_the_same_trades_cheaper_or_dearer(one_year_candles: OHLCV) -> None:
    cheap = run_backtest(build_strategy(), one_year_candles, fee_bps=0.0, slippage_bps=0.0)
    dear = run_backtest(build_strategy(), one_year_candles, fee_bps=25.0, slippage_bps=10.0)
    np.testing.assert_array_equal(cheap.trades.entry_bar, dear.trades.entry_bar)

    def trade_returns(r: BacktestResult, fee: float) -> np.ndarray:
        t = r.trades
        return t.pnl / (t.qty * t.entry_price * (1.0 + fee))

    assert (trade_returns(dear, 25e-4) < trade_returns(cheap, 0.0)).all()
    assert dear.final_equity < cheap.final_equity


def test_backtest_workload_is_a_plain_function_of_its_arguments() -> None:
    expected = run_backtest(build_strategy(), generate_ohlcv(20_000, seed=5)).final_equity
    assert backtest_workload(20_000, seed=5) == expected
