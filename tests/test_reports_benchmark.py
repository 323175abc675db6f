"""Budget and verdict in pytest-benchmark's extra_info, as ``--benchmark-json`` consumers read them."""

from __future__ import annotations

import json

import pytest
from reportdata import record

from pytest_perfgate.reports.benchmark import annotate, extra_info


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
def test_benchmark_json_carries_budget_and_verdict(pytester: pytest.Pytester) -> None:
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
