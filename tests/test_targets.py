"""The built-in targets table and Budget parsing."""

from __future__ import annotations

import pytest

from pytest_perfgate import PERFORMANCE_TARGETS, Budget
from pytest_perfgate.config.targets import parse_assignment, parse_table


def test_built_in_table_matches_the_spec() -> None:
    assert dict(PERFORMANCE_TARGETS) == {
        "strategy_creation": Budget(time=0.1),
        "trigger_validation": Budget(time=0.05),
        "backtest_1year": Budget(time=300.0),
        "ui_response": Budget(time=0.1),
        "memory_usage": Budget(memory=500 * 1024**2),
    }


def test_built_in_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        PERFORMANCE_TARGETS["x"] = Budget(time=1.0)  # type: ignore[index]


@pytest.mark.parametrize(
    ("value", "budget"),
    [
        ("300s, 500MB", Budget(time=300.0, memory=500 * 1024**2)),
        ({"time": "2ms"}, Budget(time=0.002)),
        ({"memory": "1GiB"}, Budget(memory=1024**3)),
        ({"time": 1, "memory": 2048}, Budget(time=1.0, memory=2048)),
        (0.5, Budget(time=0.5)),
    ],
)
def test_budget_parse(value: object, budget: Budget) -> None:
    assert Budget.parse(value) == budget


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ({"tim": "2ms"}, "unknown keys ['tim']"),
        ({}, "neither a time nor a memory"),
        ([1, 2], "is not a budget"),
        (True, "is not a budget"),
        ("2 parsecs", "unknown unit"),
    ],
)
def test_budget_parse_errors(value: object, fragment: str) -> None:
    with pytest.raises(ValueError) as error:
        Budget.parse(value)
    assert fragment in str(error.value)


def test_budget_needs_something() -> None:
    with pytest.raises(ValueError, match="needs a time, a memory, or both"):
        Budget()


def test_budget_str() -> None:
    assert str(Budget(time=0.1, memory=500 * 1024**2)) == "100 ms, 500 MiB"


def test_parse_assignment_keeps_node_ids_with_equals_and_quotes() -> None:
    assert parse_assignment(" fast = 10ms ") == ("fast", "10ms")
    assert parse_assignment('"tests/test_a.py::test_b[x=1]" = "2ms"') == (
        "tests/test_a.py::test_b[x=1]",
        "2ms",
    )
    with pytest.raises(ValueError, match="not of the form"):
        parse_assignment("fast 10ms")


def test_parse_table_names_source_and_row() -> None:
    with pytest.raises(ValueError) as error:
        parse_table([("ok", "1s"), ("bad", "1 lightyear")], "pyproject.toml")
    assert "pyproject.toml: target 'bad':" in str(error.value)
    assert "lightyear" in str(error.value)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"time": -1}, "time -1 must be greater than zero"),
        ({"time": 0}, "time 0 must be greater than zero"),
        ({"time": float("nan")}, "time nan is not a finite quantity"),
        ({"time": float("inf")}, "time inf is not a finite quantity"),
        ({"time": 1e-12}, "time 1e-12 is less than one nanosecond"),
        ({"memory": -1}, "memory -1 must be greater than zero"),
        ({"memory": 0.25}, "memory 0.25 is less than one byte"),
        ({"time": "20 parsecs"}, "time '20 parsecs' has an unknown time unit"),
        ({"time": True}, "time True is not a time"),
        ({"memory": [1]}, "memory [1] is not a memory"),
    ],
)
def test_budget_validates_itself(kwargs: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValueError) as error:
        Budget(**kwargs)  # type: ignore[arg-type]
    assert fragment in str(error.value)


def test_budget_parses_quantity_strings() -> None:
    assert Budget(time="20ms", memory="1MiB") == Budget(time=0.02, memory=1024**2)
    assert Budget(time=1).time == 1.0
    assert Budget(memory=2048.0).memory == 2048
