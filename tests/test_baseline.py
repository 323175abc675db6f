"""``--perfgate-baseline``: regressions against an earlier report fail as tests; new tests are new."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from helpers import junit_properties
from pytest_perfgate.baseline import BaselineError, BaselineTime, compare, load, parse

pytestmark = pytest.mark.timing_sensitive

SLEEPS = """
import time
import pytest

@pytest.mark.performance(time="1s")
def test_sleep(perfgate):
    perfgate.pedantic(time.sleep, args=({seconds},), rounds=6)

@pytest.mark.performance(time="1s")
def test_added_later(perfgate):
    perfgate.pedantic(time.sleep, args=(0.001,), rounds=6)
"""


def report(tests: list[dict[str, Any]]) -> dict[str, Any]:
    return {"schema": "pytest-perfgate/1", "tests": tests}


def sleep_record(nodeid: str, seconds: float, rounds: int = 10) -> dict[str, Any]:
    data = [seconds * (1 + 0.01 * (i % 3)) for i in range(rounds)]
    return {
        "nodeid": nodeid,
        "target": None,
        "verdict": "pass",
        "time": {"stat": "median", "value_s": sorted(data)[rounds // 2], "data": data, "rounds": rounds},
    }


def write(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_slower_than_the_baseline_fails_with_both_figures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_app=SLEEPS.format(seconds=0.01))
    write(pytester.path / "old.json", report([sleep_record("test_app.py::test_sleep", 0.001)]))
    result = pytester.runpytest("--perfgate-baseline=old.json", "--junitxml=junit.xml")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*perfgate: baseline: time median 1?.? ms vs baseline 1.0? ms: +*% > allowed +10%*"]
    )
    cases = junit_properties(pytester.path / "junit.xml")
    assert cases["test_sleep"]["perfgate.verdict"] == "fail"
    record = json.loads(cases["test_sleep"]["perfgate.record"])
    assert record["baseline"]["status"] == "regressed"
    assert record["baseline"]["p_value"] < 0.01
    assert json.loads(cases["test_added_later"]["perfgate.record"])["baseline"] == {"status": "new"}
    result.stdout.fnmatch_lines(["*test_added_later: new since the baseline*"])


def test_faster_than_the_baseline_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_app=SLEEPS.format(seconds=0.001))
    write(pytester.path / "old.json", report([sleep_record("test_app.py::test_sleep", 0.01)]))
    result = pytester.runpytest("--perfgate-baseline=old.json", "--junitxml=junit.xml")
    result.assert_outcomes(passed=2)
    record = json.loads(junit_properties(pytester.path / "junit.xml")["test_sleep"]["perfgate.record"])
    assert record["baseline"]["status"] == "faster"
    assert record["baseline"]["baseline_s"] == pytest.approx(0.0101)


def test_max_regression_allows_a_known_slowdown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_app=SLEEPS.format(seconds=0.01))
    write(pytester.path / "old.json", report([sleep_record("test_app.py::test_sleep", 0.001)]))
    result = pytester.runpytest("--perfgate-baseline=old.json", "--perfgate-max-regression=5000%")
    result.assert_outcomes(passed=2)


def test_warn_mode_reports_a_regression_without_failing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_app=SLEEPS.format(seconds=0.01))
    write(pytester.path / "old.json", report([sleep_record("test_app.py::test_sleep", 0.001)]))
    result = pytester.runpytest("--perfgate-baseline=old.json", "--perfgate-mode=warn")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*PerfgateWarning: perfgate: baseline: time median*vs baseline*"])


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "cannot read *missing.json*"),
        ("{not json", "*is not valid JSON*"),
        (json.dumps({"schema": "pytest-perfgate/2", "tests": []}), "*schema is 'pytest-perfgate/2'*"),
        (json.dumps({"schema": "pytest-perfgate/1", "tests": {}}), "*'tests' must be a list*"),
        (json.dumps(report([{"target": "x"}])), "*tests[[]0[]] is not a test record with a 'nodeid'*"),
        (
            json.dumps(report([{"nodeid": "a", "time": {"stat": "median", "value_s": "fast"}}])),
            "*time.value_s is 'fast'*",
        ),
    ],
)
def test_bad_baseline_files_are_usage_errors(
    pytester: pytest.Pytester, content: str | None, expected: str
) -> None:
    pytester.makepyfile(test_app=SLEEPS.format(seconds=0.001))
    name = "missing.json" if content is None else "bad.json"
    if content is not None:
        (pytester.path / name).write_text(content, encoding="utf-8")
    result = pytester.runpytest(f"--perfgate-baseline={name}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*perfgate: --perfgate-baseline: {expected}"])
    assert "INTERNALERROR" not in result.stderr.str() + result.stdout.str()


def test_load_reads_records(tmp_path: Path) -> None:
    path = write(
        tmp_path / "old.json",
        report([sleep_record("a.py::t", 0.002), {"nodeid": "a.py::untimed", "verdict": "not-measured"}]),
    )
    baseline = load(path, 0.2)
    old = baseline.tests["a.py::t"]
    assert old is not None and old.stat == "median" and len(old.data) == 10
    assert baseline.tests["a.py::untimed"] is None
    assert baseline.limit("a.py::t", "median") == pytest.approx(old.value_s * 1.2)
    assert baseline.limit("a.py::other", "median") is None


def test_parse_rejects_non_objects() -> None:
    with pytest.raises(BaselineError, match="not a JSON object"):
        parse([1, 2])


def test_compare_recomputes_the_statistic_from_the_baseline_rounds() -> None:
    old = BaselineTime(stat="mean", value_s=1.0, data=(1.0, 1.0, 1.0, 1.0, 10.0))
    assert old.value_for("median") == 1.0
    assert old.value_for("mean") == pytest.approx(2.8)
    assert BaselineTime(stat="mean", value_s=1.0, data=()).value_for("median") is None


def test_compare_needs_significance_as_well_as_size() -> None:
    old = BaselineTime(stat="median", value_s=1.5, data=(1.0,) * 10 + (2.0,) * 10)
    # One round moved from 1.0 to 2.0: the median jumps by a third, the rounds are the same.
    noisy = [1.0] * 9 + [2.0] * 11
    result = compare(2.0, noisy, "median", old, 0.10)
    assert result["change"] == pytest.approx(1 / 3)
    assert result["status"] == "not-significant"
    assert result["p_value"] > 0.01
    clear = compare(3.0, [3.0] * 20, "median", old, 0.10)
    assert clear["status"] == "regressed" and clear["p_value"] < 0.01
    assert compare(1.55, [1.55] * 20, "median", old, 0.10)["status"] == "unchanged"
    assert compare(1.0, [1.0] * 20, "median", old, 0.10)["status"] == "faster"


def test_compare_with_too_few_rounds_decides_on_the_ratio() -> None:
    old = BaselineTime(stat="median", value_s=1.0, data=(1.0,))
    result = compare(2.0, [2.0], "median", old, 0.10)
    assert result["status"] == "regressed"
    assert result["p_value"] is None
