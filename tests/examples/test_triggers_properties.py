"""Crosses on generated series: the naive detector agrees, crosses alternate and follow the relation."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from trading import triggers as tr
from trading.indicators import FloatArray

PROPERTY = settings(deadline=None, max_examples=150)

# Small integers (and NaN) make ties, touches and gaps frequent.
series_values = st.one_of(st.integers(-3, 3).map(float), st.just(np.nan))


@st.composite
def series_pairs(draw: st.DrawFn) -> tuple[FloatArray, FloatArray]:
    n = draw(st.integers(0, 60))
    fast = draw(hnp.arrays(np.float64, n, elements=series_values))
    slow = draw(hnp.arrays(np.float64, n, elements=series_values))
    return fast, slow


def indices(mask: np.ndarray) -> list[int]:
    return [int(i) for i in np.flatnonzero(mask)]


@PROPERTY
@given(pair=series_pairs())
def test_naive_detector_gives_the_same_answer(pair: tuple[FloatArray, FloatArray]) -> None:
    fast, slow = pair
    expected = tr.cross_signals(fast, slow)
    got = tr.naive_crosses(fast, slow)
    np.testing.assert_array_equal(got.golden, expected.golden)
    np.testing.assert_array_equal(got.dead, expected.dead)


@PROPERTY
@given(pair=series_pairs())
def test_crosses_alternate_and_follow_the_relation(pair: tuple[FloatArray, FloatArray]) -> None:
    fast, slow = pair
    golden, dead = tr.cross_signals(fast, slow)
    assert not (golden & dead).any()
    events = sorted([(i, "g") for i in indices(golden)] + [(i, "d") for i in indices(dead)])
    kinds = [k for _, k in events]
    assert all(a != b for a, b in itertools.pairwise(kinds))
    for i in indices(golden):
        assert fast[i] > slow[i]
    for i in indices(dead):
        assert fast[i] < slow[i]
