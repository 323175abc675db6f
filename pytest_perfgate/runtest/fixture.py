"""The ``perfgate`` fixture: time a call with pytest-benchmark, measure its memory apart, judge it."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import pytest

from ..config.markers import budget_for
from ..config.options import benchmark_disabled
from ..gates import leaks
from ..gates.run import run_gate
from ..measure.memory import MemoryResult
from ..measure.sampling import CallSampler, benchmark_iterations, benchmark_sampler
from ..measure.timing import DISABLED_REASON, run_benchmark
from ..record import Record
from ..verdict.decide import GateOutcome
from . import instructions as counting
from . import memory, profile
from .call import conclude, judged, profile_if_wanted, settle_time
from .session import PerfgateSession, state

if TYPE_CHECKING:
    from ..gates import concurrent, scaling

_BENCHMARK_UNUSED = "Benchmark fixture was not used at all in this test"


class PerfgateFixture:
    """Measures one call per test against the test's budget: :meth:`__call__`, :meth:`pedantic`, or a
    gate beyond one call: :meth:`scaling`, :meth:`concurrent`."""

    def __init__(self, item: pytest.Item, benchmark: Any) -> None:
        self._item = item
        self._benchmark = benchmark
        self._config = item.config
        self._session = PerfgateSession.of(item.config)
        self._settings = self._session.settings
        resolved = state(item).budget
        self._budget = resolved or budget_for(self._settings, self._session.time_scale)
        self._used = False

    def __call__(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Time ``fn(*args, **kwargs)`` with pytest-benchmark, then measure its memory; return its result."""
        return self._measure(
            lambda: self._benchmark(fn, *args, **kwargs),
            lambda: (fn, args, kwargs),
            lambda: benchmark_sampler(self._benchmark, fn, args, kwargs, probe=self._session.probe),
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
                self._benchmark, fn, args, kwargs, setup=setup, probe=self._session.probe
            ),
        )

    def leaks(
        self,
        fn: Callable[..., Any],
        /,
        *args: Any,
        calls: int = leaks.DEFAULT_CALLS,
        max_growth: str | int = leaks.DEFAULT_MAX_GROWTH,
        **kwargs: Any,
    ) -> None:
        """Fail when the memory still held after ``calls`` calls of ``fn(*args, **kwargs)`` grows by more
        than ``max_growth``; the first calls (a tenth, at least one) are warm-up and not counted."""
        calls, limit = leaks.validate(fn, calls, max_growth)
        self._start()
        call = functools.partial(fn, *args, **kwargs)
        reason = counting.gate_reason(self._config, leaks.KIND)
        if self._settings.mode == "off" or reason is not None:
            call()
            self._conclude(gate=GateOutcome(leaks.KIND, None, reason=reason or ""))
            return
        backend, notes = memory.backend_for(self._item, timed=False)
        attribution = memory.attribution(self._config)
        outcome = leaks.check(
            call, calls=calls, max_growth=limit, backend=backend, attribution=attribution, notes=notes
        )
        self._conclude(gate=outcome)

    def scaling(
        self,
        fn: Callable[[Any], Any],
        sizes: Sequence[float],
        make_input: Callable[[Any], Any],
        max_exponent: float,
    ) -> scaling.ScalingResult:
        """Time ``fn(make_input(n))`` for each n, fit time ∝ n^k; fail when k > ``max_exponent``.

        Inputs are made before any timing; each size is timed in loops of several milliseconds,
        the best of several rounds. Returns the sizes, seconds per call, exponent and its interval.
        """
        __tracebackhide__ = True
        from ..gates import scaling  # loaded by the tests that use it

        fn, checked, make_input, limit = scaling.check_arguments(fn, sizes, make_input, max_exponent)
        self._start()

        def once() -> scaling.ScalingResult:
            scaling.run_once(fn, checked, make_input)
            return scaling.ScalingResult(sizes=checked, max_exponent=limit)

        measure: Callable[[], scaling.ScalingResult]
        measure = functools.partial(scaling.measure, fn, checked, make_input, limit)
        confirm = self._settings.confirm
        if counting.active(self._config):  # counted: deterministic, so no confirmation
            measure, confirm = counting.scaling(self._item, fn, checked, make_input, limit), 0
        result, outcome = run_gate(
            scaling.KIND,
            measure=measure,
            once=once,
            confirm=confirm,
            skip_reason=self._skip_reason(),
        )
        self._conclude(gate=outcome)
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
    ) -> concurrent.ConcurrentResult:
        """Fail when a call's median time with ``workers`` copies at once exceeds alone x ``max_slowdown``.

        ``kind="thread"`` runs the copies in threads, ``kind="process"`` in spawned processes (fn,
        args and kwargs must then be picklable: fn defined at module level in an importable module).
        """
        __tracebackhide__ = True
        from ..gates import concurrent  # loaded by the tests that use it

        fn, workers, max_slowdown, kind = concurrent.check_arguments(fn, workers, max_slowdown, kind)
        payload = None
        if kind == "process":
            payload = concurrent.payload_for_processes(fn, args, kwargs)
        self._start()

        def once() -> concurrent.ConcurrentResult:
            fn(*args, **kwargs)
            return concurrent.ConcurrentResult(
                workers=workers,
                kind=kind,
                max_slowdown=max_slowdown,
                cores=concurrent.available_cores(),
            )

        result, outcome = run_gate(
            concurrent.KIND,
            measure=lambda: concurrent.measure(
                fn, args, kwargs, workers=workers, max_slowdown=max_slowdown, kind=kind, payload=payload
            ),
            once=once,
            confirm=self._settings.confirm,
            skip_reason=counting.gate_reason(self._config, concurrent.KIND) or self._skip_reason(),
        )
        self._conclude(gate=outcome)
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
        from ..gates import compare  # loaded by the tests that use it

        speedup, memory_ratio = compare.validate(candidate, baseline, min_speedup, max_memory_ratio)
        self._start()

        def call_candidate() -> Any:
            return candidate(*args, **kwargs)

        def call_baseline() -> Any:
            return baseline(*args, **kwargs)

        reason = self._skip_reason()
        if reason is not None:
            result = call_candidate()
            self._conclude(time_reason=reason, memory_reason=reason)
            return result
        counted = counting.gate_reason(self._config, "compare")
        if counted is not None:
            call_baseline()
            result = call_candidate()
            self._conclude(gate=GateOutcome("compare", None, reason=counted))
            return result
        result, comparison = compare.run(
            call_candidate,
            call_baseline,
            min_speedup=speedup,
            max_memory_ratio=memory_ratio,
            memory_backend=memory.backend_for(self._item)[0],
            policy=self._session.policy(),
        )
        peak = comparison.memory[0] if comparison.memory else None
        self._conclude(timing=comparison.timing(), memory=peak, compare=comparison.verdict_figures())
        return result

    @property
    def measurement(self) -> Record:
        """The figures and verdict of the measured call (after it)."""
        record = state(self._item).record
        if record is None:
            raise RuntimeError("perfgate.measurement is available after perfgate(...) has run")
        return record

    def _start(self) -> None:
        if self._used:
            raise RuntimeError("perfgate measures one call per test; it was already used in this test")
        self._used = True

    def _skip_reason(self) -> str | None:
        """Why nothing is measured in this run (mode off, ``--benchmark-disable``), or None."""
        if self._settings.mode == "off":
            return "perfgate mode is off"
        return DISABLED_REASON if benchmark_disabled(self._config) else None

    def _measure(
        self,
        drive: Callable[[], Any],
        prepare: profile.Prepare,
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
            self._conclude()
            return result
        if counting.active(self._config):
            result, counts, held = counting.count_fixture_call(self._item, self._budget, one_call)
            notes = list(held.notes) if held is not None else []
            self._conclude(counted=True, counts=counts, memory=held, notes=notes)
            return result
        deadline = self._session.deadline(self._item)  # one for the rounds and all that follows them
        watch = self._session.watch()
        watch.start()
        result, timing, time_reason = run_benchmark(
            self._benchmark, benchmark_disabled(self._config), drive, deadline
        )
        span = watch.stop()
        if timing is None:
            self._conclude(time_reason=time_reason, memory_reason=time_reason)
            return result
        iterations = benchmark_iterations(self._benchmark)
        decision = settle_time(
            self._item, self._budget, timing, span, sampler(), iterations=iterations, deadline=deadline
        )
        peak: MemoryResult | None = None
        if self._budget.memory is not None:
            peak = memory.measure_call(self._item, self._budget.memory, one_call())
        take = functools.partial(profile.fixture_call, self._item, prepare)
        self._conclude(
            settled=decision,
            memory=peak,
            notes=list(peak.notes) if peak is not None else [],
            **profile_if_wanted(self._item, self._budget, decision.timing, take),
        )
        return result

    def _conclude(self, **values: Any) -> None:
        conclude(judged(self._item, self._budget, **values))


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
