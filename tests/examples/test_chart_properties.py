"""Chart downsampling on generated series: size bound, time order, the extremes kept."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from trading.chart import downsample_minmax
from trading.indicators import FloatArray


@settings(deadline=None, max_examples=100)
@given(
    values=hnp.arrays(
        np.float64,
        st.integers(1, 3_000),
        elements=st.one_of(st.floats(-1e6, 1e6), st.just(np.nan)),
    ),
    max_points=st.integers(2, 400),
)
def test_bound_order_and_bucket_extremes(values: FloatArray, max_points: int) -> None:
    chart = downsample_minmax(values, max_points)
    assert len(chart.bars) <= max_points
    assert (np.diff(chart.bars) > 0).all()
    np.testing.assert_array_equal(chart.values, values[chart.bars])
    defined = ~np.isnan(values)
    if defined.any():
        assert np.nanmin(values) in chart.values and np.nanmax(values) in chart.values
    else:
        assert len(chart.bars) == 0
