"""Synthetic candles: shape, OHLC invariants, determinism and regimes."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from trading.data import (
    DEFAULT_SEED,
    OHLCV,
    ONE_YEAR,
    REGIMES,
    generate_ohlcv,
    regime_schedule,
)


def test_one_year_of_float64_candles(one_year_candles: OHLCV) -> None:
    c = one_year_candles
    assert len(c) == ONE_YEAR == 525_600
    for arr in (c.open, c.high, c.low, c.close, c.volume):
        assert arr.dtype == np.float64 and arr.shape == (ONE_YEAR,)
        assert arr.flags.c_contiguous
        assert np.isfinite(arr).all()
    assert c.nbytes == 5 * ONE_YEAR * 8


def test_ohlc_invariants_hold_on_every_bar(one_year_candles: OHLCV) -> None:
    c = one_year_candles
    assert (c.high >= np.maximum(c.open, c.close)).all()
    assert (c.low <= np.minimum(c.open, c.close)).all()
    assert (c.low > 0.0).all()
    assert (c.volume > 0.0).all()
    # each candle opens at the previous close
    np.testing.assert_array_equal(c.open[1:], c.close[:-1])
    # wicks are real: most candles extend beyond their body
    assert (c.high > np.maximum(c.open, c.close)).mean() > 0.9


def test_same_seed_same_candles_other_seed_other_candles() -> None:
    a = generate_ohlcv(5_000, seed=11)
    b = generate_ohlcv(5_000, seed=11)
    c = generate_ohlcv(5_000, seed=12)
    for name in ("open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.close, c.close)


def test_start_price_is_the_first_open() -> None:
    assert generate_ohlcv(10, seed=3, start_price=123.0).open[0] == 123.0


def test_regime_schedule_tiles_the_bars_without_repeats() -> None:
    segments = regime_schedule(ONE_YEAR, seed=5)
    assert segments[0].start == 0 and segments[-1].end == ONE_YEAR
    for before, after in itertools.pairwise(segments):
        assert before.end == after.start
        assert before.regime != after.regime
    assert 3 <= len(segments) <= 40
    assert all(s.regime in REGIMES for s in segments)


def test_each_regime_has_its_own_volatility(one_year_candles: OHLCV) -> None:
    # The realised volatility of the log returns inside a long segment matches its regime.
    log_ret = np.diff(np.log(one_year_candles.close), prepend=np.log(30_000.0))
    long_segments = [s for s in regime_schedule(ONE_YEAR, DEFAULT_SEED) if s.end - s.start > 5_000]
    assert len({s.regime.name for s in long_segments}) >= 2
    for seg in long_segments:
        realised = float(np.std(log_ret[seg.start : seg.end])) * math.sqrt(ONE_YEAR)
        assert realised == pytest.approx(seg.regime.volatility, rel=0.05), seg


def test_bad_arguments_are_rejected() -> None:
    with pytest.raises(ValueError, match="n_bars"):
        generate_ohlcv(0)
    with pytest.raises(ValueError, match="start_price"):
        generate_ohlcv(10, start_price=-1.0)
    with pytest.raises(ValueError, match="base_volume"):
        generate_ohlcv(10, base_volume=0.0)


def test_ohlcv_checks_its_arrays() -> None:
    ok = np.ones(3)
    with pytest.raises(ValueError, match="high has 2 bars"):
        OHLCV(ok, np.ones(2), ok, ok, ok)
    with pytest.raises(TypeError, match="float64"):
        OHLCV(ok, ok, ok, np.ones(3, dtype=np.float32), ok)
    candles = OHLCV.from_arrays([1, 2, 3], [2, 3, 4], [0.5, 1, 2], [2, 3, 3])
    assert len(candles) == 3 and candles.volume.tolist() == [1.0, 1.0, 1.0]
