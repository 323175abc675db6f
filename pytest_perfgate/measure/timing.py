"""Round times through pytest-benchmark's fixture (its calibration, marker options and flags apply)."""

from __future__ import annotations

import inspect
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


def bound_rounds(benchmark: Any, deadline: Deadline) -> None:
    """Make pytest-benchmark's automatic rounds end by the deadline (at least one round): once its
    calibration has timed a round, its minimum rounds and time for rounds are cut to what is left.
    ``pedantic``'s fixed rounds are the test's own."""
    calibrate = getattr(benchmark, "_calibrate_timer", None)
    if calibrate is None or not hasattr(benchmark, "_min_rounds") or not hasattr(benchmark, "_max_time"):
        return  # another pytest-benchmark: its rounds run as it decides

    def bounded(runner: Any) -> Any:
        duration, iterations, loops_range = calibrate(runner)
        fit = deadline.fits(duration)  # pytest-benchmark runs max(ceil(max_time / duration), min_rounds)
        benchmark._min_rounds = max(1, min(int(benchmark._min_rounds), fit))
        benchmark._max_time = min(float(benchmark._max_time), fit * duration * (1 - 1e-9))
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
