"""End to end under pytest-xdist: performance tests measured, gated and isolated; reports complete."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

import pytest

from helpers import junit_properties
from pytest_perfgate.record import Record
from pytest_perfgate.runtest.session import PerfgateSession
from pytest_perfgate.xdist.hooks import PERFORMANCE_TESTS

#: hypothesis's plugin imports hypothesis at the end of every run (seconds, in each process); unused here.
FAST = ("-p", "no:hypothesispytest")

CONFTEST = """
import json, os, time
import pytest

@pytest.fixture(autouse=True)
def interval(request):
    start = time.time()
    yield
    perf = request.node.get_closest_marker("performance") is not None
    line = {"name": request.node.name, "perf": perf, "start": start, "end": time.time(), "pid": os.getpid()}
    with open(os.environ["INTERVALS"], "a") as file:
        file.write(json.dumps(line) + "\\n")
"""

SUITE = """
import os, time
import pytest

@pytest.mark.parametrize("i", range(8))
def test_plain(i):
    time.sleep(0.15)

@pytest.mark.performance(time="50ms")
def test_fixture(perfgate):
    perfgate.pedantic(time.sleep, args=(0.001,), rounds=3)

@pytest.mark.performance(time="5ms")
def test_over_budget(perfgate):
    perfgate.pedantic(time.sleep, args=(0.1,), rounds=2)

@pytest.mark.performance(time="50ms")
def test_crash():
    os._exit(1)

@pytest.mark.performance(time="50ms")
def test_plain_benchmark(benchmark):
    benchmark.pedantic(time.sleep, args=(0.001,), rounds=4)

@pytest.mark.performance(time="1s")
def test_body():
    time.sleep(0.02)
"""


def intervals(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_isolate_runs_performance_tests_alone_after_the_others_and_reports_them(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_mixed=SUITE)
    log = pytester.path / "intervals.jsonl"
    monkeypatch.setenv("INTERVALS", str(log))
    result = pytester.runpytest_subprocess(
        *FAST, "-n", "2", "--junitxml=junit.xml", "--perfgate-json=report.json"
    )
    result.assert_outcomes(passed=11, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*perfgate: xdist isolate: performance tests run one at a time*",
            "*perfgate: marker: time median * > budget 5 ms*",
            "*worker 'gw*' crashed*",
        ]
    )

    spans = intervals(log)
    assert {span["name"] for span in spans} == {
        *(f"test_plain[{i}]" for i in range(8)),
        "test_fixture",
        "test_over_budget",
        "test_plain_benchmark",
        "test_body",
    }
    assert len({span["pid"] for span in spans if not span["perf"]}) == 2  # the others ran in parallel
    for perf in (span for span in spans if span["perf"]):
        for other in spans:
            if other is not perf:
                assert other["end"] <= perf["start"] or perf["end"] <= other["start"], (perf, other)
    last_plain = max(span["end"] for span in spans if not span["perf"])
    assert all(span["start"] >= last_plain for span in spans if span["perf"])

    report = json.loads((pytester.path / "report.json").read_text())
    tests = {test["nodeid"].split("::")[-1]: test for test in report["tests"]}
    assert report["complete"] is True
    assert set(tests) == {
        "test_fixture",
        "test_over_budget",
        "test_crash",
        "test_plain_benchmark",
        "test_body",
    }
    assert tests["test_fixture"]["verdict"] == "pass"
    assert tests["test_fixture"]["time"]["rounds"] == 3  # the perfgate fixture measured on a worker
    assert tests["test_over_budget"]["verdict"] == "fail"
    assert tests["test_crash"]["verdict"] == "not-measured"
    assert tests["test_crash"]["reason"] == "worker crashed"
    benchmark = tests["test_plain_benchmark"]
    assert benchmark["verdict"] == "pass"
    assert benchmark["time"]["rounds"] == 4  # measured on the worker, not disabled by xdist
    # on a busy machine: "one call of the test body, corrected for contention"
    assert tests["test_body"]["time"]["method"].startswith("one call of the test body")
    cases = junit_properties(pytester.path / "junit.xml")
    assert cases["test_fixture"]["perfgate.verdict"] == "pass"
    assert cases["test_over_budget"]["perfgate.verdict"] == "fail"
    assert float(cases["test_plain_benchmark"]["perfgate.time.value_s"]) > 0


def test_parallel_mode_measures_where_tests_fall_and_warns(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import time
        import pytest

        @pytest.mark.parametrize("i", range(4))
        def test_plain(i):
            time.sleep(0.01)

        @pytest.mark.performance(time="50ms")
        @pytest.mark.parametrize("i", range(2))
        def test_perf(perfgate, i):
            perfgate.pedantic(time.sleep, args=(0.001,), rounds=3)
        """
    )
    result = pytester.runpytest_subprocess(
        *FAST,
        "-n",
        "2",
        "--perfgate-xdist=parallel",
        "--perfgate-json=report.json",
        "--perfgate-markdown=report.md",
    )
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(
        ["perfgate: warning: --perfgate-xdist=parallel: *their times are contended", "*warning: *contended*"]
    )
    report = json.loads((pytester.path / "report.json").read_text())
    assert [test["verdict"] for test in report["tests"]] == ["pass", "pass"]
    assert any("contended" in warning for warning in report["warnings"])
    assert "contended" in (pytester.path / "report.md").read_text()


@pytest.mark.parametrize(
    ("args", "isolate", "warning"),
    [
        (["--dist", "load"], True, None),
        (["--dist", "loadfile"], False, "*isolate needs --dist load; with --dist loadfile*contended"),
        (["--dist", "load", "--perfgate-xdist=parallel"], False, "*parallel: *contended"),
        (["--dist", "load", "--perfgate-mode=off"], False, None),
    ],
)
def test_controller_decides_how_to_schedule(
    pytester: pytest.Pytester, args: list[str], isolate: bool, warning: str | None
) -> None:
    config = pytester.parseconfigure("--tx", "2*popen", *args)
    hooks = config.pluginmanager.get_plugin("perfgate-xdist-controller")
    assert hooks is not None
    assert hooks.isolate is isolate
    warnings = PerfgateSession.of(config).run_warnings
    if warning is None:
        assert warnings == []
    else:
        assert len(warnings) == 1
        assert fnmatch.fnmatch(warnings[0], warning)
        assert [f"perfgate: warning: {warnings[0]}"] == hooks.pytest_report_header()


def test_not_registered_without_workers(pytester: pytest.Pytester) -> None:
    config = pytester.parseconfigure()
    assert config.pluginmanager.get_plugin("perfgate-xdist-controller") is None


def test_crashed_performance_test_gets_a_not_measured_record(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nperfgate_tests =\n    t.py::test_by_pattern = ui_response\n")
    config = pytester.parseconfigure("--tx", "2*popen", "--dist", "load")
    hooks = config.pluginmanager.get_plugin("perfgate-xdist-controller")
    announcement = {"t.py::test_marked": "strategy_creation", "t.py::test_fixture_only": None}
    announced = pytest.TestReport("t.py::test_a", ("t.py", 1, "test_a"), {}, "passed", None, "setup")
    setattr(announced, PERFORMANCE_TESTS, announcement)
    hooks.pytest_runtest_logreport(announced)
    assert not hasattr(announced, PERFORMANCE_TESTS)  # taken off before other plugins see it

    def crash(nodeid: str) -> Record | None:
        report = pytest.TestReport(
            nodeid, ("t.py", None, "t.py"), {}, "failed", "worker 'gw0' crashed", "call"
        )
        hooks.pytest_handlecrashitem(crashitem=nodeid, report=report)
        return Record.from_properties(report.user_properties)

    marked = crash("t.py::test_marked")
    assert marked is not None
    assert (marked.verdict, marked.reason, marked.target) == (
        "not-measured",
        "worker crashed",
        "strategy_creation",
    )
    fixture_only = crash("t.py::test_fixture_only")
    assert fixture_only is not None and fixture_only.target is None
    by_pattern = crash("t.py::test_by_pattern")
    assert by_pattern is not None and by_pattern.target == "ui_response"
    assert crash("t.py::test_ordinary") is None


BENCHMARKED = """
import time
import pytest

@pytest.mark.performance(time="50ms")
def test_fixture(perfgate):
    perfgate.pedantic(time.sleep, args=(0.001,), rounds=3)

@pytest.mark.performance(time="50ms")
def test_benchmark(benchmark):
    benchmark.pedantic(time.sleep, args=(0.001,), rounds=4)

def test_plain():
    pass
"""

DISABLED = "Benchmarks are automatically disabled because xdist plugin is active"


def test_benchmarks_measured_on_workers_are_shown_and_saved_by_the_controller(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(BENCHMARKED)
    result = pytester.runpytest_subprocess(*FAST, "-n", "2", "--benchmark-json=bench.json")
    result.assert_outcomes(passed=3)
    assert DISABLED not in result.stdout.str() + result.stderr.str()
    result.stdout.fnmatch_lines(
        [
            "perfgate measured 2 benchmarks on the xdist workers (pytest-benchmark turns itself off under "
            "xdist); pytest-benchmark's table shows them",
            "*benchmark: 2 tests*",
            "Name (time in ms) *",
            "test_*",
            "test_*",
        ]
    )
    saved = json.loads((pytester.path / "bench.json").read_text())["benchmarks"]
    rounds = {bench["name"]: len(bench["stats"]["data"]) for bench in saved}
    assert rounds == {"test_fixture": 3, "test_benchmark": 4}
    assert {bench["extra_info"]["perfgate_verdict"] for bench in saved} == {"pass"}


def test_a_benchmark_perfgate_does_not_measure_keeps_pytest_benchmarks_warning(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(BENCHMARKED + "\ndef test_own(benchmark):\n    benchmark(sum, range(10))\n")
    result = pytester.runpytest_subprocess(*FAST, "-n", "2")
    result.assert_outcomes(passed=4)
    assert DISABLED in result.stdout.str() + result.stderr.str()
    result.stdout.fnmatch_lines(["perfgate measured 2 benchmarks on the xdist workers *"])
