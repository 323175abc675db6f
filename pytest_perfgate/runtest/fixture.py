"""The ``perfgate`` fixture: time a call with pytest-benchmark, measure its memory apart, judge it."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import pytest

from ..config.markers import gate_for
from ..config.options import benchmark_disabled
from ..gates import leaks as leak_gate
from ..gates.run import disabled_reason, run_gate
from ..measure.memory import MemoryResult
from ..measure.sampling import CallSampler, benchmark_iterations, benchmark_sampler
from ..measure.timing import DISABLED_REASON, run_benchmark
from ..record import Record
from ..verdict import baseline
from ..verdict import noisy_time as noise
from ..verdict.budget import judge
from . import memory as memory_gate
from . import profile as diagnosis
from . import session as keys
from .call import conclude

if TYPE_CHECKING:
    from ..gates import concurrent as concurrent_gate
    from ..gates import scaling as scaling_gate

_BENCHMARK_UNUSED = "Benchmark fixture was not used at all in this test"


class PerfgateFixture:
    """Measures one call per test against the test's budget: :meth:`__call__`, :meth:`pedantic`, or a
    gate beyond one call: :meth:`scaling`, :meth:`concurrent`."""

    def __init__(self, item: pytest.Item, benchmark: Any) -> None:
        self._item = item
        self._benchmark = benchmark
        self._config = item.config
        self._settings = item.config.stash[keys.SETTINGS]
        gate = item.stash.get(keys.GATE, None)
        self._gate = gate or gate_for(self._settings, item.config.stash[keys.TIME_SCALE])
        self._used = False

    def __call__(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Time ``fn(*args, **kwargs)`` with pytest-benchmark, then measure its memory; return its result."""
        return self._measure(
            lambda: self._benchmark(fn, *args, **kwargs),
            lambda: (fn, args, kwargs),
            lambda: benchmark_sampler(self._benchmark, fn, args, kwargs, probe=noise.probe_for(self._config)),
        )

    def pedantic(
        self,
        fn: Callable[..., Any],
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
        setup: Callable[[], Any] | None = None,
        rounds: int = 1,
        warmup_rounds: int = 0,
        iterations: int = 1,
    ) -> Any:
        """Like :meth:`__call__` with fixed rounds (pytest-benchmark's ``pedantic``), for long work."""
        kwargs = kwargs or {}

        def prepare() -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
            call_args, call_kwargs = args, kwargs
            if setup is not None:
                made = setup()
                if made:
                    call_args, call_kwargs = made
            return fn, call_args, call_kwargs

        return self._measure(
            lambda: self._benchmark.pedantic(
                fn,
                args=args,
                kwargs=kwargs,
                setup=setup,
                rounds=rounds,
                warmup_rounds=warmup_rounds,
                iterations=iterations,
            ),
            prepare,
            lambda: benchmark_sampler(
                self._benchmark, fn, args, kwargs, setup=setup, probe=noise.probe_for(self._config)
            ),
        )

    def leaks(
        self,
        fn: Callable[..., Any],
        /,
        *args: Any,
        calls: int = leak_gate.DEFAULT_CALLS,
        max_growth: str | int = leak_gate.DEFAULT_MAX_GROWTH,
        **kwargs: Any,
    ) -> None:
        """Fail when the memory still held after ``calls`` calls of ``fn(*args, **kwargs)`` grows by more
        than ``max_growth``; the first calls (a tenth, at least one) are warm-up and not counted."""
        calls, limit = leak_gate.validate(fn, calls, max_growth)
        self._start()
        call = functools.partial(fn, *args, **kwargs)
        mode = self._settings.mode
        self._conclude(leak_gate.check(self._item, self._gate, mode, call, calls=calls, max_growth=limit))

    def scaling(
        self,
        fn: Callable[[Any], Any],
        sizes: Sequence[float],
        make_input: Callable[[Any], Any],
        max_exponent: float,
    ) -> scaling_gate.ScalingResult:
        """Time ``fn(make_input(n))`` for each n, fit time ∝ n^k; fail when k > ``max_exponent``.

        Inputs are made before any timing; each size is timed in loops of several milliseconds,
        the best of several rounds. Returns the sizes, seconds per call, exponent and its interval.
        """
        __tracebackhide__ = True
        from ..gates import scaling as scaling_gate  # loaded by the tests that use it

        fn, checked, make_input, limit = scaling_gate.check_arguments(fn, sizes, make_input, max_exponent)
        self._start()

        def once() -> scaling_gate.ScalingResult:
            scaling_gate.run_once(fn, checked, make_input)
            return scaling_gate.ScalingResult(sizes=checked, max_exponent=limit)

        result, record = run_gate(
            self._item.nodeid,
            self._gate,
            self._settings,
            scaling_gate.KIND,
            measure=lambda: scaling_gate.measure(fn, checked, make_input, limit),
            once=once,
            skip_reason=disabled_reason(self._config),
        )
        self._conclude(record)
        return result

    def concurrent(
        self,
        fn: Callable[..., Any],
        /,
        *args: Any,
        workers: int = 5,
        max_slowdown: float = 1.2,
        kind: str = "thread",
        **kwargs: Any,
    ) -> concurrent_gate.ConcurrentResult:
        """Fail when a call's median time with ``workers`` copies at once exceeds alone x ``max_slowdown``.

        ``kind="thread"`` runs the copies in threads, ``kind="process"`` in spawned processes (fn,
        args and kwargs must then be picklable: fn defined at module level in an importable module).
        """
        __tracebackhide__ = True
        from ..gates import concurrent as concurrent_gate  # loaded by the tests that use it

        fn, workers, max_slowdown, kind = concurrent_gate.check_arguments(fn, workers, max_slowdown, kind)
        payload = None
        if kind == "process":
            payload = concurrent_gate.payload_for_processes(fn, args, kwargs)
        self._start()

        def once() -> concurrent_gate.ConcurrentResult:
            fn(*args, **kwargs)
            return concurrent_gate.ConcurrentResult(
                workers=workers,
                kind=kind,
                max_slowdown=max_slowdown,
                cores=concurrent_gate.available_cores(),
            )

        result, record = run_gate(
            self._item.nodeid,
            self._gate,
            self._settings,
            concurrent_gate.KIND,
            measure=lambda: concurrent_gate.measure(
                fn, args, kwargs, workers=workers, max_slowdown=max_slowdown, kind=kind, payload=payload
            ),
            once=once,
            skip_reason=disabled_reason(self._config),
        )
        self._conclude(record)
        return result

    def compare(
        self,
        candidate: Callable[..., Any],
        baseline: Callable[..., Any],
        /,
        *args: Any,
        min_speedup: float | None = None,
        max_memory_ratio: float | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run ``candidate`` and ``baseline`` interleaved on the same arguments; return candidate's result.

        Fails when candidate is not ``min_speedup`` times as fast (1.2: 20% faster) or peaks above
        ``max_memory_ratio`` times baseline's memory (0.7: 30% less). The speedup and its 95% interval
        are in ``perfgate.measurement.extra["compare"]``.
        """
        from ..gates import compare as comparing  # loaded by the tests that use it

        speedup, memory_ratio = comparing.validate(candidate, baseline, min_speedup, max_memory_ratio)
        self._start()
        nodeid = self._item.nodeid

        def call_candidate() -> Any:
            return candidate(*args, **kwargs)

        def call_baseline() -> Any:
            return baseline(*args, **kwargs)

        if self._settings.mode == "off":
            result = call_candidate()
            self._conclude(judge(nodeid, self._gate, timing=None, memory=None, mode="off"))
            return result
        if benchmark_disabled(self._config):
            result = call_candidate()
            reason = DISABLED_REASON
            self._conclude(
                judge(nodeid, self._gate, timing=None, time_reason=reason, memory=None, memory_reason=reason)
            )
            return result
        result, comparison = comparing.run(
            call_candidate,
            call_baseline,
            min_speedup=speedup,
            max_memory_ratio=memory_ratio,
            memory_backend=memory_gate.backend_for(self._item)[0],
            policy=noise.policy_for(self._config),
        )
        memory = comparison.memory[0] if comparison.memory else None
        record = judge(
            nodeid, self._gate, timing=comparison.timing(), memory=memory, mode=self._settings.mode
        )
        self._conclude(comparing.apply(comparison, record, self._settings.mode))
        return result

    @property
    def measurement(self) -> Record:
        """The figures and verdict of the measured call (after it)."""
        record = self._item.stash.get(keys.RECORD, None)
        if record is None:
            raise RuntimeError("perfgate.measurement is available after perfgate(...) has run")
        return record

    def _start(self) -> None:
        if self._used:
            raise RuntimeError("perfgate measures one call per test; it was already used in this test")
        self._used = True

    def _measure(
        self,
        drive: Callable[[], Any],
        prepare: diagnosis.Prepare,
        sampler: Callable[[], CallSampler | None],
    ) -> Any:
        """Time through ``drive``; ``prepare`` gives (fn, args, kwargs) for each call beyond the rounds,
        made outside any tracing; ``sampler`` takes more rounds when the verdict needs them."""

        def one_call() -> Callable[[], Any]:
            fn, args, kwargs = prepare()
            return functools.partial(fn, *args, **kwargs)

        self._start()
        if self._settings.mode == "off":
            result = one_call()()
            self._conclude(judge(self._item.nodeid, self._gate, timing=None, memory=None, mode="off"))
            return result
        deadline = noise.deadline_for(self._config)  # one for the rounds and all that follows them
        watch = noise.watch_for(self._config)
        watch.start()
        result, timing, time_reason = run_benchmark(
            self._benchmark, benchmark_disabled(self._config), drive, deadline
        )
        span = watch.stop()
        decision = None
        if timing is not None:
            decision = noise.settle_for(
                self._config,
                self._item.nodeid,
                self._gate,
                timing,
                span,
                sampler(),
                iterations=benchmark_iterations(self._benchmark),
                deadline=deadline,
            )
            timing = decision.timing
        memory: MemoryResult | None = None
        memory_reason = time_reason
        if timing is not None and self._gate.memory is not None:
            memory = memory_gate.measure_call(self._item, self._gate.memory, one_call())
        record = judge(
            self._item.nodeid,
            self._gate,
            timing=timing,
            time_reason=time_reason,
            memory=memory,
            memory_reason=memory_reason,
            mode=self._settings.mode,
            notes=list(memory.notes) if memory is not None else None,
        )
        if decision is not None:
            record = decision.apply(record)
        record = memory_gate.with_allocations(record, memory)
        record = diagnosis.profile_fixture_call(self._item, record, prepare)
        self._conclude(record)
        return result

    def _conclude(self, record: Record) -> None:
        record = baseline.review(self._config, record, self._settings.mode)
        self._item.stash[keys.RECORD] = record
        memory_gate.report_allocations(self._item, record)
        conclude(record)


@pytest.fixture
def perfgate(request: pytest.FixtureRequest, benchmark: Any) -> PerfgateFixture:
    """Measure one call against the test's performance budget: ``perfgate(fn, *args, **kwargs)``."""
    assert isinstance(request.node, pytest.Item)
    return PerfgateFixture(request.node, benchmark)


def quiet_unused_benchmark(items: list[pytest.Item]) -> None:
    """perfgate drives pytest-benchmark's fixture only for timed rounds (not for leaks, nor in mode off):
    that fixture's "was not used" warning says nothing about a test that uses ``perfgate``."""
    for item in items:
        if "perfgate" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.filterwarnings(f"ignore:{_BENCHMARK_UNUSED}"))
