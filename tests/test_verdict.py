"""decide() on a budget: figures + budget -> verdict and message."""

from __future__ import annotations

from pytest_perfgate.config.targets import ResolvedBudget
from pytest_perfgate.measure.memory import MemoryResult
from pytest_perfgate.measure.timing import Timing
from pytest_perfgate.record import Record
from pytest_perfgate.verdict.decide import Inputs, decide

MIB = 1024**2


def judge(
    nodeid: str,
    budget: ResolvedBudget,
    *,
    timing: Timing | None,
    memory: MemoryResult | None,
    time_reason: str = "",
    mode: str = "enforce",
    memory_why: str = "",
) -> Record:
    inputs = Inputs(
        nodeid, budget, mode, timing=timing, time_reason=time_reason, memory=memory, memory_why=memory_why
    )
    return decide(inputs)


def gate(time: float | None = 0.1, memory: int | None = 500 * MIB, **kwargs: object) -> ResolvedBudget:
    values: dict[str, object] = {"target": "strategy_creation", "stat": "median", "origin": "marker"}
    values.update(kwargs)
    values.setdefault("source", values["target"] or "marker")
    return ResolvedBudget(time=time, memory=memory, **values)  # type: ignore[arg-type]


def test_both_budgets_broken_names_each_with_ratio() -> None:
    record = judge(
        "t.py::test",
        gate(),
        timing=Timing([0.120, 0.132, 0.140], "pytest-benchmark"),
        memory=MemoryResult(612 * MIB, "memray"),
    )
    assert record.verdict == "fail"
    assert record.message == (
        "perfgate: strategy_creation: time median 132 ms > budget 100 ms (1.32x); "
        "memory 612 MiB > budget 500 MiB (1.22x)"
    )
    assert record.worst_ratio == record.time.ratio  # type: ignore[union-attr]


def test_statistic_is_the_gates() -> None:
    data = [0.01] * 9 + [1.0]
    assert judge("t", gate(stat="median"), timing=Timing(data, "x"), memory=None).time.value_s == 0.01  # type: ignore[union-attr]
    assert judge("t", gate(stat="max"), timing=Timing(data, "x"), memory=None).time.value_s == 1.0  # type: ignore[union-attr]
    mean = judge("t", gate(stat="mean"), timing=Timing(data, "x"), memory=None).time.value_s  # type: ignore[union-attr]
    assert abs(mean - 0.109) < 1e-12


def test_within_budget_passes_and_equal_is_within() -> None:
    record = judge("t", gate(), timing=Timing([0.1], "x"), memory=MemoryResult(500 * MIB, "memray"))
    assert record.verdict == "pass"
    assert record.message == ""


def test_warn_mode_and_off_mode() -> None:
    timing = Timing([1.0], "x")
    assert judge("t", gate(), timing=timing, memory=None, mode="warn").verdict == "warn"
    off = judge("t", gate(), timing=None, memory=None, mode="off")
    assert (off.verdict, off.reason) == ("not-measured", "perfgate mode is off")


def test_missing_figure_for_a_budget_is_not_measured_with_reason() -> None:
    record = judge(
        "t",
        gate(),
        timing=None,
        time_reason="pytest-benchmark is disabled (--benchmark-disable)",
        memory=MemoryResult(1, "tracemalloc"),
    )
    assert record.verdict == "not-measured"
    assert record.reason == "time: pytest-benchmark is disabled (--benchmark-disable)"


def test_over_budget_wins_over_a_missing_figure() -> None:
    record = judge("t", gate(), timing=None, memory=MemoryResult(600 * MIB, "memray"))
    assert record.verdict == "fail"


def test_memory_not_measurable_judges_time_alone() -> None:
    record = judge("t", gate(), timing=Timing([0.01], "x"), memory=None, memory_why="it cannot be")
    assert record.verdict == "pass"
    assert record.reason == "time only: memory not measured, it cannot be"
    assert record.memory is not None and record.memory.peak_bytes is None
    assert record.memory.budget_bytes == 500 * MIB


def test_a_default_memory_budget_not_measurable_is_not_shown() -> None:
    default = gate(memory_explicit=False)
    record = judge("t", default, timing=Timing([0.01], "x"), memory=None, memory_why="it cannot be")
    assert (record.verdict, record.reason) == ("pass", "within budget")
    assert record.memory is not None and record.memory.budget_bytes is None


def test_the_message_names_where_the_budget_came_from() -> None:
    pattern = 'pattern "tests/x.py::*" (pyproject.toml:67)'
    for source in ("strategy_creation", "marker", pattern):
        record = judge("t", gate(source=source), timing=Timing([0.2], "x"), memory=None)
        assert record.message.startswith(f"perfgate: {source}: time median 200 ms > budget 100 ms")


def test_no_budget_no_figures_is_not_measured() -> None:
    record = judge("t", gate(time=None, memory=None), timing=None, memory=None)
    assert (record.verdict, record.reason) == ("not-measured", "nothing was measured")
