"""More rounds of the measured call: same function, arguments, iterations and timer."""

from __future__ import annotations

import sys
import time
from types import SimpleNamespace
from typing import Any

import pytest

from pytest_perfgate.measure.sampling import CallSampler, benchmark_iterations, benchmark_sampler


def test_rounds_call_the_function_iterations_times() -> None:
    calls: list[tuple[Any, ...]] = []
    sampler = CallSampler(
        lambda *args, **kwargs: calls.append((args, kwargs)), args=(1,), kwargs={"k": 2}, iterations=3
    )
    batch = sampler.take(4)
    assert len(batch.wall) == 4
    assert len(calls) == 12
    assert calls[0] == ((1,), {"k": 2})
    assert batch.cpu is not None and len(batch.cpu) == 4
    assert batch.iterations == 3
    assert batch.source == "perfgate rounds"
    if sys.platform.startswith("linux"):
        assert batch.wait is not None and len(batch.wait) == 4


def test_rounds_are_seconds_per_call_with_the_given_timer() -> None:
    ticks = iter(range(0, 1000, 5))
    sampler = CallSampler(lambda: None, iterations=5, timer=lambda: float(next(ticks)))
    batch = sampler.take(2)
    assert batch.wall == [1.0, 1.0]  # 5 "seconds" per round of 5 calls


def test_setup_gives_each_round_its_arguments() -> None:
    seen: list[int] = []
    counter = iter(range(100))
    sampler = CallSampler(seen.append, setup=lambda: ((next(counter),), {}))
    sampler.take(3)
    assert seen == [0, 1, 2]


def test_bad_sampler_arguments() -> None:
    with pytest.raises(ValueError, match="iterations"):
        CallSampler(lambda: None, iterations=0)
    with pytest.raises(ValueError, match="setup"):
        CallSampler(lambda: None, iterations=2, setup=lambda: None)
    with pytest.raises(ValueError, match="rounds"):
        CallSampler(lambda: None).take(0)


def test_tracer_is_paused_during_rounds_and_restored() -> None:
    seen: list[object] = []

    def tracer(*args: object) -> None:
        return None

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        CallSampler(lambda: seen.append(sys.gettrace())).take(1)
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(previous)
    assert seen == [None]


def test_benchmark_sampler_copies_iterations_timer_and_gc() -> None:
    fake = SimpleNamespace(
        stats=SimpleNamespace(iterations=7, options={"timer": time.process_time, "disable_gc": True})
    )
    sampler = benchmark_sampler(fake, print, (), {})
    assert sampler is not None
    assert sampler.iterations == 7
    assert sampler.timer is time.process_time
    assert sampler.disable_gc
    assert benchmark_iterations(fake) == 7
    assert benchmark_sampler(SimpleNamespace(stats=None), print, (), {}) is None
    assert benchmark_iterations(SimpleNamespace(stats=None)) == 1
