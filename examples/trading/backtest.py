"""Long-only backtests of a :class:`~trading.strategy.Strategy` on OHLCV candles.

Execution model (all of it is checked by the accounting tests):

* Signals are read at a bar's close. An order is filled at the *next* bar's open, so a signal on
  the last bar is never filled. Only one position is held at a time.
* When flat, an entry signal (with no exit signal on the same bar) buys; when long, an exit signal
  sells the whole position; other signals are ignored.
* Slippage moves the fill against the trader: buys fill at ``open * (1 + slippage)``, sells at
  ``open * (1 - slippage)``.
* A buy spends ``position_fraction`` of the cash, fee included: ``budget = fraction * cash``,
  ``fee = budget - budget / (1 + fee_rate)``, ``qty = (budget - fee) / fill``.
* A sell receives ``qty * fill`` and pays ``fee_rate`` of it.
* A trade's ``pnl`` is what the sell received, net of its fee, minus the buy budget.
* ``equity[i] = cash[i] + position[i] * close[i]``: a position still open at the end is marked to
  market at the last close and is not listed among the closed trades.
* Rates are given in basis points (1 bp = 0.0001).
"""

from __future__ import annotations

import math
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from numba import njit

from trading import indicators, triggers
from trading.data import DEFAULT_SEED, MINUTES_PER_YEAR, OHLCV, generate_ohlcv
from trading.indicators import FloatArray
from trading.strategy import Condition, Rule, Strategy, build_strategy, parse_variable
from trading.triggers import BoolArray

IntArray = npt.NDArray[np.int64]
BPS = 1e-4


class Trade(NamedTuple):
    """One closed round trip."""

    entry_bar: int
    exit_bar: int
    entry_price: float
    exit_price: float
    qty: float
    pnl: float


@dataclass(frozen=True, eq=False)
class Trades:
    """Closed trades as parallel arrays, in the order they were closed."""

    entry_bar: IntArray
    exit_bar: IntArray
    entry_price: FloatArray
    exit_price: FloatArray
    qty: FloatArray
    pnl: FloatArray

    def __len__(self) -> int:
        return int(self.entry_bar.shape[0])

    def records(self) -> list[Trade]:
        """The trades as a list of named tuples."""
        return [
            Trade(int(a), int(b), float(c), float(d), float(e), float(f))
            for a, b, c, d, e, f in zip(
                self.entry_bar,
                self.exit_bar,
                self.entry_price,
                self.exit_price,
                self.qty,
                self.pnl,
                strict=True,
            )
        ]


@dataclass(frozen=True, eq=False)
class BacktestResult:
    """Per-bar equity, cash and position, closed trades and summary statistics."""

    equity: FloatArray
    cash: FloatArray
    position: FloatArray
    trades: Trades
    open_entry_bar: int
    total_return: float
    max_drawdown: float
    sharpe: float
    initial_cash: float
    fee_bps: float
    slippage_bps: float

    @property
    def final_equity(self) -> float:
        """Equity at the last bar's close."""
        return float(self.equity[-1])


# --------------------------------------------------------------------------------------------
# numba kernels
# --------------------------------------------------------------------------------------------


@njit(cache=True)
def _simulate_kernel(
    open_: FloatArray,
    close: FloatArray,
    entry: BoolArray,
    exit_: BoolArray,
    fraction: float,
    fee: float,
    slip: float,
    initial_cash: float,
    capacity: int,
) -> tuple[
    FloatArray,
    FloatArray,
    FloatArray,
    IntArray,
    IntArray,
    FloatArray,
    FloatArray,
    FloatArray,
    FloatArray,
    int,
    int,
]:
    n = close.shape[0]
    equity = np.empty(n)
    cash_out = np.empty(n)
    position = np.empty(n)
    t_entry = np.empty(capacity, dtype=np.int64)
    t_exit = np.empty(capacity, dtype=np.int64)
    t_entry_price = np.empty(capacity)
    t_exit_price = np.empty(capacity)
    t_qty = np.empty(capacity)
    t_pnl = np.empty(capacity)
    count = 0
    cash = initial_cash
    qty = 0.0
    long = False
    pending = 0  # +1: buy at this bar's open, -1: sell at this bar's open
    entry_bar = -1
    entry_price = 0.0
    budget = 0.0
    for i in range(n):
        if pending == 1:
            entry_price = open_[i] * (1.0 + slip)
            budget = fraction * cash
            qty = budget / (1.0 + fee) / entry_price
            cash -= budget
            long = True
            entry_bar = i
        elif pending == -1:
            exit_price = open_[i] * (1.0 - slip)
            gross = qty * exit_price
            received = gross - gross * fee
            cash += received
            t_entry[count] = entry_bar
            t_exit[count] = i
            t_entry_price[count] = entry_price
            t_exit_price[count] = exit_price
            t_qty[count] = qty
            t_pnl[count] = received - budget
            count += 1
            qty = 0.0
            long = False
            entry_bar = -1
        pending = 0
        cash_out[i] = cash
        position[i] = qty
        equity[i] = cash + qty * close[i]
        if long:
            if exit_[i]:
                pending = -1
        elif entry[i] and not exit_[i]:
            pending = 1
    return (
        equity,
        cash_out,
        position,
        t_entry,
        t_exit,
        t_entry_price,
        t_exit_price,
        t_qty,
        t_pnl,
        count,
        entry_bar,
    )


@njit(cache=True)
def _max_drawdown_kernel(equity: FloatArray) -> float:
    peak = -np.inf
    worst = 0.0
    for v in equity:
        if v > peak:
            peak = v
        dd = 1.0 - v / peak
        if dd > worst:
            worst = dd
    return worst


@njit(cache=True)
def _sharpe_kernel(equity: FloatArray, periods_per_year: float) -> float:
    # Welford's running mean and variance of the per-bar simple returns.
    count = 0
    mean = 0.0
    m2 = 0.0
    for i in range(1, equity.shape[0]):
        r = equity[i] / equity[i - 1] - 1.0
        count += 1
        delta = r - mean
        mean += delta / count
        m2 += delta * (r - mean)
    if count < 2 or m2 <= 0.0:
        return 0.0
    std = math.sqrt(m2 / (count - 1))
    return mean / std * math.sqrt(periods_per_year)


# --------------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------------


def max_drawdown(equity: npt.ArrayLike) -> float:
    """Largest fall from a running peak, as a fraction of that peak (0.25 = 25%)."""
    return float(_max_drawdown_kernel(indicators.as_prices(equity, "equity")))


def sharpe_ratio(equity: npt.ArrayLike, periods_per_year: float = MINUTES_PER_YEAR) -> float:
    """Annualised Sharpe ratio of per-bar simple returns (risk-free rate 0, sample std).

    Zero when the equity never moves.
    """
    return float(_sharpe_kernel(indicators.as_prices(equity, "equity"), float(periods_per_year)))


# --------------------------------------------------------------------------------------------
# Simulation from signals
# --------------------------------------------------------------------------------------------


def _as_signal(mask: npt.ArrayLike, n: int, name: str) -> BoolArray:
    arr = np.ascontiguousarray(mask, dtype=np.bool_)
    if arr.shape != (n,):
        raise ValueError(f"{name} signal must have shape ({n},), got {arr.shape}")
    return arr


def _check_rate(value: float, name: str, upper: float) -> float:
    rate = float(value)
    if not math.isfinite(rate) or not 0.0 <= rate < upper:
        raise ValueError(f"{name} must be in [0, {upper:g}), got {value!r}")
    return rate


def simulate(
    candles: OHLCV,
    entry: npt.ArrayLike,
    exit: npt.ArrayLike,
    *,
    position_fraction: float = 1.0,
    fee_bps: float = 10.0,
    slippage_bps: float = 5.0,
    initial_cash: float = 10_000.0,
) -> BacktestResult:
    """Trade explicit boolean entry/exit signals on ``candles`` (see the module docstring)."""
    n = len(candles)
    if n == 0:
        raise ValueError("cannot backtest zero candles")
    entry_mask = _as_signal(entry, n, "entry")
    exit_mask = _as_signal(exit, n, "exit")
    if not 0.0 < position_fraction <= 1.0:
        raise ValueError(f"position_fraction must be in (0, 1], got {position_fraction!r}")
    fee_bps = _check_rate(fee_bps, "fee_bps", 10_000.0)
    slippage_bps = _check_rate(slippage_bps, "slippage_bps", 10_000.0)
    if not math.isfinite(initial_cash) or initial_cash <= 0.0:
        raise ValueError(f"initial_cash must be a positive number, got {initial_cash!r}")
    capacity = min(int(np.count_nonzero(entry_mask)), int(np.count_nonzero(exit_mask)))
    equity, cash, position, t_in, t_out, p_in, p_out, qty, pnl, count, open_bar = _simulate_kernel(
        candles.open,
        candles.close,
        entry_mask,
        exit_mask,
        float(position_fraction),
        fee_bps * BPS,
        slippage_bps * BPS,
        float(initial_cash),
        capacity,
    )
    trades = Trades(t_in[:count], t_out[:count], p_in[:count], p_out[:count], qty[:count], pnl[:count])
    return BacktestResult(
        equity=equity,
        cash=cash,
        position=position,
        trades=trades,
        open_entry_bar=int(open_bar),
        total_return=float(equity[-1] / initial_cash - 1.0),
        max_drawdown=float(_max_drawdown_kernel(equity)),
        sharpe=float(_sharpe_kernel(equity, float(MINUTES_PER_YEAR))),
        initial_cash=float(initial_cash),
        fee_bps=fee_bps,
        slippage_bps=slippage_bps,
    )


# --------------------------------------------------------------------------------------------
# Strategy evaluation
# --------------------------------------------------------------------------------------------


def compute_variables(names: AbstractSet[str], candles: OHLCV) -> dict[str, FloatArray]:
    """The arrays of the given strategy variables, each indicator computed once."""
    close = indicators.as_prices(candles.close, "close")
    columns = {
        "open": candles.open,
        "high": candles.high,
        "low": candles.low,
        "close": close,
        "volume": candles.volume,
    }
    out: dict[str, FloatArray] = {}
    for name in sorted(names):
        if name in out:
            continue
        var = parse_variable(name)
        period = var.period if var.period is not None else 0
        if var.source in columns:
            out[name] = columns[var.source]
        elif var.source == "sma":
            out[name] = indicators.sma(close, period)
        elif var.source == "ema":
            out[name] = indicators.ema(close, period)
        elif var.source == "rsi":
            out[name] = indicators.rsi(close, period)
        elif var.source.startswith("macd"):
            line, signal, hist = indicators.macd(close)
            out.update(macd=line, macd_signal=signal, macd_hist=hist)
        elif var.source.startswith("bb_"):
            upper, middle, lower = indicators.bollinger(close, period)
            out[f"bb_upper_{period}"] = upper
            out[f"bb_middle_{period}"] = middle
            out[f"bb_lower_{period}"] = lower
        else:  # pragma: no cover - parse_variable only returns the sources above
            raise AssertionError(f"no computation for {name}")
    return {name: out[name] for name in names}


def evaluate_condition(condition: Condition, variables: dict[str, FloatArray]) -> BoolArray:
    """Bars where ``condition`` holds (comparisons) or fires (crosses)."""
    left = variables[condition.left]
    right = variables[condition.right] if isinstance(condition.right, str) else float(condition.right)
    if condition.op == "crosses_above":
        return triggers.crosses_above(left, right)
    if condition.op == "crosses_below":
        return triggers.crosses_below(left, right)
    return triggers.compare(left, condition.op, right)


def evaluate_rule(rule: Rule, variables: dict[str, FloatArray]) -> BoolArray:
    """Bars where the rule's conditions, combined with all/any, hold."""
    masks = (evaluate_condition(c, variables) for c in rule.conditions)
    return triggers.all_of(masks) if rule.combine == "all" else triggers.any_of(masks)


def signals(strategy: Strategy, candles: OHLCV) -> tuple[BoolArray, BoolArray]:
    """The validated strategy's entry and exit signals on ``candles``."""
    strategy.validate()
    variables = compute_variables(strategy.variables(), candles)
    return evaluate_rule(strategy.entry, variables), evaluate_rule(strategy.exit, variables)


def run_backtest(
    strategy: Strategy,
    candles: OHLCV,
    *,
    fee_bps: float = 10.0,
    slippage_bps: float = 5.0,
    initial_cash: float = 10_000.0,
) -> BacktestResult:
    """Validate ``strategy``, compute its indicators and signals, and simulate it."""
    entry, exit_ = signals(strategy, candles)
    return simulate(
        candles,
        entry,
        exit_,
        position_fraction=strategy.position_fraction,
        fee_bps=fee_bps,
        slippage_bps=slippage_bps,
        initial_cash=initial_cash,
    )


def backtest_workload(n_bars: int = MINUTES_PER_YEAR, seed: int = DEFAULT_SEED) -> float:
    """Generate candles and backtest the showcase strategy; returns the final equity.

    Self-contained and picklable, so it can run in worker processes.
    """
    return run_backtest(build_strategy(), generate_ohlcv(n_bars, seed)).final_equity
