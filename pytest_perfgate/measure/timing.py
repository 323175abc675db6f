"""Round times through pytest-benchmark's fixture (its calibration, marker options and flags apply)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
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
    """Make pytest-benchmark's automatic rounds end by the deadline, give or take one round.

    Once its calibration has timed a round, its minimum rounds and its time for rounds are cut to
    what the deadline has left (at least one round). ``pedantic``'s fixed rounds are the test's own.
    """
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
