"""Triggers: crosses (O(n) and the naive O(n^2) detector) and multi-condition triggers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from trading import indicators as ind
from trading import triggers as tr
from trading.indicators import FloatArray


def indices(mask: np.ndarray) -> list[int]:
    return [int(i) for i in np.flatnonzero(mask)]


# --------------------------------------------------------------------------------------------
# Crosses
# --------------------------------------------------------------------------------------------


def test_golden_and_dead_cross_by_hand() -> None:
    fast = [1.0, 2.0, 3.0, 2.0, 1.0, 3.0]
    slow = [2.0, 2.0, 2.0, 2.0, 2.0, 2.0]
    golden, dead = tr.cross_signals(fast, slow)
    # relations: below, equal, above, equal, below, above
    assert indices(golden) == [2, 5]
    assert indices(dead) == [4]
    g_idx, d_idx = tr.cross_indices(fast, slow)
    assert g_idx.tolist() == [2, 5] and d_idx.tolist() == [4]


def test_touching_without_crossing_is_no_cross() -> None:
    golden, dead = tr.cross_signals([1.0, 2.0, 1.0, 2.0, 3.0, 2.0, 3.0], 2.0)
    # below, touch, below, touch, above (cross), touch, above (no new cross)
    assert indices(golden) == [4]
    assert indices(dead) == []


def test_warm_up_nan_is_skipped_and_no_cross_on_first_defined_bar() -> None:
    fast = [np.nan, np.nan, 5.0, 6.0, 1.0]
    slow = [np.nan, 9.0, 4.0, 4.0, 4.0]
    golden, dead = tr.cross_signals(fast, slow)
    assert indices(golden) == []
    assert indices(dead) == [4]


def test_cross_against_a_level_and_helpers_agree() -> None:
    x = np.array([40.0, 25.0, 29.0, 31.0, 35.0, 28.0])
    assert indices(tr.crosses_above(x, 30.0)) == [3]
    assert indices(tr.crosses_below(x, 30.0)) == [1, 5]
    assert indices(tr.crosses_above(x, np.full(6, 30.0))) == [3]


def test_sma_golden_cross_on_a_v_shaped_market() -> None:
    prices = np.concatenate([np.linspace(200.0, 100.0, 300), np.linspace(100.0, 200.0, 300)])
    golden, dead = tr.cross_indices(ind.sma(prices, 10), ind.sma(prices, 50))
    assert len(golden) == 1 and len(dead) == 0
    # the fast average turns first; it overtakes the slow one shortly after the bottom (bar 299)
    assert 300 < golden[0] < 340


def test_mismatched_lengths_are_rejected() -> None:
    with pytest.raises(ValueError, match="lengths differ"):
        tr.cross_signals([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="lengths differ"):
        tr.naive_crosses([1.0, 2.0], [1.0, 2.0, 3.0])


def test_non_finite_level_is_rejected() -> None:
    with pytest.raises(ValueError, match="level must be finite"):
        tr.crosses_above([1.0, 2.0], np.nan)


# --------------------------------------------------------------------------------------------
# Conditions
# --------------------------------------------------------------------------------------------


def test_compare_treats_nan_as_false_without_warnings() -> None:
    left = np.array([np.nan, 10.0, 20.0, 30.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert indices(tr.compare(left, "<", 25.0)) == [1, 2]
        assert indices(tr.compare(left, ">=", 20.0)) == [2, 3]
        assert indices(tr.compare(left, "<=", np.array([1.0, 10.0, np.nan, 40.0]))) == [1, 3]
        assert indices(tr.compare(left, ">", np.array([0.0, 11.0, 19.0, 30.0]))) == [2]


def test_compare_rejects_unknown_operator_and_bad_shapes() -> None:
    with pytest.raises(ValueError, match="unknown comparison"):
        tr.compare([1.0], "==", 1.0)
    with pytest.raises(ValueError, match="lengths differ"):
        tr.compare([1.0, 2.0], "<", [1.0])
    with pytest.raises(ValueError, match="level must be finite"):
        tr.compare([1.0, 2.0], "<", np.inf)


def test_all_of_and_any_of() -> None:
    a = np.array([True, True, False, False])
    b = np.array([True, False, True, False])
    assert indices(tr.all_of([a, b])) == [0]
    assert indices(tr.any_of([a, b])) == [0, 1, 2]
    assert indices(tr.all_of(iter([a]))) == [0, 1]
    np.testing.assert_array_equal(a, [True, True, False, False])  # inputs untouched
    with pytest.raises(ValueError, match="at least one mask"):
        tr.all_of([])
    with pytest.raises(ValueError, match="shapes differ"):
        tr.any_of([a, b[:3]])


def test_rsi_rebound_fires_on_the_turn_after_a_sell_off() -> None:
    falling = np.linspace(200.0, 170.0, 31)  # 30 losses of 1.0
    close = np.concatenate([falling, [171.5, 170.5]])
    fired = tr.rsi_rebound(close, rsi_period=14, sma_period=3, oversold=30.0)
    # bar 31: RSI ~10 (one gain of 1.5 after a run of losses), close 171.5 above SMA-3 ~170.8
    assert indices(fired) == [31]
    rsi = ind.rsi(close, 14)
    assert rsi[31] < 30.0
    sma = ind.sma(close, 3)
    assert close[30] < sma[30] and close[31] > sma[31]


def test_rsi_rebound_is_the_conjunction_of_its_conditions(prices_100k: FloatArray) -> None:
    x = prices_100k
    fired = tr.rsi_rebound(x, oversold=45.0)
    oversold = ind.rsi_reference(x, 14) < 45.0
    crossing = tr.naive_crosses(x[:4_000], ind.sma_reference(x, 20)[:4_000]).golden
    np.testing.assert_array_equal(fired[:4_000], oversold[:4_000] & crossing)
    assert fired.any() and not fired.all()
