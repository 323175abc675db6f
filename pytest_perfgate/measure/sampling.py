"""More rounds of a measured call, taken the way pytest-benchmark took the first ones.

Each round also records its CPU wait and CPU time, so the verdict can take out what others took."""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from .contention import Probe, Span, WaitClock, Watch, run_queue_wait


@dataclass(frozen=True)
class Batch:
    """Rounds taken together, in seconds per call, with the machine's state while they ran.

    ``wait`` and ``cpu`` hold, per round, the time the thread waited for a CPU and its CPU time (both
    per call), where they were measured.
    """

    wall: Sequence[float]
    span: Span
    source: str
    wait: Sequence[float] | None = None
    cpu: Sequence[float] | None = None
    #: Seconds the batch took from start to end (rounds, setup, timer calls), for planning more.
    elapsed_s: float = 0.0
    #: Whether the rounds ran under memory tracing.
    traced: bool = False
    #: Calls per round (the rounds above are per call).
    iterations: int = 1


class Sampler(Protocol):
    """Takes more rounds of the measured call on request."""

    def take(self, rounds: int) -> Batch:
        """Run ``rounds`` more rounds and return them."""
        ...


@contextmanager
def paused_instrumentation() -> Iterator[None]:
    """No tracer or profiler (coverage, debuggers) while timing, as pytest-benchmark does."""
    tracer, profiler = sys.gettrace(), sys.getprofile()
    sys.settrace(None)
    sys.setprofile(None)
    try:
        yield
    finally:
        sys.settrace(tracer)
        sys.setprofile(profiler)


@dataclass
class CallSampler:
    """Rounds of ``fn(*args, **kwargs)``: ``iterations`` calls per round timed with ``timer``.

    With ``setup`` (pytest-benchmark's pedantic form) each round calls it first, untimed, and uses
    the ``(args, kwargs)`` it returns, if any; ``iterations`` is then 1.
    """

    fn: Callable[..., Any]
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    iterations: int = 1
    timer: Callable[[], float] = time.perf_counter
    disable_gc: bool = False
    setup: Callable[[], Any] | None = None
    probe: Probe | None = None
    waited: WaitClock = run_queue_wait

    def __post_init__(self) -> None:
        if self.iterations < 1:
            raise ValueError(f"iterations must be at least 1, not {self.iterations!r}")
        if self.setup is not None and self.iterations != 1:
            raise ValueError("a setup function needs iterations=1")

    def _arguments(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        if self.setup is not None:
            made = self.setup()
            if made:
                args, kwargs = made
                return tuple(args), dict(kwargs)
        return self.args, self.kwargs

    def take(self, rounds: int) -> Batch:
        if rounds < 1:
            raise ValueError(f"rounds must be at least 1, not {rounds!r}")
        walls: list[float] = []
        waits: list[float] = []
        cpus: list[float] = []
        waits_known = True
        timer, waited, fn, loops = self.timer, self.waited, self.fn, range(self.iterations)
        watch = Watch(self.probe, waited=waited)
        gc_was_enabled = gc.isenabled()
        begin = time.perf_counter()
        watch.start()
        with paused_instrumentation():
            try:
                if self.disable_gc:
                    gc.disable()
                for _ in range(rounds):
                    args, kwargs = self._arguments()
                    outer0 = time.perf_counter()
                    wait0 = waited()
                    cpu0 = time.thread_time()
                    start = timer()
                    for _ in loops:
                        fn(*args, **kwargs)
                    end = timer()
                    cpu1 = time.thread_time()
                    wait1 = waited()
                    outer = time.perf_counter() - outer0
                    walls.append((end - start) / self.iterations)
                    cpus.append((cpu1 - cpu0) / self.iterations)
                    if wait0 is None or wait1 is None:
                        waits_known = False
                    else:
                        # Only the wait that cannot have fallen outside the timed part counts.
                        outside = max(0.0, outer - (end - start))
                        waits.append(max(0.0, wait1 - wait0 - outside) / self.iterations)
            finally:
                if gc_was_enabled:
                    gc.enable()
        span = watch.stop()
        return Batch(
            wall=walls,
            span=span,
            source="perfgate rounds",
            wait=waits if waits_known else None,
            cpu=cpus,
            elapsed_s=time.perf_counter() - begin,
            iterations=self.iterations,
        )


def benchmark_iterations(benchmark: Any) -> int:
    """Calls per round in the rounds pytest-benchmark's fixture took (1 if it took none)."""
    metadata = getattr(benchmark, "stats", None)
    return int(getattr(metadata, "iterations", 1) or 1)


def benchmark_sampler(
    benchmark: Any,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    setup: Callable[[], Any] | None = None,
    probe: Probe | None = None,
) -> CallSampler | None:
    """A sampler taking rounds as pytest-benchmark's fixture took them (None if it measured nothing)."""
    metadata = getattr(benchmark, "stats", None)
    if metadata is None:
        return None
    options = getattr(metadata, "options", {}) or {}
    timer = options.get("timer")
    return CallSampler(
        fn=fn,
        args=args,
        kwargs=kwargs,
        iterations=benchmark_iterations(benchmark),
        timer=timer if callable(timer) else time.perf_counter,
        disable_gc=bool(options.get("disable_gc", False)),
        setup=setup,
        probe=probe,
    )
