"""Timed loops: calibration to a minimum loop length."""

from __future__ import annotations

import time

from pytest_perfgate.measure.loops import autorange, time_loop


def test_time_loop_calls_the_function_that_many_times() -> None:
    calls: list[int] = []
    elapsed = time_loop(lambda: calls.append(1), 7)
    assert len(calls) == 7
    assert elapsed >= 0


def test_autorange_reaches_the_target_with_quick_calls() -> None:
    iterations, elapsed = autorange(lambda: None, 0.002)
    assert elapsed >= 0.002
    assert iterations > 100  # an empty call is far below a millisecond


def test_autorange_stops_at_one_call_when_a_call_is_long() -> None:
    iterations, elapsed = autorange(lambda: time.sleep(0.005), 0.002)
    assert iterations == 1
    assert elapsed >= 0.005


def test_autorange_respects_its_limit() -> None:
    iterations, _ = autorange(lambda: None, 10.0, limit=50)
    assert iterations == 50
