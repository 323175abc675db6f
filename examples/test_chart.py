"""Chart downsampling: size bound, extremes kept, time order."""

from __future__ import annotations

import numpy as np
import pytest

from trading.chart import downsample_minmax
from trading.data import OHLCV
from trading.indicators import sma


def test_one_year_fits_in_a_thousand_points_with_its_extremes(one_year_candles: OHLCV) -> None:
    close = one_year_candles.close
    chart = downsample_minmax(close)
    assert 900 <= len(chart.bars) <= 1000
    assert np.argmin(close) in chart.bars and np.argmax(close) in chart.bars
    assert chart.values.min() == close.min() and chart.values.max() == close.max()
    assert (np.diff(chart.bars) > 0).all()
    np.testing.assert_array_equal(chart.values, close[chart.bars])


def test_every_bucket_keeps_its_min_and_max() -> None:
    values = np.array([5.0, 1.0, 9.0, 3.0, 2.0, 8.0, 7.0, 4.0, 6.0, 0.0, 10.0, 5.0])
    chart = downsample_minmax(values, max_points=6)  # 3 buckets of 4
    # bucket 1: min 1.0 @1, max 9.0 @2; bucket 2: min 2.0 @4, max 8.0 @5; bucket 3: 0 @9, 10 @10
    assert chart.bars.tolist() == [1, 2, 4, 5, 9, 10]
    assert chart.values.tolist() == [1.0, 9.0, 2.0, 8.0, 0.0, 10.0]


def test_spike_survives_where_a_stride_would_lose_it() -> None:
    values = np.zeros(100_000)
    values[12_345] = 1.0
    values[77_777] = -1.0
    chart = downsample_minmax(values, max_points=100)
    assert 12_345 in chart.bars and 77_777 in chart.bars
    assert values[::1000].max() == 0.0  # what a naive stride would have shown


def test_short_series_is_kept_whole_and_nan_warm_up_is_skipped() -> None:
    x = np.arange(50.0)
    np.testing.assert_array_equal(downsample_minmax(x).bars, np.arange(50))
    y = sma(np.arange(10_000.0), 500)
    chart = downsample_minmax(y, max_points=200)
    assert not np.isnan(chart.values).any()
    assert chart.bars[0] == 499 and chart.bars[-1] == 9_999


def test_bad_arguments_are_rejected() -> None:
    with pytest.raises(ValueError, match="max_points must be >= 2"):
        downsample_minmax(np.ones(10), max_points=1)
    with pytest.raises(TypeError, match="max_points must be an integer"):
        downsample_minmax(np.ones(10), max_points=10.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="one-dimensional"):
        downsample_minmax(np.ones((10, 10)))
