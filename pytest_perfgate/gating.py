"""How each kind of performance test is measured and concluded, around its call phase.

- tests using ``perfgate``: the fixture measures and judges (see fixture.py);
- tests using pytest-benchmark's ``benchmark``: judged on that fixture's rounds after the body;
- tests using neither: one call of the body, timed and traced together.
Every one ends in :func:`finalize`, which puts the record on ``item.user_properties``.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Generator
from dataclasses import replace

import pytest

from . import baseline, keys, noise
from .measure.contention import Span
from .measure.memory import resolve_backend, traced
from .measure.sampling import benchmark_iterations
from .measure.timing import Timing, benchmark_timing
from .record import FAIL, NOT_MEASURED, WARN, Record
from .targets import Gate
from .verdict import judge


class PerfgateWarning(UserWarning):
    """A performance budget was broken while perfgate runs in warn mode."""


def conclude(record: Record) -> None:
    """Fail the test (in its call phase) or warn, as the verdict says."""
    if record.verdict == FAIL:
        pytest.fail(record.message, pytrace=False)
    if record.verdict == WARN:
        warnings.warn(PerfgateWarning(record.message), stacklevel=3)


def judge_benchmark_test(item: pytest.Item, gate: Gate, span: Span) -> Record:
    """A test that used pytest-benchmark's own fixture: its rounds against the time budget."""
    settings = item.config.stash[keys.SETTINGS]
    benchmark = item.funcargs["benchmark"]  # type: ignore[attr-defined]
    timing, reason = benchmark_timing(benchmark, item.config)
    decision = None
    if timing is not None:
        iterations = benchmark_iterations(benchmark)
        decision = noise.settle_for(item.config, item.nodeid, gate, timing, span, None, iterations)
        timing = decision.timing
    record = judge(
        item.nodeid,
        gate,
        timing=timing,
        time_reason=reason,
        memory=None,
        memory_reason="not measured (the benchmark fixture measures time only)",
        mode=settings.mode,
        memory_required=False,
    )
    return record if decision is None else decision.apply(record)


def measure_body(item: pytest.Item, gate: Gate) -> Generator[None, object, object]:
    """Wrap the test body: one call, timed and traced together; stash the record when it returns."""
    settings = item.config.stash[keys.SETTINGS]
    if settings.mode == "off":
        result = yield
        item.stash[keys.RECORD] = judge(item.nodeid, gate, timing=None, memory=None, mode="off")
        return result
    backend = resolve_backend(settings.memory_backend)
    watch = noise.watch_for(item.config)
    with traced(backend) as peak:
        watch.start()
        start = time.perf_counter()
        result = yield
        elapsed = time.perf_counter() - start
        span = watch.stop()
    timing = Timing(data=[elapsed], method="one call of the test body", traced=True)
    decision = noise.settle_for(item.config, item.nodeid, gate, timing, span, None, whole=True)
    record = judge(
        item.nodeid,
        gate,
        timing=decision.timing,
        memory=peak.result,
        mode=settings.mode,
    )
    item.stash[keys.RECORD] = decision.apply(record)
    return result


def finalize(item: pytest.Item, gate: Gate | None, error: BaseException | None) -> None:
    """Put the test's record on ``user_properties``; a test's own failure is never recorded as a pass."""
    record = item.stash.get(keys.RECORD, None)
    if record is None:
        if gate is None:
            return
        what = (
            f"the test stopped before it was measured ({type(error).__name__})"
            if error
            else ("the test did not call perfgate")
        )
        record = Record(nodeid=item.nodeid, target=gate.target, verdict=NOT_MEASURED, reason=what)
    elif error is not None and record.verdict != FAIL:
        outcome = "skipped" if isinstance(error, pytest.skip.Exception) else "failed"
        record = replace(
            record,
            verdict=NOT_MEASURED,
            reason=f"the test {outcome} ({type(error).__name__}); its figures are not judged",
        )
    item.stash[keys.RECORD] = record
    item.user_properties.extend(record.to_properties())


def gate_call(item: pytest.Item) -> Generator[None, object, object]:
    """The body of the ``pytest_runtest_call`` wrapper: measure as the test's kind says, then conclude."""
    gate = item.stash.get(keys.GATE, None)
    fixturenames = getattr(item, "fixturenames", ())
    if gate is None and "perfgate" not in fixturenames:
        return (yield)
    try:
        if "perfgate" in fixturenames:
            result = yield  # the fixture measures, judges and concludes inside the body
        elif "benchmark" in fixturenames:
            assert gate is not None
            watch = noise.watch_for(item.config)
            watch.start()
            result = yield
            item.stash[keys.RECORD] = judge_benchmark_test(item, gate, watch.stop())
        else:
            assert gate is not None
            result = yield from measure_body(item, gate)
    except BaseException as error:
        finalize(item, gate, error)
        raise
    if "perfgate" not in fixturenames:
        settings = item.config.stash[keys.SETTINGS]
        item.stash[keys.RECORD] = baseline.review(item.config, item.stash[keys.RECORD], settings.mode)
    finalize(item, gate, None)
    if "perfgate" not in fixturenames:
        conclude(item.stash[keys.RECORD])
    return result
