"""Trigger detection: crosses of two series and multi-condition triggers.

A *cross* compares the strict relation of two series bar by bar. Bars where either series is NaN
(an indicator's warm-up) or where the two are exactly equal carry no relation and are skipped. A
golden cross is recorded at the first bar where ``fast > slow`` after a bar with ``fast < slow``;
a dead cross at the first bar where ``fast < slow`` after a bar with ``fast > slow``. Golden and
dead crosses therefore alternate, and touching the other series without crossing it is no cross.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from numba import njit

from trading.indicators import FloatArray, as_prices, rsi, sma

BoolArray = npt.NDArray[np.bool_]
IndexArray = npt.NDArray[np.intp]

_COMPARISONS: dict[str, np.ufunc] = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
}


class CrossSignals(NamedTuple):
    """Per-bar flags: ``golden`` where fast crosses above slow, ``dead`` where it crosses below."""

    golden: BoolArray
    dead: BoolArray


# --------------------------------------------------------------------------------------------
# Input handling
# --------------------------------------------------------------------------------------------


def as_series(values: npt.ArrayLike, name: str) -> FloatArray:
    """A 1-D contiguous float64 array; NaN is allowed and means "not defined at this bar"."""
    x = np.ascontiguousarray(values, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {x.shape}")
    return x


def _pair(fast: npt.ArrayLike, slow: npt.ArrayLike | float) -> tuple[FloatArray, FloatArray]:
    a = as_series(fast, "fast")
    if np.ndim(slow) == 0:
        level = float(slow)  # type: ignore[arg-type]
        if not np.isfinite(level):
            raise ValueError(f"level must be finite, got {slow!r}")
        return a, np.full(a.size, level)
    b = as_series(slow, "slow")
    if a.size != b.size:
        raise ValueError(f"series lengths differ: fast has {a.size} bars, slow has {b.size}")
    return a, b


# --------------------------------------------------------------------------------------------
# O(n) crosses
# --------------------------------------------------------------------------------------------


@njit(cache=True)
def _relation(a: float, b: float) -> int:
    """+1 if a > b, -1 if a < b, 0 if equal or undefined (NaN)."""
    if a > b:
        return 1
    if a < b:
        return -1
    return 0


@njit(cache=True)
def _cross_kernel(a: FloatArray, b: FloatArray) -> tuple[BoolArray, BoolArray]:
    n = a.shape[0]
    golden = np.zeros(n, dtype=np.bool_)
    dead = np.zeros(n, dtype=np.bool_)
    last = 0
    for i in range(n):
        r = _relation(a[i], b[i])
        if r == 0:
            continue
        if last == -1 and r == 1:
            golden[i] = True
        elif last == 1 and r == -1:
            dead[i] = True
        last = r
    return golden, dead


def cross_signals(fast: npt.ArrayLike, slow: npt.ArrayLike | float) -> CrossSignals:
    """Golden and dead crosses of ``fast`` against ``slow`` (a series or a constant level), O(n)."""
    return CrossSignals(*_cross_kernel(*_pair(fast, slow)))


def crosses_above(fast: npt.ArrayLike, slow: npt.ArrayLike | float) -> BoolArray:
    """Bars where ``fast`` crosses above ``slow``."""
    return cross_signals(fast, slow).golden


def crosses_below(fast: npt.ArrayLike, slow: npt.ArrayLike | float) -> BoolArray:
    """Bars where ``fast`` crosses below ``slow``."""
    return cross_signals(fast, slow).dead


def cross_indices(fast: npt.ArrayLike, slow: npt.ArrayLike | float) -> tuple[IndexArray, IndexArray]:
    """Bar indices of the golden and of the dead crosses, ascending."""
    golden, dead = cross_signals(fast, slow)
    return np.flatnonzero(golden), np.flatnonzero(dead)


# --------------------------------------------------------------------------------------------
# The naive O(n^2) detector
# --------------------------------------------------------------------------------------------


@njit(cache=True)
def _naive_cross_kernel(a: FloatArray, b: FloatArray) -> tuple[BoolArray, BoolArray]:
    n = a.shape[0]
    golden = np.zeros(n, dtype=np.bool_)
    dead = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        r = _relation(a[i], b[i])
        if r == 0:
            continue
        # Re-derive the previous relation by scanning the whole history up to this bar.
        last = 0
        for j in range(i):
            rj = _relation(a[j], b[j])
            if rj != 0:
                last = rj
        golden[i] = last == -1 and r == 1
        dead[i] = last == 1 and r == -1
    return golden, dead


def naive_crosses(fast: npt.ArrayLike, slow: npt.ArrayLike | float) -> CrossSignals:
    """Same answer as :func:`cross_signals`, but rescans all previous bars at every bar: O(n^2).

    Kept as the cautionary example that a complexity gate must catch.
    """
    return CrossSignals(*_naive_cross_kernel(*_pair(fast, slow)))


# --------------------------------------------------------------------------------------------
# Multi-condition triggers (vectorised)
# --------------------------------------------------------------------------------------------


def compare(left: npt.ArrayLike, op: str, right: npt.ArrayLike | float) -> BoolArray:
    """``left op right`` bar by bar, ``right`` a series or a constant; False where NaN."""
    ufunc = _COMPARISONS.get(op)
    if ufunc is None:
        raise ValueError(f"unknown comparison {op!r}; expected one of {sorted(_COMPARISONS)}")
    a = as_series(left, "left")
    b: FloatArray | float
    if np.ndim(right) == 0:
        b = float(right)  # type: ignore[arg-type]
        if not np.isfinite(b):
            raise ValueError(f"level must be finite, got {right!r}")
    else:
        a, b = _pair(a, right)
    result: BoolArray = ufunc(a, b)  # NaN compares False, without a warning
    return result


def all_of(masks: Iterable[BoolArray]) -> BoolArray:
    """Bars where every mask holds."""
    return _combine(masks, np.logical_and, "all_of")


def any_of(masks: Iterable[BoolArray]) -> BoolArray:
    """Bars where at least one mask holds."""
    return _combine(masks, np.logical_or, "any_of")


def _combine(masks: Iterable[BoolArray], ufunc: np.ufunc, name: str) -> BoolArray:
    it = iter(masks)
    try:
        first = next(it)
    except StopIteration:
        raise ValueError(f"{name} needs at least one mask") from None
    out = np.array(first, dtype=np.bool_, copy=True)
    for mask in it:
        if mask.shape != out.shape:
            raise ValueError(f"{name}: mask shapes differ: {out.shape} and {mask.shape}")
        ufunc(out, mask, out=out)
    return out


def rsi_rebound(
    close: npt.ArrayLike, rsi_period: int = 14, sma_period: int = 20, oversold: float = 30.0
) -> BoolArray:
    """Oversold rebound: RSI below ``oversold`` and the close crossing above its SMA."""
    x = as_prices(close, "close")
    oversold_now = compare(rsi(x, rsi_period), "<", oversold)
    return all_of([oversold_now, crosses_above(x, sma(x, sma_period))])
