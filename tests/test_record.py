"""The record: junit properties that apply, and a lossless round trip through user_properties."""

from __future__ import annotations

import json

from pytest_perfgate.record import MemoryFigures, Record, TimeFigures

TIME = TimeFigures(
    stat="p95",
    value_s=0.2,
    budget_s=0.1,
    ratio=2.0,
    rounds=3,
    min=0.1,
    median=0.15,
    mean=0.15,
    max=0.2,
    stddev=0.05,
    data=[0.1, 0.15, 0.2],
)


def test_round_trip() -> None:
    record = Record(
        nodeid="a.py::t",
        target="ui_response",
        verdict="fail",
        message="m",
        time=TIME,
        memory=MemoryFigures(10, 20, 0.5, "memray"),
        notes=["n"],
        profile=[
            {"function": "f", "file": "a.py", "line": 1, "calls": 1, "total_s": 0.1, "cumulative_s": 0.2}
        ],
        extra={"scaling": {"exponent": 1.9, "sizes": [1, 2, 3]}},
    )
    assert Record.from_properties(record.to_properties()) == record


def test_junit_properties_are_the_spec_names_and_flat() -> None:
    record = Record(
        nodeid="a.py::t",
        target="ui_response",
        verdict="pass",
        time=TIME,
        memory=MemoryFigures(10, 20, 0.5, "memray"),
        extra={"scaling": {"exponent": 1.9, "sizes": [1, 2, 3], "ok": True}},
    )
    properties = dict(record.to_properties())
    assert properties["perfgate.verdict"] == "pass"
    assert properties["perfgate.target"] == "ui_response"
    assert properties["perfgate.time.stat"] == "p95"
    assert properties["perfgate.time.value_s"] == 0.2
    assert properties["perfgate.time.budget_s"] == 0.1
    assert properties["perfgate.time.ratio"] == 2.0
    assert properties["perfgate.memory.peak_bytes"] == 10
    assert properties["perfgate.memory.budget_bytes"] == 20
    assert properties["perfgate.scaling.exponent"] == 1.9
    assert "perfgate.scaling.sizes" not in properties
    assert "perfgate.scaling.ok" not in properties
    assert json.loads(str(properties["perfgate.record"]))["nodeid"] == "a.py::t"


def test_only_the_properties_that_apply() -> None:
    properties = dict(Record(nodeid="x", target=None, verdict="not-measured").to_properties())
    assert set(properties) == {"perfgate.verdict", "perfgate.record"}


def test_no_record_among_other_properties() -> None:
    assert Record.from_properties([("other", "value")]) is None
