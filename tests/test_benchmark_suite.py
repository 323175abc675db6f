"""An existing pytest-benchmark suite, gated from pyproject.toml alone, with its own outputs unchanged."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from helpers import junit_properties

#: A suite written for plain pytest-benchmark: parametrized, grouped, pedantic, extra_info, a class.
SUITE = """
    import json
    import time

    import pytest

    DOCUMENTS = {"small": 10, "large": 5000}


    @pytest.mark.benchmark(group="parse")
    @pytest.mark.parametrize("name", sorted(DOCUMENTS))
    def test_parse(benchmark, name):
        text = json.dumps(list(range(DOCUMENTS[name])))
        benchmark.extra_info["items"] = DOCUMENTS[name]
        assert len(benchmark(json.loads, text)) == DOCUMENTS[name]


    @pytest.mark.benchmark(group="io")
    def test_slow_io(benchmark):
        benchmark.extra_info["kind"] = "sleep"
        benchmark.pedantic(time.sleep, args=(0.02,), rounds=3, warmup_rounds=1)


    class TestCache:
        @pytest.mark.benchmark(group="cache")
        def test_lookup(self, benchmark):
            cache = {i: str(i) for i in range(1000)}
            benchmark.extra_info["entries"] = len(cache)
            assert benchmark(cache.get, 500) == "500"

        @pytest.mark.benchmark(group="cache", min_rounds=3)
        def test_rebuild(self, benchmark):
            benchmark.pedantic(lambda: {i: str(i) for i in range(5000)}, rounds=4, iterations=2)


    def test_plain_unit():
        assert json.loads("[]") == []
"""

#: Budgets for it, by node id: the only change a team makes.
BUDGETS = """
    [tool.perfgate.tests]
    "bench/test_suite.py::test_parse" = "50ms"
    "bench/test_suite.py::test_parse[large]" = "1us"
    "bench/test_suite.py::test_slow_io" = "5ms"
    "bench/test_suite.py::TestCache" = "trigger_validation"
"""

GATED = {
    "test_parse[small]": "pass",
    "test_parse[large]": "fail",  # the longest pattern wins: 1 µs
    "test_slow_io": "fail",
    "test_lookup": "pass",
    "test_rebuild": "pass",
}
#: Short pytest-benchmark runs; its own flags are passed through as usual.
FAST = ("--benchmark-max-time=0.02", "--benchmark-min-rounds=3", "-p", "no:hypothesispytest")


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    # In-process runs are not xdist workers, even when this suite runs under -n.
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    pytester.mkdir("bench").joinpath("test_suite.py").write_text(_dedent(SUITE))
    return pytester


def _dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def records(path: Path) -> dict[str, dict[str, Any]]:
    return {
        name: json.loads(properties["perfgate.record"])
        for name, properties in junit_properties(path).items()
        if "perfgate.record" in properties
    }


def benchmarks(path: Path) -> dict[str, dict[str, Any]]:
    """pytest-benchmark's JSON: name -> benchmark."""
    return {bench["name"]: bench for bench in json.loads(path.read_text())["benchmarks"]}


def comparable(bench: dict[str, Any]) -> dict[str, Any]:
    """What a run must keep: everything but the measured values (and perfgate's own extra_info keys)."""
    return {
        "group": bench["group"],
        "name": bench["name"],
        "fullname": bench["fullname"],
        "params": bench["params"],
        "param": bench["param"],
        "options": bench["options"],
        "extra_info": {k: v for k, v in bench["extra_info"].items() if not k.startswith("perfgate_")},
        "stats": sorted(bench["stats"]),
    }


def test_without_a_table_the_suite_is_untouched(suite: pytest.Pytester) -> None:
    result = suite.runpytest(*FAST, "--junitxml=plain.xml", "--benchmark-json=plain.json")
    result.assert_outcomes(passed=6)
    assert "= perfgate =" not in result.stdout.str()
    assert records(suite.path / "plain.xml") == {}
    assert not any(
        name.startswith("perfgate.")
        for properties in junit_properties(suite.path / "plain.xml").values()
        for name in properties
    )
    assert set(benchmarks(suite.path / "plain.json")) == set(GATED)


@pytest.mark.timing_sensitive
def test_a_pyproject_table_gates_the_suite_and_keeps_its_outputs(suite: pytest.Pytester) -> None:
    suite.runpytest(*FAST, "--benchmark-json=plain.json").assert_outcomes(passed=6)
    suite.makepyprojecttoml(BUDGETS)
    result = suite.runpytest(*FAST, "--junitxml=gated.xml", "--benchmark-json=gated.json")

    result.assert_outcomes(passed=4, failed=2)
    result.stdout.fnmatch_lines(
        [
            '*perfgate: pattern "bench/test_suite.py::test_parse[[]large]" (pyproject.toml:*): time median *'
            " > budget 1 µs (*x)*",
            '*perfgate: pattern "bench/test_suite.py::test_slow_io" (pyproject.toml:*): time median 2* ms '
            "> budget 5 ms (*x)*",
            "*= perfgate =*",
            "*benchmark 'cache': 2 tests*",
            "*benchmark 'io': 1 tests*",
            "*benchmark 'parse': 2 tests*",
        ]
    )
    found = records(suite.path / "gated.xml")
    assert {name: record["verdict"] for name, record in found.items()} == GATED
    assert found["test_lookup"]["target"] == found["test_rebuild"]["target"] == "trigger_validation"

    plain, gated = benchmarks(suite.path / "plain.json"), benchmarks(suite.path / "gated.json")
    assert {name: comparable(bench) for name, bench in gated.items()} == {
        name: comparable(bench) for name, bench in plain.items()
    }
    for name, bench in gated.items():  # perfgate judged pytest-benchmark's own rounds
        stats, time = bench["stats"], found[name]["time"]
        assert time["rounds"] == stats["rounds"]
        assert time["raw_value_s"] == pytest.approx(stats[time["stat"]], rel=1e-9)
        if not time["corrected"]:  # on a busy machine, with other processes' time taken out
            for key in ("min", "median", "max", "mean"):
                assert time[key] == pytest.approx(stats[key], rel=1e-9)
    assert gated["test_rebuild"]["stats"]["rounds"] == 4
    assert gated["test_rebuild"]["stats"]["iterations"] == 2


def test_performance_marker_selects_the_gated_tests(suite: pytest.Pytester) -> None:
    suite.makepyprojecttoml(BUDGETS)
    result = suite.runpytest("--collect-only", "-q", "-m", "performance")
    result.stdout.fnmatch_lines(
        [
            "bench/test_suite.py::test_parse[large]",
            "bench/test_suite.py::test_parse[small]",
            "bench/test_suite.py::test_slow_io",
            "bench/test_suite.py::TestCache::test_lookup",
            "bench/test_suite.py::TestCache::test_rebuild",
            "5/6 tests collected (1 deselected)*",
        ]
    )


@pytest.mark.timing_sensitive
def test_autosave_and_compare_keep_working(suite: pytest.Pytester) -> None:
    storage = f"--benchmark-storage=file://{suite.path / 'store'}"
    suite.runpytest(*FAST, storage, "--benchmark-autosave").assert_outcomes(passed=6)
    suite.makepyprojecttoml(BUDGETS)
    result = suite.runpytest(*FAST, storage, "--benchmark-autosave", "--benchmark-compare")
    result.assert_outcomes(passed=4, failed=2)
    for run in ("NOW", "0001_*"):  # rows in order of speed
        result.stdout.fnmatch_lines([f"test_slow_io ({run}) *"])
    saved = sorted((suite.path / "store").rglob("*.json"))
    assert [path.name[:4] for path in saved] == ["0001", "0002"]
    assert set(benchmarks(saved[1])) == set(GATED)


@pytest.mark.timing_sensitive
def test_gated_under_xdist_too(suite: pytest.Pytester) -> None:
    suite.makepyprojecttoml(BUDGETS)
    result = suite.runpytest_subprocess(*FAST, "-n", "2", "--junitxml=gated.xml")
    result.assert_outcomes(passed=4, failed=2)
    found = records(suite.path / "gated.xml")
    assert {name: record["verdict"] for name, record in found.items()} == GATED


def test_benchmark_disable_is_not_a_silent_pass(suite: pytest.Pytester) -> None:
    suite.makepyprojecttoml(BUDGETS)
    result = suite.runpytest(*FAST, "--benchmark-disable", "--junitxml=gated.xml")
    result.assert_outcomes(passed=6)
    verdicts = {name: record["verdict"] for name, record in records(suite.path / "gated.xml").items()}
    assert verdicts == dict.fromkeys(GATED, "not-measured")
    result.stdout.fnmatch_lines(["*test_slow_io*not-measured: time: pytest-benchmark is disabled*"])


@pytest.mark.timing_sensitive
def test_marker_wins_and_perfgate_tests_are_gated_by_pattern(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml(
        """
        [tool.perfgate.tests]
        "test_app.py::*" = "1us"
        """
    )
    pytester.makepyfile(
        test_app="""
        import time
        import pytest

        @pytest.mark.performance(time="10s")
        def test_marked(benchmark):
            benchmark.pedantic(time.sleep, args=(0.001,), rounds=2)

        @pytest.mark.performance(stat="max")
        def test_bare_marker(benchmark):
            benchmark.pedantic(time.sleep, args=(0.001,), rounds=2)

        def test_with_perfgate(perfgate):
            perfgate.pedantic(time.sleep, args=(0.001,), rounds=2)
        """
    )
    result = pytester.runpytest("--junitxml=junit.xml", "-p", "no:hypothesispytest")
    result.assert_outcomes(passed=1, failed=2)
    found = records(pytester.path / "junit.xml")
    assert found["test_marked"]["verdict"] == "pass"
    assert found["test_marked"]["time"]["budget_s"] == 10.0
    for name in ("test_with_perfgate", "test_bare_marker"):  # a marker naming no budget takes the pattern's
        assert found[name]["verdict"] == "fail"
        assert found[name]["time"]["budget_s"] == pytest.approx(1e-6)
    assert found["test_bare_marker"]["time"]["stat"] == "max"


def test_matched_tests_carry_the_marker_with_the_pattern_budget(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml(
        """
        [tool.perfgate.tests]
        "test_app.py::test_spec" = "2ms, 1MB"
        "test_app.py::test_target" = "ui_response"
        """
    )
    pytester.makepyfile(test_app="def test_spec():\n    pass\n\ndef test_target():\n    pass\n")
    recorder = pytester.inline_run("--collect-only")
    (call,) = recorder.getcalls("pytest_collection_finish")
    markers = {item.name: item.get_closest_marker("performance") for item in call.session.items}
    assert markers["test_spec"] is not None and markers["test_target"] is not None
    assert markers["test_spec"].kwargs == {"time": 0.002, "memory": 1024**2}
    assert markers["test_target"].args == ("ui_response",)
