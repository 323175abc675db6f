"""The ``perfgate`` fixture: time a call with pytest-benchmark, measure its memory apart, judge it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from . import baseline, keys, noise
from . import compare as comparing
from .gating import conclude
from .markers import gate_for
from .measure.memory import MemoryResult, peak_of_call, resolve_backend
from .measure.sampling import CallSampler, benchmark_iterations, benchmark_sampler
from .measure.timing import run_benchmark
from .record import Record
from .verdict import judge


class PerfgateFixture:
    """Measures one call per test against the test's budget; see :meth:`__call__` and :meth:`pedantic`."""

    def __init__(self, item: pytest.Item, benchmark: Callable[[], Any]) -> None:
        self._item = item
        self._get_benchmark = benchmark
        self._benchmark_fixture: Any = None
        self._config = item.config
        self._settings = item.config.stash[keys.SETTINGS]
        gate = item.stash.get(keys.GATE, None)
        self._gate = gate or gate_for(self._settings, item.config.stash[keys.TIME_SCALE])
        self._used = False

    @property
    def _benchmark(self) -> Any:
        """pytest-benchmark's fixture, requested at first use (``compare`` and others do not need it)."""
        if self._benchmark_fixture is None:
            self._benchmark_fixture = self._get_benchmark()
        return self._benchmark_fixture

    def __call__(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Time ``fn(*args, **kwargs)`` with pytest-benchmark, then measure its memory; return its result."""
        return self._measure(
            lambda: self._benchmark(fn, *args, **kwargs),
            lambda: fn(*args, **kwargs),
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

        def one_call() -> Any:
            call_args, call_kwargs = args, kwargs
            if setup is not None:
                made = setup()
                if made:
                    call_args, call_kwargs = made
            return fn(*call_args, **call_kwargs)

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
            one_call,
            lambda: benchmark_sampler(
                self._benchmark, fn, args, kwargs, setup=setup, probe=noise.probe_for(self._config)
            ),
        )

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
        if self._config.getoption("benchmark_disable", False) and not self._config.getoption(
            "benchmark_enable", False
        ):
            result = call_candidate()
            reason = "pytest-benchmark is disabled (--benchmark-disable)"
            self._conclude(
                judge(nodeid, self._gate, timing=None, time_reason=reason, memory=None, memory_reason=reason)
            )
            return result
        result, comparison = comparing.run(
            call_candidate,
            call_baseline,
            min_speedup=speedup,
            max_memory_ratio=memory_ratio,
            memory_backend=resolve_backend(self._settings.memory_backend),
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
        one_call: Callable[[], Any],
        sampler: Callable[[], CallSampler | None],
    ) -> Any:
        self._start()
        if self._settings.mode == "off":
            result = one_call()
            self._conclude(judge(self._item.nodeid, self._gate, timing=None, memory=None, mode="off"))
            return result
        watch = noise.watch_for(self._config)
        watch.start()
        result, timing, time_reason = run_benchmark(self._benchmark, self._config, drive)
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
            )
            timing = decision.timing
        memory: MemoryResult | None = None
        memory_reason = time_reason
        if timing is not None and self._gate.memory is not None:
            backend = resolve_backend(self._settings.memory_backend)
            _, memory = peak_of_call(one_call, backend)
        record = judge(
            self._item.nodeid,
            self._gate,
            timing=timing,
            time_reason=time_reason,
            memory=memory,
            memory_reason=memory_reason,
            mode=self._settings.mode,
        )
        if decision is not None:
            record = decision.apply(record)
        self._conclude(record)
        return result

    def _conclude(self, record: Record) -> None:
        record = baseline.review(self._config, record, self._settings.mode)
        self._item.stash[keys.RECORD] = record
        conclude(record)


@pytest.fixture
def perfgate(request: pytest.FixtureRequest) -> PerfgateFixture:
    """Measure one call against the test's performance budget: ``perfgate(fn, *args, **kwargs)``."""
    assert isinstance(request.node, pytest.Item)
    return PerfgateFixture(request.node, lambda: request.getfixturevalue("benchmark"))
