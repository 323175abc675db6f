"""The call phase of a performance test: measure it as its kind says (the ``perfgate`` fixture, the
``benchmark`` fixture, or one call of its body), hand the figures to the verdict, and enforce it."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Generator
from dataclasses import replace
from typing import Any

import pytest

from ..config.options import benchmark_disabled
from ..config.targets import ResolvedBudget
from ..measure.contention import Span
from ..measure.correction import first_batch
from ..measure.deadline import Deadline
from ..measure.memory import MemoryResult
from ..measure.sampling import Sampler, benchmark_iterations
from ..measure.timing import (
    BenchmarkedCall,
    Timing,
    benchmark_timing,
    bound_rounds,
    cpu_clock,
    enable_under_xdist,
    remember_call,
)
from ..record import FAIL, WARN, Record
from ..reports.benchmark import annotate
from ..stats.summary import statistic
from ..verdict.decide import Inputs, PerfgateWarning, after_error, decide, unmeasured
from ..verdict.noisy_time import Decision, settle
from . import instructions as counting
from . import memory, profile
from .session import PerfgateSession, budget_of, state

__all__ = ["PerfgateWarning", "call_phase", "conclude", "judged"]

#: Why a ``benchmark`` test's memory is not measured when its function cannot be called again.
NOT_REPEATABLE = "pytest-benchmark's benchmark fixture ran nothing perfgate can call again"


def conclude(record: Record) -> None:
    """Fail the test (in its call phase) or warn, as the verdict says."""
    if record.verdict == FAIL:
        pytest.fail(record.message, pytrace=False)
    if record.verdict == WARN:
        warnings.warn(PerfgateWarning(record.message), stacklevel=3)


def judged(item: pytest.Item, budget: ResolvedBudget, **values: Any) -> Record:
    """The test's record: the figures measured, with the session's baseline and history check."""
    session = PerfgateSession.of(item.config)
    check = session.history_check
    values["memory_why"] = values.get("memory_why") or state(item).memory_why  # max-time spent
    inputs = Inputs(
        item.nodeid,
        budget,
        session.settings.mode,
        baseline=session.baseline,
        history=None if check is None else check.step,
        **values,
    )
    record = decide(inputs)
    state(item).record = record
    memory.report_allocations(item, record)
    return record


def settle_time(
    item: pytest.Item,
    budget: ResolvedBudget,
    timing: Timing,
    span: Span,
    sampler: Sampler | None,
    *,
    iterations: int = 1,
    whole: bool = False,
    deadline: Deadline | None = None,
) -> Decision:
    """Settle the time verdict of rounds measured during ``span``, within ``deadline`` (made before them)."""
    session = PerfgateSession.of(item.config)
    first = first_batch(timing, span, iterations, whole)
    limit = session.time_limit(item.nodeid, budget)
    decision = settle(first, budget.stat, limit, sampler, session.policy(), session.probe, deadline)
    # the CPU share of the first rounds' span stands for the rounds judged (same code, same calls)
    return replace(decision, timing=replace(decision.timing, cpu_share=timing.cpu_share))


def over_time(budget: ResolvedBudget, timing: Timing | None) -> bool:
    """Whether the timing's statistic is over the time budget (a profile is then taken)."""
    return (
        budget.time is not None and timing is not None and statistic(timing.data, budget.stat) > budget.time
    )


def profile_if_wanted(
    item: pytest.Item, budget: ResolvedBudget, timing: Timing | None, take: Callable[[], profile.Profile]
) -> dict[str, Any]:
    """The profile's values for the verdict's inputs, when the setting asks for one."""
    settings = PerfgateSession.of(item.config).settings
    if not profile.wants_profile(settings, over_time(budget, timing)):
        return {}
    taken = take()
    return {"profile": taken.rows, "profile_note": taken.note}


def benchmark_fixture(item: pytest.Item) -> Any:
    """The test's ``benchmark`` fixture value (set up before the call phase)."""
    return item.funcargs["benchmark"]  # type: ignore[attr-defined]


def benchmark_memory(
    item: pytest.Item, budget: ResolvedBudget, seen: BenchmarkedCall
) -> tuple[MemoryResult | None, str]:
    """The peak of one more call of what the ``benchmark`` fixture ran (its setup and teardown around
    it, untraced), or why memory is not measured."""
    if budget.memory is None:
        return None, ""
    if seen.fn is None:
        return None, NOT_REPEATABLE
    fn, args, kwargs = seen.prepare()
    try:
        return memory.measure_call(item, budget.memory, functools.partial(fn, *args, **kwargs)), ""
    finally:
        if seen.teardown is not None:
            seen.teardown(*args, **kwargs)


def measure_benchmark_test(item: pytest.Item, budget: ResolvedBudget) -> Generator[None, object, object]:
    """Run the body of a test using ``benchmark`` (measuring under xdist too), then judge its rounds and
    the memory of one more call of its function."""
    session = PerfgateSession.of(item.config)
    deadline = session.deadline(item)
    benchmark = benchmark_fixture(item)
    if session.settings.mode != "off":
        enable_under_xdist(benchmark, benchmark_disabled(item.config))
        bound_rounds(benchmark, deadline)
    seen = remember_call(benchmark)
    watch = session.watch()
    watch.start()
    with cpu_clock() as clock:
        result = yield
    span = watch.stop()
    timing, reason = benchmark_timing(benchmark, benchmark_disabled(item.config), clock.share)
    values: dict[str, Any] = {"timing": timing, "time_reason": reason, "memory_reason": reason}
    values["notes"] = memory.pytest_memray_notes(item)
    if timing is not None:
        iterations = benchmark_iterations(benchmark)
        decision = settle_time(item, budget, timing, span, None, iterations=iterations, deadline=deadline)
        values["settled"] = decision
        take = functools.partial(profile.benchmark_test, item, benchmark)
        values |= profile_if_wanted(item, budget, decision.timing, take)
    if timing is not None and session.settings.mode != "off":
        peak, why = benchmark_memory(item, budget, seen)
        values.update(memory=peak, memory_why=why)
        if peak is not None:
            values["notes"] = list(peak.notes)  # pytest-memray's note included, saying what it changed
    else:
        values["memory_why"] = "perfgate mode is off" if timing is not None else "no time was measured"
    judged(item, budget, **values)
    return result


def measure_body(item: pytest.Item, budget: ResolvedBudget) -> Generator[None, object, object]:
    """Wrap the test body: one call, timed and traced together."""
    session = PerfgateSession.of(item.config)
    if session.settings.mode == "off":
        result = yield
        judged(item, budget)
        return result
    watch = session.watch()
    with memory.traced_body(item, budget.memory) as peak, cpu_clock() as clock:
        watch.start()
        result = yield
        span = watch.stop()
    timing = Timing(
        data=[clock.wall_s], method="one call of the test body", traced=True, cpu_share=clock.share
    )
    decision = settle_time(item, budget, timing, span, None, whole=True)
    notes = list(peak.result.notes) if peak.result is not None else []
    taken = profile_if_wanted(item, budget, decision.timing, lambda: profile.body_test(item))
    judged(item, budget, settled=decision, memory=peak.result, notes=notes, **taken)
    return result


def finalize(item: pytest.Item, budget: ResolvedBudget | None, error: BaseException | None) -> None:
    """Put the test's record on ``user_properties``; a test's own failure is never recorded as a pass."""
    test = state(item)
    record = test.record
    if record is None:
        if budget is None:
            return
        what = (
            f"the test stopped before it was measured ({type(error).__name__})"
            if error
            else ("the test did not call perfgate")
        )
        record = unmeasured(item.nodeid, budget.target, what)
    elif error is not None:
        record = after_error(record, error, skipped=isinstance(error, pytest.skip.Exception))
    test.record = record
    item.user_properties.extend(record.to_properties())
    annotate(getattr(item, "funcargs", {}).get("benchmark"), record)


def call_phase(item: pytest.Item) -> Generator[None, object, object]:
    """The body of the ``pytest_runtest_call`` wrapper: measure as the test's kind says, then enforce the
    verdict here, even when the body caught the failure the ``perfgate`` fixture raised."""
    budget = budget_of(item)
    fixturenames = getattr(item, "fixturenames", ())
    if budget is None and "perfgate" not in fixturenames:
        return (yield)
    try:
        if "perfgate" in fixturenames:
            result = yield  # the fixture measures, judges and concludes inside the body
        elif counting.active(item.config):
            assert budget is not None
            result, counts, why = yield from counting.measure_test(item, budget)
            judged(item, budget, counted=True, counts=counts, memory_why=why)
        elif "benchmark" in fixturenames:
            assert budget is not None
            result = yield from measure_benchmark_test(item, budget)
        else:
            assert budget is not None
            result = yield from measure_body(item, budget)
    except BaseException as error:
        finalize(item, budget, error)
        raise
    finalize(item, budget, None)
    record = state(item).record
    if record is not None and (record.verdict == FAIL or "perfgate" not in fixturenames):
        conclude(record)
    return result
