"""Technical indicators over float64 price arrays.

Every indicator has a numba kernel (``_*_kernel``), a public wrapper that validates its input and
calls the kernel, and a plain numpy/Python ``*_reference`` implementation used by the tests.
Outputs have the input's length and hold NaN wherever the indicator's window is not yet full.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from numba import njit

FloatArray = npt.NDArray[np.float64]

#: Value of the RSI when prices did not move at all over the smoothing window (no gains, no
#: losses): neither side dominates, so the index sits at its neutral midpoint.
RSI_FLAT = 50.0


class MACD(NamedTuple):
    """MACD line (fast EMA - slow EMA), its signal EMA, and their difference."""

    line: FloatArray
    signal: FloatArray
    histogram: FloatArray


class BollingerBands(NamedTuple):
    """Middle band (SMA) and the bands ``num_std`` population standard deviations around it."""

    upper: FloatArray
    middle: FloatArray
    lower: FloatArray


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


@njit(cache=True)
def _first_non_finite(x: FloatArray) -> int:
    for i in range(x.shape[0]):
        if not np.isfinite(x[i]):
            return i
    return -1


def as_prices(values: npt.ArrayLike, name: str = "prices") -> FloatArray:
    """Return ``values`` as a 1-D contiguous float64 array (no copy if it already is one).

    Raises ValueError if the array is not one-dimensional or holds NaN or an infinity.
    """
    x = np.ascontiguousarray(values, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {x.shape}")
    bad = _first_non_finite(x)
    if bad >= 0:
        what = "NaN" if np.isnan(x[bad]) else "an infinite value"
        raise ValueError(f"{name} contains {what} at index {bad}; indicators need finite prices")
    return x


def check_period(period: int, name: str = "period") -> int:
    """Return ``period`` as an int, raising TypeError/ValueError unless it is an integer >= 1."""
    if isinstance(period, bool) or not isinstance(period, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {period!r}")
    if period < 1:
        raise ValueError(f"{name} must be >= 1, got {period}")
    return int(period)


def _check_num_std(num_std: float) -> float:
    value = float(num_std)
    if not np.isfinite(value) or value < 0.0:
        raise ValueError(f"num_std must be a finite number >= 0, got {num_std!r}")
    return value


# --------------------------------------------------------------------------------------------
# numba kernels
# --------------------------------------------------------------------------------------------


@njit(cache=True)
def _neumaier_add(total: float, comp: float, value: float) -> tuple[float, float]:
    """Add ``value`` to a compensated sum ``total + comp`` (Neumaier's variant of Kahan)."""
    t = total + value
    if abs(total) >= abs(value):
        comp += (total - t) + value
    else:
        comp += (value - t) + total
    return t, comp


@njit(cache=True)
def _sma_kernel(x: FloatArray, period: int) -> FloatArray:
    n = x.shape[0]
    out = np.full(n, np.nan)
    if n < period:
        return out
    # Running window sum, compensated so that a year of minute bars does not drift.
    total = 0.0
    comp = 0.0
    for i in range(n):
        total, comp = _neumaier_add(total, comp, x[i])
        if i >= period:
            total, comp = _neumaier_add(total, comp, -x[i - period])
        if i >= period - 1:
            out[i] = (total + comp) / period
    return out


@njit(cache=True)
def _ema_into(x: FloatArray, period: int, start: int, out: FloatArray) -> None:
    """EMA of ``x[start:]`` written into ``out``; seeded with the SMA of the first window."""
    n = x.shape[0]
    if n - start < period:
        return
    seed = 0.0
    for i in range(start, start + period):
        seed += x[i]
    prev = seed / period
    first = start + period - 1
    out[first] = prev
    alpha = 2.0 / (period + 1.0)
    for i in range(first + 1, n):
        prev = prev + alpha * (x[i] - prev)
        out[i] = prev


@njit(cache=True)
def _ema_kernel(x: FloatArray, period: int) -> FloatArray:
    out = np.full(x.shape[0], np.nan)
    _ema_into(x, period, 0, out)
    return out


@njit(cache=True)
def _rsi_value(avg_gain: float, avg_loss: float) -> float:
    if avg_loss == 0.0:
        return RSI_FLAT if avg_gain == 0.0 else 100.0
    return 100.0 - 100.0 / (1.0 + avg_gain / avg_loss)


@njit(cache=True)
def _rsi_kernel(x: FloatArray, period: int) -> FloatArray:
    n = x.shape[0]
    out = np.full(n, np.nan)
    if n <= period:
        return out
    gain = 0.0
    loss = 0.0
    for i in range(1, period + 1):
        d = x[i] - x[i - 1]
        if d > 0.0:
            gain += d
        else:
            loss -= d
    avg_gain = gain / period
    avg_loss = loss / period
    out[period] = _rsi_value(avg_gain, avg_loss)
    for i in range(period + 1, n):
        d = x[i] - x[i - 1]
        g = d if d > 0.0 else 0.0
        lo = -d if d < 0.0 else 0.0
        avg_gain = (avg_gain * (period - 1) + g) / period
        avg_loss = (avg_loss * (period - 1) + lo) / period
        out[i] = _rsi_value(avg_gain, avg_loss)
    return out


@njit(cache=True)
def _macd_kernel(
    x: FloatArray, fast: int, slow: int, signal: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    n = x.shape[0]
    fast_ema = np.full(n, np.nan)
    line = np.full(n, np.nan)
    _ema_into(x, fast, 0, fast_ema)
    _ema_into(x, slow, 0, line)  # the slow EMA, turned into the line in place below
    for i in range(n):
        line[i] = fast_ema[i] - line[i]
    sig = fast_ema  # reuse the buffer: the fast EMA is no longer needed
    sig[:] = np.nan
    _ema_into(line, signal, slow - 1, sig)
    hist = np.empty(n)
    for i in range(n):
        hist[i] = line[i] - sig[i]
    return line, sig, hist


@njit(cache=True)
def _window_m2(x: FloatArray, start: int, stop: int, mean: float) -> float:
    """Sum of squared deviations of ``x[start:stop]`` from ``mean`` (the exact two-pass form)."""
    ss = 0.0
    for j in range(start, stop):
        d = x[j] - mean
        ss += d * d
    return ss


@njit(cache=True)
def _bollinger_kernel(
    x: FloatArray, period: int, num_std: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    n = x.shape[0]
    middle = _sma_kernel(x, period)
    upper = np.full(n, np.nan)
    lower = np.full(n, np.nan)
    if n < period:
        return upper, middle, lower
    # Sliding update of the sum of squared deviations (Welford's form for a window), O(1) per
    # bar. It is recomputed exactly every `period` bars, and at once when it collapses below a
    # thousandth of its recent peak, where the update's rounding would no longer be negligible.
    m2 = _window_m2(x, 0, period, middle[period - 1])
    peak = m2
    since_exact = 0
    for i in range(period - 1, n):
        if i >= period:
            old = x[i - period]
            new = x[i]
            m2 += (new - old) * ((new - middle[i]) + (old - middle[i - 1]))
            since_exact += 1
            peak = max(peak, m2)
            if since_exact >= period or m2 < 1e-3 * peak:
                m2 = _window_m2(x, i - period + 1, i + 1, middle[i])
                peak = m2
                since_exact = 0
        width = num_std * np.sqrt(max(m2, 0.0) / period)
        upper[i] = middle[i] + width
        lower[i] = middle[i] - width
    return upper, middle, lower


# --------------------------------------------------------------------------------------------
# Public wrappers
# --------------------------------------------------------------------------------------------


def sma(prices: npt.ArrayLike, period: int) -> FloatArray:
    """Simple moving average over ``period`` bars."""
    return _sma_kernel(as_prices(prices), check_period(period))


def ema(prices: npt.ArrayLike, period: int) -> FloatArray:
    """Exponential moving average, alpha = 2/(period+1), seeded with the first window's SMA."""
    return _ema_kernel(as_prices(prices), check_period(period))


def rsi(prices: npt.ArrayLike, period: int = 14) -> FloatArray:
    """Relative strength index with Wilder smoothing; first value at index ``period``.

    With no gains and no losses over the window the RSI is ``RSI_FLAT`` (50); with gains only
    it is 100, with losses only 0.
    """
    return _rsi_kernel(as_prices(prices), check_period(period))


def macd(prices: npt.ArrayLike, fast: int = 12, slow: int = 26, signal: int = 9) -> MACD:
    """MACD line, signal line and histogram; the signal EMA starts where the line is defined."""
    fast = check_period(fast, "fast")
    slow = check_period(slow, "slow")
    signal = check_period(signal, "signal")
    if fast >= slow:
        raise ValueError(f"fast period ({fast}) must be shorter than slow period ({slow})")
    return MACD(*_macd_kernel(as_prices(prices), fast, slow, signal))


def bollinger(prices: npt.ArrayLike, period: int = 20, num_std: float = 2.0) -> BollingerBands:
    """Bollinger bands: SMA +- ``num_std`` population standard deviations of the window."""
    return BollingerBands(
        *_bollinger_kernel(as_prices(prices), check_period(period), _check_num_std(num_std))
    )


def standard_indicators(prices: npt.ArrayLike) -> dict[str, FloatArray]:
    """The five indicators with their usual settings, as a dashboard would show them."""
    x = as_prices(prices)
    line, signal, hist = _macd_kernel(x, 12, 26, 9)
    upper, middle, lower = _bollinger_kernel(x, 20, 2.0)
    return {
        "sma_20": _sma_kernel(x, 20),
        "ema_50": _ema_kernel(x, 50),
        "rsi_14": _rsi_kernel(x, 14),
        "macd": line,
        "macd_signal": signal,
        "macd_hist": hist,
        "bb_upper_20": upper,
        "bb_middle_20": middle,
        "bb_lower_20": lower,
    }


# --------------------------------------------------------------------------------------------
# Plain references (readable, not fast)
# --------------------------------------------------------------------------------------------


def sma_reference(prices: npt.ArrayLike, period: int) -> FloatArray:
    """SMA as the mean of each full window."""
    x = as_prices(prices)
    period = check_period(period)
    out = np.full(x.size, np.nan)
    if x.size >= period:
        out[period - 1 :] = np.lib.stride_tricks.sliding_window_view(x, period).mean(axis=1)
    return out


def _ema_reference_from(x: FloatArray, period: int, start: int) -> FloatArray:
    out = np.full(x.size, np.nan)
    if x.size - start < period:
        return out
    alpha = 2.0 / (period + 1)
    first = start + period - 1
    out[first] = float(np.mean(x[start : first + 1]))
    for i in range(first + 1, x.size):
        out[i] = alpha * x[i] + (1.0 - alpha) * out[i - 1]
    return out


def ema_reference(prices: npt.ArrayLike, period: int) -> FloatArray:
    """EMA by its textbook recurrence."""
    return _ema_reference_from(as_prices(prices), check_period(period), 0)


def rsi_reference(prices: npt.ArrayLike, period: int = 14) -> FloatArray:
    """RSI by Wilder's definition, with the flat-price rule of :func:`rsi`."""
    x = as_prices(prices)
    period = check_period(period)
    out = np.full(x.size, np.nan)
    if x.size <= period:
        return out
    delta = np.diff(x)
    gains = np.where(delta > 0, delta, 0.0)
    losses = np.where(delta < 0, -delta, 0.0)
    avg_gain = float(np.mean(gains[:period]))
    avg_loss = float(np.mean(losses[:period]))
    for i in range(period, x.size):
        if i > period:
            avg_gain = (avg_gain * (period - 1) + gains[i - 1]) / period
            avg_loss = (avg_loss * (period - 1) + losses[i - 1]) / period
        if avg_loss == 0.0:
            out[i] = RSI_FLAT if avg_gain == 0.0 else 100.0
        else:
            out[i] = 100.0 - 100.0 / (1.0 + avg_gain / avg_loss)
    return out


def macd_reference(prices: npt.ArrayLike, fast: int = 12, slow: int = 26, signal: int = 9) -> MACD:
    """MACD from reference EMAs."""
    x = as_prices(prices)
    fast, slow = check_period(fast, "fast"), check_period(slow, "slow")
    signal = check_period(signal, "signal")
    if fast >= slow:
        raise ValueError(f"fast period ({fast}) must be shorter than slow period ({slow})")
    line = ema_reference(x, fast) - ema_reference(x, slow)
    sig = _ema_reference_from(line, signal, slow - 1)
    return MACD(line, sig, line - sig)


def bollinger_reference(prices: npt.ArrayLike, period: int = 20, num_std: float = 2.0) -> BollingerBands:
    """Bollinger bands from each window's mean and population standard deviation."""
    x = as_prices(prices)
    period = check_period(period)
    k = _check_num_std(num_std)
    middle = np.full(x.size, np.nan)
    width = np.full(x.size, np.nan)
    if x.size >= period:
        windows = np.lib.stride_tricks.sliding_window_view(x, period)
        middle[period - 1 :] = windows.mean(axis=1)
        width[period - 1 :] = k * windows.std(axis=1)
    return BollingerBands(middle + width, middle, middle - width)
