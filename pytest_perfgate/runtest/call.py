"""How each kind of performance test is measured and concluded, around its call phase.

- tests using ``perfgate``: the fixture measures and judges (see fixture.py);
- tests using pytest-benchmark's ``benchmark``: judged on that fixture's rounds after the body;
- tests using neither: one call of the body, timed and traced together.
Every one ends in :func:`finalize`, which puts the record on ``item.user_properties``.
"""

from __future__ import annotations

import warnings
from collections.abc import Generator
from dataclasses import replace
from typing import Any

import pytest

from ..config.options import benchmark_disabled
from ..config.targets import Gate
from ..measure.contention import Span
from ..measure.deadline import Deadline
from ..measure.sampling import benchmark_iterations
from ..measure.timing import Timing, benchmark_timing, bound_rounds, cpu_clock, enable_under_xdist
from ..record import FAIL, NOT_MEASURED, WARN, Record
from ..reports import benchmark as benchmark_report
from ..verdict import baseline
from ..verdict import noisy_time as noise
from ..verdict.budget import judge
from . import memory as memory_gate
from . import profile as diagnosis
from . import session as keys


class PerfgateWarning(UserWarning):
    """A performance budget was broken while perfgate runs in warn mode."""


def conclude(record: Record) -> None:
    """Fail the test (in its call phase) or warn, as the verdict says."""
    if record.verdict == FAIL:
        pytest.fail(record.message, pytrace=False)
    if record.verdict == WARN:
        warnings.warn(PerfgateWarning(record.message), stacklevel=3)


def benchmark_fixture(item: pytest.Item) -> Any:
    """The test's ``benchmark`` fixture value (set up before the call phase)."""
    return item.funcargs["benchmark"]  # type: ignore[attr-defined]


def judge_benchmark_test(
    item: pytest.Item,
    gate: Gate,
    span: Span,
    cpu_share: float | None = None,
    deadline: Deadline | None = None,
) -> Record:
    """A test that used pytest-benchmark's own fixture: its rounds against the time budget.

    ``span`` is what the contention watch saw over the test body, the span that holds the rounds;
    ``cpu_share`` its CPU/wall share; ``deadline`` the one made before the body.
    """
    settings = item.config.stash[keys.SETTINGS]
    benchmark = benchmark_fixture(item)
    timing, reason = benchmark_timing(benchmark, benchmark_disabled(item.config), cpu_share)
    decision = None
    if timing is not None:
        iterations = benchmark_iterations(benchmark)
        decision = noise.settle_for(
            item.config, item.nodeid, gate, timing, span, None, iterations, deadline=deadline
        )
        timing = decision.timing
    record = judge(
        item.nodeid,
        gate,
        timing=timing,
        time_reason=reason,
        memory=None,
        memory_reason="not measured (the benchmark fixture measures time only)",
        mode=settings.mode,
        notes=memory_gate.pytest_memray_notes(item),
        memory_required=False,
    )
    if decision is not None:
        record = decision.apply(record)
    return diagnosis.profile_benchmark_test(item, record, benchmark)


def measure_benchmark_test(item: pytest.Item, gate: Gate) -> Generator[None, object, object]:
    """Run the body of a test using ``benchmark`` (measuring under xdist too), then judge its rounds."""
    deadline = noise.deadline_for(item.config)
    if item.config.stash[keys.SETTINGS].mode != "off":
        enable_under_xdist(benchmark_fixture(item), benchmark_disabled(item.config))
        bound_rounds(benchmark_fixture(item), deadline)
    watch = noise.watch_for(item.config)
    watch.start()
    with cpu_clock() as clock:
        result = yield
    item.stash[keys.RECORD] = judge_benchmark_test(item, gate, watch.stop(), clock.share, deadline)
    return result


def measure_body(item: pytest.Item, gate: Gate) -> Generator[None, object, object]:
    """Wrap the test body: one call, timed and traced together; stash the record when it returns."""
    settings = item.config.stash[keys.SETTINGS]
    if settings.mode == "off":
        result = yield
        item.stash[keys.RECORD] = judge(item.nodeid, gate, timing=None, memory=None, mode="off")
        return result
    watch = noise.watch_for(item.config)
    with memory_gate.traced_body(item, gate.memory) as peak, cpu_clock() as clock:
        watch.start()
        result = yield
        span = watch.stop()
    timing = Timing(
        data=[clock.wall_s], method="one call of the test body", traced=True, cpu_share=clock.share
    )
    decision = noise.settle_for(item.config, item.nodeid, gate, timing, span, None, whole=True)
    record = judge(
        item.nodeid,
        gate,
        timing=decision.timing,
        memory=peak.result,
        mode=settings.mode,
        notes=list(peak.result.notes) if peak.result is not None else None,
    )
    record = memory_gate.with_allocations(decision.apply(record), peak.result)
    memory_gate.report_allocations(item, record)
    item.stash[keys.RECORD] = diagnosis.note_body_test(item, record)
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
    benchmark_report.annotate(getattr(item, "funcargs", {}).get("benchmark"), record)


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
            result = yield from measure_benchmark_test(item, gate)
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
