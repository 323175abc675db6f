"""Budget and verdict in pytest-benchmark's extra_info, as ``--benchmark-json`` consumers read them."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from reportdata import record

from pytest_perfgate.record import Record
from pytest_perfgate.reports import html, markdown, terminal
from pytest_perfgate.reports.benchmark import ShippedBenchmark, annotate, extra_info, shipped
from pytest_perfgate.reports.jsonfile import write_report
from pytest_perfgate.reports.model import Report
from pytest_perfgate.reports.reader import read_report


def test_extra_info_keys() -> None:
    info = extra_info(record("t.py::test_x", "fail", value=0.2, budget=0.1, target="ui_response"))
    assert info["perfgate_verdict"] == "fail"
    assert info["perfgate_target"] == "ui_response"
    assert info["perfgate_stat"] == "median"
    assert info["perfgate_value_s"] == pytest.approx(0.2)
    assert info["perfgate_budget_s"] == pytest.approx(0.1)
    assert info["perfgate_ratio"] == pytest.approx(2.0)
    assert info["perfgate_memory_budget_bytes"] == 500 * 1024**2


def test_annotate_ignores_objects_without_extra_info() -> None:
    annotate(None, record("t.py::test_x"))
    holder = type("Holder", (), {"extra_info": {"mine": 1}})()
    annotate(holder, record("t.py::test_x"))
    assert holder.extra_info["mine"] == 1
    assert holder.extra_info["perfgate_verdict"] == "pass"


@pytest.mark.timing_sensitive
def test_benchmark_json_carries_budget_and_verdict(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)  # an in-process run is no xdist worker
    pytester.makepyfile(
        """
        import time
        import pytest

        @pytest.mark.performance("ui_response")
        def test_plain_benchmark(benchmark):
            benchmark.extra_info["own"] = "kept"
            benchmark.pedantic(time.sleep, args=(0.001,), rounds=3)

        @pytest.mark.performance(time="5ms")
        def test_fixture(perfgate):
            perfgate.pedantic(time.sleep, args=(0.02,), rounds=2)

        def test_unbudgeted_benchmark(benchmark):
            benchmark(time.sleep, 0.0001)
        """
    )
    result = pytester.runpytest("--benchmark-json=bench.json")
    result.assert_outcomes(passed=2, failed=1)
    benchmarks = {
        entry["name"]: entry["extra_info"]
        for entry in json.loads((pytester.path / "bench.json").read_text())["benchmarks"]
    }
    plain = benchmarks["test_plain_benchmark"]
    assert plain["own"] == "kept"
    assert plain["perfgate_verdict"] == "pass"
    assert plain["perfgate_target"] == "ui_response"
    assert plain["perfgate_budget_s"] == pytest.approx(0.1)
    fixture = benchmarks["test_fixture"]
    assert fixture["perfgate_verdict"] == "fail"
    assert fixture["perfgate_budget_s"] == pytest.approx(0.005)
    assert fixture["perfgate_ratio"] > 1
    assert benchmarks["test_unbudgeted_benchmark"] == {}


def contended(nodeid: str, value: float, raw: float) -> Record:
    """A record whose figure perfgate corrected for contention: ``raw`` is pytest-benchmark's."""
    plain = record(nodeid, value=value)
    assert plain.time is not None
    return replace(plain, time=replace(plain.time, raw_value_s=raw, corrected=True))


def test_a_corrected_figure_is_marked_with_the_raw_one_beside_it() -> None:
    records = [contended("t.py::test_busy", 0.0208, 0.053658), contended("t.py::test_same", 0.01, 0.01)]
    lines = terminal.table_lines(records)
    busy = next(line for line in lines if line.startswith("t.py::test_busy"))
    assert "20.8 ms* (raw 53.7 ms)" in busy
    same = next(line for line in lines if line.startswith("t.py::test_same"))
    assert "*" not in same and "raw" not in same  # the same figure as shown: nothing to say
    assert lines[-1] == terminal.LEGEND and lines[-1].startswith("* perfgate's figure, beside the raw one")
    assert terminal.table_lines(records[1:])[-1].startswith("t.py::test_same")  # no legend without a mark
    document = markdown.render(Report(tests=tuple(records)))
    assert "| 20.8 ms* (raw 53.7 ms) |" in document
    assert "\\* perfgate's figure, beside the raw one" in document
    page = html.render(Report(tests=tuple(records)))
    assert "20.8 ms* (raw 53.7 ms)" in page and '<p class="legend">* perfgate' in page
    info = extra_info(records[0])
    assert info["perfgate_raw_value_s"] == 0.053658 and info["perfgate_corrected"] is True
    assert "perfgate_raw_value_s" not in extra_info(records[1])


def test_the_json_report_keeps_both_figures(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    write_report(path, Report(tests=(contended("t.py::test_busy", 0.0208, 0.053658),)))
    time = json.loads(path.read_text())["tests"][0]["time"]
    assert (time["value_s"], time["raw_value_s"], time["corrected"]) == (0.0208, 0.053658, True)
    loaded = read_report(path).tests[0].time
    assert loaded is not None and loaded.raw_value_s == 0.053658 and loaded.corrected


def test_shipped_benchmarks_read_as_pytest_benchmarks_own() -> None:
    data = {
        "group": None, "name": "test_x", "fullname": "t.py::test_x", "params": None, "param": None,
        "extra_info": {}, "options": {"timer": "perf_counter"},
        "stats": {"min": 1.0, "median": 2.0, "rounds": 3, "data": [1.0, 2.0, 3.0], "iterations": 1},
    }  # fmt: skip
    bench = ShippedBenchmark(data)
    assert bench and bench.fullname == "t.py::test_x" and not bench.has_error
    assert bench["median"] == 2.0 and bench["name"] == "test_x" and bench.get("nothing") is None
    flat = bench.as_dict(include_data=False, flat=True)
    assert flat["median"] == 2.0 and "data" not in flat and "stats" not in flat
    assert bench.as_dict()["stats"]["data"] == [1.0, 2.0, 3.0]
    assert "stats" not in bench.as_dict(stats=False)
    assert not ShippedBenchmark({**data, "stats": {"rounds": 0}})
    assert shipped(object()) is None
