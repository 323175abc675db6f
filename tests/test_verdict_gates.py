"""Verdicts of the gates beyond one call: decide() on their GateFigures."""

from __future__ import annotations

import pytest

from pytest_perfgate.config.targets import ResolvedBudget
from pytest_perfgate.record import FAIL, NOT_MEASURED, PASS, WARN, Record
from pytest_perfgate.verdict.budget import GateFigures
from pytest_perfgate.verdict.decide import GateOutcome, Inputs, decide

GATE = ResolvedBudget(target=None, time=None, memory=500 * 1024**2, stat="median", origin="marker")


def judge_gate(
    nodeid: str,
    budget: ResolvedBudget,
    kind: str,
    measured: GateFigures | None,
    *,
    mode: str,
    reason: str = "",
) -> Record:
    return decide(Inputs(nodeid, budget, mode, gate=GateOutcome(kind, measured, reason=reason)))


def figures(measured: float, limit: float = 1.2, **extra: object) -> GateFigures:
    return GateFigures(
        kind="scaling",
        figures={"exponent": measured, "max_exponent": limit, "ratio": measured / limit},
        measured=measured,
        limit=limit,
        phrase=f"scaling exponent {measured} vs max {limit}",
        details="  n  time/call",
        **extra,  # type: ignore[arg-type]
    )


def test_over_the_limit_fails_with_phrase_and_details() -> None:
    record = judge_gate("t.py::test", GATE, "scaling", figures(2.0), mode="enforce")
    assert record.verdict == FAIL
    assert record.message == "perfgate: budget: scaling exponent 2.0 vs max 1.2\n  n  time/call"
    assert record.extra == {"scaling": {"exponent": 2.0, "max_exponent": 1.2, "ratio": 2.0 / 1.2}}
    assert record.time is None
    assert record.memory is not None and record.memory.peak_bytes is None
    assert "scaling gate measures time only" in record.memory.reason


def test_over_the_limit_warns_in_warn_mode() -> None:
    record = judge_gate("t.py::test", GATE, "scaling", figures(2.0), mode="warn")
    assert record.verdict == WARN
    assert record.message.startswith("perfgate: budget: scaling exponent 2.0")


def test_within_the_limit_passes_without_message() -> None:
    record = judge_gate("t.py::test", GATE, "scaling", figures(1.0, marginal=True), mode="enforce")
    assert record.verdict == PASS
    assert record.message == ""
    assert record.marginal


@pytest.mark.parametrize(
    ("mode", "reason", "expected"),
    [("off", "", "perfgate mode is off"), ("enforce", "benchmarks are off", "benchmarks are off")],
)
def test_nothing_measured_is_not_measured_with_the_reason(mode: str, reason: str, expected: str) -> None:
    record = judge_gate("t.py::test", GATE, "concurrent", None, mode=mode, reason=reason)
    assert record.verdict == NOT_MEASURED
    assert record.reason == expected
    assert record.extra == {}


def test_a_time_budget_is_noted_as_not_applied() -> None:
    gate = ResolvedBudget(target="ui_response", time=0.1, memory=None, stat="median", origin="marker")
    record = judge_gate("t.py::test", gate, "scaling", figures(1.0), mode="enforce")
    assert record.verdict == PASS
    assert any("time budget 100 ms not applied" in note for note in record.notes)


def test_an_explicit_memory_budget_is_said_not_measured_and_the_default_is_not_shown() -> None:
    record = judge_gate("t.py::test", GATE, "scaling", figures(1.0), mode="enforce")
    assert (record.verdict, record.reason) == (
        PASS,
        "time only: memory not measured, the scaling gate measures time only",
    )
    assert record.memory is not None and record.memory.budget_bytes == GATE.memory
    default = ResolvedBudget(None, None, 500 * 1024**2, "median", "fixture", memory_explicit=False)
    record = judge_gate("t.py::test", default, "scaling", figures(1.0), mode="enforce")
    assert (record.verdict, record.reason) == (PASS, "within the scaling limit")
    assert record.memory is not None and record.memory.budget_bytes is None
