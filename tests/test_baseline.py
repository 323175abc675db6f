"""``--perfgate-baseline``: regressions against an earlier report fail as tests; new tests are new."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from helpers import junit_properties
from pytest_perfgate.reports.reader import ReportError
from pytest_perfgate.verdict.baseline import load

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


LATIN_1 = "\u00e9"
LONG_NUMBER = '{"schema": "pytest-perfgate/1", "tests": [], "duration_s": ' + "1" * 5001 + "}"


def report(tests: list[dict[str, Any]]) -> dict[str, Any]:
    return {"schema": "pytest-perfgate/1", "tests": tests}


def sleep_record(nodeid: str, seconds: float, rounds: int = 10) -> dict[str, Any]:
    data = [seconds * (1 + 0.01 * (i % 3)) for i in range(rounds)]
    median = sorted(data)[rounds // 2]
    return {
        "nodeid": nodeid,
        "target": None,
        "verdict": "pass",
        "time": {
            **dict(zip(("budget_s", "ratio", "stddev"), (None, None, 0.0), strict=True)),
            **{"stat": "median", "value_s": median, "data": data, "rounds": rounds},
            **{"min": min(data), "median": median, "mean": sum(data) / rounds, "max": max(data)},
        },
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
        (None, "missing.json: no such file"),
        ("{not json", "bad.json: not valid JSON (line 1, column 2*"),
        (
            json.dumps({"schema": "pytest-perfgate/2", "tests": []}),
            "bad.json: not a pytest-perfgate report: schema 'pytest-perfgate/2'*",
        ),
        (json.dumps({"schema": "pytest-perfgate/1", "tests": {}}), "bad.json: field tests: must be a list*"),
        (json.dumps(report([{"target": "x"}])), "bad.json: field tests[[]0[]].nodeid: is missing"),
        (
            json.dumps(
                report([{"nodeid": "a", "verdict": "pass", "time": {"stat": "median", "value_s": "f"}}])
            ),
            "bad.json: field tests[[]0[]].time.value_s: must be a number, not the string 'f'",
        ),
        ("\u00e9".encode("latin-1").decode("latin-1"), "bad.json: not UTF-8 text (byte 0xe9 at offset 0)"),
        ("[" * 200_000 + "]" * 200_000, "bad.json: not a report: its JSON is nested too deeply to read"),
        (
            '{"schema": "pytest-perfgate/1", "tests": [], "duration_s": ' + "1" * 5001 + "}",
            "bad.json: *5001 digits*",
        ),
    ],
)
def test_bad_baseline_files_are_usage_errors(
    pytester: pytest.Pytester, content: str | None, expected: str
) -> None:
    pytester.makepyfile(test_app=SLEEPS.format(seconds=0.001))
    name = "missing.json" if content is None else "bad.json"
    if content is not None:
        (pytester.path / name).write_text(content, encoding="latin-1" if content == LATIN_1 else "utf-8")
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


def test_load_refuses_a_bad_file_naming_it(tmp_path: Path) -> None:
    path = write(tmp_path / "old.json", [1, 2])
    with pytest.raises(ReportError, match=r"old\.json: not a pytest-perfgate report"):
        load(path)
