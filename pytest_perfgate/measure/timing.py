"""Round times through pytest-benchmark's fixture (its calibration, marker options and flags apply)."""

from __future__ import annotations

import inspect
import math
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from .deadline import Deadline


@dataclass(frozen=True)
class Timing:
    """Seconds per call of each round, and how they were taken."""

    data: Sequence[float]
    method: str
    traced: bool = False
    #: Process CPU time / wall time over the span that took the rounds (None: not known).
    cpu_share: float | None = None


@dataclass
class CpuClock:
    """Wall and process CPU time of a span, filled in when a :func:`cpu_clock` block ends."""

    wall_s: float = 0.0
    cpu_s: float = 0.0

    @property
    def share(self) -> float | None:
        """CPU seconds per wall second over the span: ~1 computing, ~0 waiting, >1 several threads."""
        return self.cpu_s / self.wall_s if self.wall_s > 0 else None


@contextmanager
def cpu_clock() -> Iterator[CpuClock]:
    """Read the wall and process CPU clocks around the block (two reads each, outside any round)."""
    clock = CpuClock()
    wall, cpu = time.perf_counter(), time.process_time()
    yield clock
    clock.cpu_s = time.process_time() - cpu
    clock.wall_s = time.perf_counter() - wall


#: Why a test has no time figures when the user turned pytest-benchmark off.
DISABLED_REASON = "pytest-benchmark is disabled (--benchmark-disable)"


def enable_under_xdist(benchmark: Any, disabled: bool) -> None:
    """pytest-benchmark turns itself off on xdist workers; perfgate's own measurements turn it back on.

    Only the xdist reason is lifted: ``disabled`` (the user's ``--benchmark-disable``) is respected.
    """
    if benchmark.disabled and os.environ.get("PYTEST_XDIST_WORKER") and not disabled:
        benchmark.disabled = False


class KeptResult:
    """Stands for the benchmarked function in pytest-benchmark's ``_raw``: its rounds call the function
    itself, and the call it makes after them for the result returns a timed call's result instead."""

    def __init__(self) -> None:
        self.fn: Callable[..., Any] | None = None
        self.kept: list[Any] = []
        #: Runner calls still to come up to the one whose result is kept (None: keep every one).
        self.countdown: int | None = None

    def wants(self) -> bool:
        """Whether to keep the result of the runner call starting now."""
        if self.countdown is None:
            return True
        self.countdown -= 1
        return self.countdown == 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.kept:
            return self.kept.pop()
        assert self.fn is not None
        return self.fn(*args, **kwargs)


def keep_result(benchmark: Any) -> KeptResult | None:
    """Spare pytest-benchmark's call for the result after its rounds: the test gets the result of the
    last round, or of the calibration when that is the only round (None: internals not as expected).

    Only a round of one call keeps its result (timed as ``pedantic`` times its rounds); under
    ``--benchmark-cprofile`` the call after the rounds is a profiled one, and is left as it is.
    """
    raw, make_runner = getattr(benchmark, "_raw", None), getattr(benchmark, "_make_runner", None)
    if raw is None or make_runner is None or getattr(benchmark, "cprofile", None):
        return None
    keeper = KeptResult()

    def keeping_raw(function_to_benchmark: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        keeper.fn = function_to_benchmark
        return raw(keeper, *args, **kwargs)

    def keeping_runner(function: Any, args: Any, kwargs: Any) -> Any:
        if function is not keeper:
            return make_runner(function, args, kwargs)
        runner = make_runner(keeper.fn, args, kwargs)

        def run(loops_range: Any, *rest: Any, **options: Any) -> Any:
            if loops_range is None or len(loops_range) != 1:
                keeper.kept.clear()  # a round of several calls: the result comes from a call of its own
                return runner(loops_range, *rest, **options)
            if not keeper.wants():
                return runner(loops_range, *rest, **options)
            duration, result = runner(None, *rest, **options)  # one call, its result returned
            keeper.kept[:] = [result]
            return duration

        return run

    benchmark._raw, benchmark._make_runner = keeping_raw, keeping_runner
    return keeper


def _calibration_is_the_round(benchmark: Any, duration: float) -> None:
    """No rounds after the calibration: its one timed run is the round pytest-benchmark records."""
    make_stats = benchmark._make_stats

    def with_calibration(iterations: int) -> Any:
        stats = make_stats(iterations)
        stats.update(duration)
        return stats

    benchmark._min_rounds, benchmark._max_time, benchmark._make_stats = 0, 0.0, with_calibration


def _planned_runs(benchmark: Any, duration: float, iterations: int) -> int:
    """Runner calls pytest-benchmark's ``_raw`` makes after calibrating: warm-up and rounds."""
    rounds = max(math.ceil(float(benchmark._max_time) / max(duration, 1e-12)), int(benchmark._min_rounds))
    warmup = getattr(benchmark, "_warmup", 0)
    return rounds + (min(rounds, max(1, int(warmup / iterations))) if warmup else 0)


def bound_rounds(benchmark: Any, deadline: Deadline) -> None:
    """Make pytest-benchmark's automatic rounds end by the deadline, leaving time for the calls after
    them: once its calibration has timed a call, its rounds are cut to what fits (none: the
    calibration is the round), and the result comes from a timed call. ``pedantic``'s fixed rounds
    are the test's own."""
    calibrate = getattr(benchmark, "_calibrate_timer", None)
    if calibrate is None or not hasattr(benchmark, "_min_rounds") or not hasattr(benchmark, "_max_time"):
        return  # another pytest-benchmark: its rounds run as it decides
    keeper = keep_result(benchmark)

    def bounded(runner: Any) -> Any:
        benchmark._max_time = min(float(benchmark._max_time), max(deadline.for_rounds(), 0.0))  # warm-up
        duration, iterations, loops_range = calibrate(runner)
        deadline.learn(duration / max(int(iterations), 1))
        wanted = max(math.ceil(float(benchmark._max_time) / max(duration, 1e-12)), int(benchmark._min_rounds))
        rounds = deadline.rounds(duration, wanted)
        if rounds < 1 and hasattr(benchmark, "_make_stats"):
            _calibration_is_the_round(benchmark, duration)
        else:
            benchmark._min_rounds = max(1, min(int(benchmark._min_rounds), rounds))
            benchmark._max_time = min(float(benchmark._max_time), rounds * duration * (1 - 1e-9))
            if keeper is not None:
                keeper.kept.clear()  # the calibration's result, outside any round
                keeper.countdown = _planned_runs(benchmark, duration, int(iterations))
        return duration, iterations, loops_range

    benchmark._calibrate_timer = bounded


def benchmark_timing(
    benchmark: Any, disabled: bool, cpu_share: float | None = None
) -> tuple[Timing | None, str]:
    """The rounds pytest-benchmark's fixture took, or None and why there are none (``disabled``: the
    user turned pytest-benchmark off)."""
    metadata = getattr(benchmark, "stats", None)
    if benchmark.disabled:
        return None, DISABLED_REASON if disabled else "pytest-benchmark measured nothing"
    if metadata is None or not metadata.stats.data:
        return None, "the benchmark fixture was not used"
    return Timing(data=list(metadata.stats.data), method="pytest-benchmark", cpu_share=cpu_share), ""


def run_benchmark(
    benchmark: Any, disabled: bool, call: Callable[[], Any], deadline: Deadline | None = None
) -> tuple[Any, Timing | None, str]:
    """Run ``call`` (which drives the fixture) and return its result with the rounds taken.

    The CPU share is read over the same span as the rounds, so CPU and wall time are comparable.
    With a ``deadline``, the fixture's automatic rounds end by it (see :func:`bound_rounds`).
    """
    enable_under_xdist(benchmark, disabled)
    if deadline is not None:
        bound_rounds(benchmark, deadline)
    with cpu_clock() as clock:
        result = call()
    timing, reason = benchmark_timing(benchmark, disabled, clock.share)
    return result, timing, reason


@dataclass
class BenchmarkedCall:
    """The function pytest-benchmark's fixture ran, its arguments, and ``pedantic``'s setup and teardown."""

    fn: Callable[..., Any] | None = None
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    setup: Callable[[], Any] | None = None
    teardown: Callable[..., Any] | None = None

    def prepare(self) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
        """(fn, args, kwargs) for one more call, the arguments made by ``setup`` now if there is one."""
        assert self.fn is not None
        args, kwargs = self.args, self.kwargs
        if self.setup is not None:
            made = self.setup()
            if made:
                args, kwargs = made
        return self.fn, tuple(args), dict(kwargs)


def remember_call(benchmark: Any) -> BenchmarkedCall:
    """Note what the test's ``benchmark`` fixture runs (``__call__`` or ``pedantic``), to call it again."""
    seen = BenchmarkedCall()
    raw, raw_pedantic = getattr(benchmark, "_raw", None), getattr(benchmark, "_raw_pedantic", None)
    if raw is None or raw_pedantic is None:
        return seen  # another pytest-benchmark: its function cannot be called again

    def remembered(function_to_benchmark: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        seen.fn, seen.args, seen.kwargs = function_to_benchmark, args, kwargs
        return raw(function_to_benchmark, *args, **kwargs)

    def remembered_pedantic(target: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        bound = inspect.signature(raw_pedantic).bind(target, *args, **kwargs).arguments
        seen.fn, seen.args, seen.kwargs = (
            target,
            tuple(bound.get("args") or ()),
            dict(bound.get("kwargs") or {}),
        )
        seen.setup, seen.teardown = bound.get("setup"), bound.get("teardown")
        return raw_pedantic(target, *args, **kwargs)

    benchmark._raw = remembered
    benchmark._raw_pedantic = remembered_pedantic
    return seen
