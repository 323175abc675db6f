"""Deterministic synthetic 1-minute OHLCV candles.

Closes follow a geometric Brownian motion whose drift and volatility switch between a few market
regimes (calm, bull, bear, turbulent) at random times. Each candle opens at the previous close;
its high and low extend beyond the body by random wicks scaled by the regime's volatility, and
its volume grows with volatility and with the size of the move. The same seed always yields the
same candles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numba import njit

from trading.indicators import FloatArray

MINUTES_PER_YEAR = 525_600
ONE_YEAR = MINUTES_PER_YEAR
DEFAULT_SEED = 2024
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Regime:
    """Annualised drift and volatility of the log price."""

    name: str
    drift: float
    volatility: float


REGIMES: tuple[Regime, ...] = (
    Regime("calm", 0.10, 0.35),
    Regime("bull", 1.20, 0.60),
    Regime("bear", -0.90, 0.80),
    Regime("turbulent", 0.00, 1.20),
)


@dataclass(frozen=True, eq=False)
class OHLCV:
    """Candles as five float64 arrays of equal length."""

    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    def __post_init__(self) -> None:
        n = self.close.shape[0]
        for name in ("open", "high", "low", "close", "volume"):
            arr = getattr(self, name)
            if not isinstance(arr, np.ndarray) or arr.dtype != np.float64 or arr.ndim != 1:
                raise TypeError(f"{name} must be a 1-D float64 numpy array")
            if arr.shape[0] != n:
                raise ValueError(f"{name} has {arr.shape[0]} bars, close has {n}")

    def __len__(self) -> int:
        return int(self.close.shape[0])

    @classmethod
    def from_arrays(
        cls,
        open: npt.ArrayLike,
        high: npt.ArrayLike,
        low: npt.ArrayLike,
        close: npt.ArrayLike,
        volume: npt.ArrayLike | None = None,
    ) -> OHLCV:
        """Candles from array-likes (volume defaults to 1 per bar)."""
        c = np.ascontiguousarray(close, dtype=np.float64)
        vol = np.ones_like(c) if volume is None else volume
        return cls(
            np.ascontiguousarray(open, dtype=np.float64),
            np.ascontiguousarray(high, dtype=np.float64),
            np.ascontiguousarray(low, dtype=np.float64),
            c,
            np.ascontiguousarray(vol, dtype=np.float64),
        )

    @property
    def nbytes(self) -> int:
        """Bytes held by the five arrays."""
        return sum(a.nbytes for a in (self.open, self.high, self.low, self.close, self.volume))


@dataclass(frozen=True, slots=True)
class Segment:
    """Bars ``start`` (inclusive) to ``end`` (exclusive) run in one regime."""

    start: int
    end: int
    regime: Regime


def regime_schedule(
    n_bars: int,
    seed: int,
    mean_bars: int = 45 * 24 * 60,
    regimes: tuple[Regime, ...] = REGIMES,
) -> list[Segment]:
    """The regimes of :func:`generate_ohlcv` for this seed: segments of random length.

    Consecutive segments always differ in regime.
    """
    if n_bars < 1:
        raise ValueError(f"n_bars must be >= 1, got {n_bars}")
    if mean_bars < 1:
        raise ValueError(f"mean_bars must be >= 1, got {mean_bars}")
    if not regimes:
        raise ValueError("at least one regime is needed")
    rng = np.random.default_rng([seed, 1])
    segments: list[Segment] = []
    start = 0
    previous = -1
    while start < n_bars:
        length = max(1, int(rng.exponential(mean_bars)))
        choice = int(rng.integers(len(regimes)))
        if choice == previous and len(regimes) > 1:
            choice = (choice + 1) % len(regimes)
        end = min(n_bars, start + length)
        segments.append(Segment(start, end, regimes[choice]))
        start, previous = end, choice
    return segments


@njit(cache=True)
def _candles_kernel(
    shocks: FloatArray,
    seg_end: IntArray,
    seg_drift: FloatArray,
    seg_vol: FloatArray,
    start_price: float,
    base_volume: float,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    n = shocks.shape[1]
    dt = 1.0 / 525_600.0
    sqrt_dt = math.sqrt(dt)
    open_ = np.empty(n)
    high = np.empty(n)
    low = np.empty(n)
    close = np.empty(n)
    volume = np.empty(n)
    prev = start_price
    seg = 0
    for i in range(n):
        while i >= seg_end[seg]:
            seg += 1
        sigma = seg_vol[seg]
        step = sigma * sqrt_dt
        ret = (seg_drift[seg] - 0.5 * sigma * sigma) * dt + step * shocks[0, i]
        o = prev
        c = prev * math.exp(ret)
        open_[i] = o
        close[i] = c
        high[i] = max(o, c) * math.exp(0.5 * step * abs(shocks[1, i]))
        low[i] = min(o, c) * math.exp(-0.5 * step * abs(shocks[2, i]))
        volume[i] = base_volume * (sigma / 0.5) * math.exp(0.3 * shocks[3, i]) * (0.5 + abs(shocks[0, i]))
        prev = c
    return open_, high, low, close, volume


def generate_ohlcv(
    n_bars: int = ONE_YEAR,
    seed: int = DEFAULT_SEED,
    start_price: float = 30_000.0,
    base_volume: float = 2.0,
) -> OHLCV:
    """``n_bars`` 1-minute candles (one year by default), fully determined by ``seed``."""
    if start_price <= 0 or not math.isfinite(start_price):
        raise ValueError(f"start_price must be a positive finite number, got {start_price}")
    if base_volume <= 0 or not math.isfinite(base_volume):
        raise ValueError(f"base_volume must be a positive finite number, got {base_volume}")
    segments = regime_schedule(n_bars, seed)
    seg_end = np.array([s.end for s in segments], dtype=np.int64)
    seg_drift = np.array([s.regime.drift for s in segments])
    seg_vol = np.array([s.regime.volatility for s in segments])
    shocks = np.random.default_rng([seed, 2]).standard_normal((4, n_bars))
    return OHLCV(*_candles_kernel(shocks, seg_end, seg_drift, seg_vol, float(start_price), base_volume))
