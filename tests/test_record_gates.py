"""Records of the gates beyond one call: junit properties, ordering, terminal rows."""

from __future__ import annotations

from pytest_perfgate.record import Record
from pytest_perfgate.reports.terminal import row, table_lines

SCALING = {
    "exponent": 1.98,
    "max_exponent": 1.2,
    "ratio": 1.65,
    "ci_low": 1.9,
    "ci_high": 2.05,
    "sizes": [100, 200, 400],
    "times_s": [0.001, 0.004, 0.016],
}
CONCURRENT = {
    "slowdown": 1.05,
    "max_slowdown": 1.2,
    "ratio": 0.875,
    "alone_s": 0.01,
    "together_s": 0.0105,
    "workers": 4,
    "kind": "thread",
}


def test_gate_figures_become_flat_junit_properties_without_lists() -> None:
    record = Record(nodeid="t.py::test", target=None, verdict="fail", extra={"scaling": SCALING})
    properties = dict(record.to_properties())
    assert properties["perfgate.scaling.exponent"] == 1.98
    assert properties["perfgate.scaling.max_exponent"] == 1.2
    assert properties["perfgate.scaling.ci_low"] == 1.9
    assert "perfgate.scaling.sizes" not in properties
    assert "perfgate.scaling.times_s" not in properties
    back = Record.from_properties(record.to_properties())
    assert back is not None and back.extra["scaling"]["sizes"] == [100, 200, 400]


def test_worst_ratio_counts_the_gate_ratio() -> None:
    record = Record(nodeid="t.py::test", target=None, verdict="fail", extra={"scaling": SCALING})
    assert record.worst_ratio == 1.65
    assert Record(nodeid="t.py::plain", target=None, verdict="pass").worst_ratio == 0.0


def test_terminal_rows_show_exponent_and_slowdown_in_the_time_columns() -> None:
    scaling = Record(nodeid="t.py::test_scaling", target=None, verdict="fail", extra={"scaling": SCALING})
    concurrent = Record(
        nodeid="t.py::test_concurrent", target="ui", verdict="pass", extra={"concurrent": CONCURRENT}
    )
    assert row(scaling)[:7] == ("t.py::test_scaling", "-", "n^k", "1.98", "-", "1.20", "1.65x")
    assert row(concurrent)[:7] == ("t.py::test_concurrent", "ui", "slowdown", "1.05x", "-", "1.20x", "0.88x")
    lines = table_lines([concurrent, scaling])
    assert lines[1].startswith("t.py::test_scaling")  # worst ratio first
    assert lines[0].split() == [
        "test",
        "target",
        "stat",
        "time",
        "cpu",
        "budget",
        "ratio",
        "memory",
        "budget",
        "verdict",
    ]
