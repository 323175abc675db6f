"""Every report follows pytest's outcome: an expected failure over budget is an xfail, a strict xfail
that passed is a failure, and the counts are pytest's."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from reportdata import record

from pytest_perfgate.reports.outcome import outcome_of, shown, shown_text

SUITE = """
import time
import pytest

@pytest.mark.xfail(reason="known to be slow")
@pytest.mark.performance(time="5ms")
def test_known_slow(perfgate):
    perfgate.pedantic(time.sleep, args=(0.03,), rounds=2)

@pytest.mark.xfail(reason="known to be slow", strict=True)
@pytest.mark.performance(time="5ms")
def test_strict_and_slow(perfgate):
    perfgate.pedantic(time.sleep, args=(0.03,), rounds=2)

@pytest.mark.xfail(reason="was slow", strict=True)
@pytest.mark.performance(time="1s")
def test_strict_but_fast(perfgate):
    perfgate.pedantic(time.sleep, args=(0.001,), rounds=2)

@pytest.mark.xfail(reason="may be slow")
@pytest.mark.performance(time="1s")
def test_maybe_slow(perfgate):
    perfgate.pedantic(time.sleep, args=(0.001,), rounds=2)

@pytest.mark.performance(time="1s")
def test_fine(perfgate):
    perfgate.pedantic(time.sleep, args=(0.001,), rounds=2)
"""

OUTCOMES = {
    "test_known_slow": ("fail", "xfailed", "xfail (over budget, as expected)"),
    "test_strict_and_slow": ("fail", "xfailed", "xfail (over budget, as expected)"),
    "test_strict_but_fast": ("pass", "xpassed-strict", "FAIL (XPASS(strict): pass)"),
    "test_maybe_slow": ("pass", "xpassed", "xpass (pass)"),
    "test_fine": ("pass", "passed", "pass"),
}


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "xdist"])
def test_reports_follow_pytest(pytester: pytest.Pytester, workers: list[str]) -> None:
    pytester.makepyfile(SUITE)
    result = pytester.runpytest(
        *workers,
        "--perfgate-confirm=0",
        "--perfgate-json=report.json",
        "--perfgate-markdown=report.md",
        "--perfgate-html=report.html",
    )
    result.assert_outcomes(passed=1, failed=1, xfailed=2, xpassed=1)
    document = json.loads((pytester.path / "report.json").read_text())
    tests = {test["nodeid"].split("::")[1]: test for test in document["tests"]}
    assert {name: (test["verdict"], test["outcome"]) for name, test in tests.items()} == {
        name: (verdict, outcome) for name, (verdict, outcome, _) in OUTCOMES.items()
    }
    assert {verdict: n for verdict, n in document["counts"].items() if n} == {
        "pass": 1,
        "fail": 1,
        "xfail": 2,
        "xpass": 1,
    }
    text = result.stdout.str()
    for name, (_, _, text_shown) in OUTCOMES.items():
        line = next(
            line for line in text.splitlines() if line.startswith(f"test_reports_follow_pytest.py::{name} ")
        )
        assert line.endswith(text_shown), line
    markdown = (pytester.path / "report.md").read_text()
    assert "**5 performance tests: 1 pass, 1 fail, 2 xfail, 1 xpass**" in markdown
    html = (pytester.path / "report.html").read_text()
    assert html.count('<tr class="verdict-xfail">') == 2
    assert html.count('<tr class="verdict-fail">') == 1
    assert html.count('<g class="test verdict-xfail"') == 2


class Phase:
    def __init__(self, outcome: str, longrepr: object = None, **extra: str) -> None:
        self.outcome, self.longrepr = outcome, longrepr
        vars(self).update(extra)


@pytest.mark.parametrize(
    ("phase", "outcome"),
    [
        (Phase("passed"), "passed"),
        (Phase("failed", "AssertionError"), "failed"),
        (Phase("skipped", wasxfail="slow"), "xfailed"),
        (Phase("passed", wasxfail="slow"), "xpassed"),
        (Phase("failed", "[XPASS(strict)] slow"), "xpassed-strict"),
        (Phase("skipped", ("f.py", 1, "Skipped: no")), "skipped"),
    ],
)
def test_outcome_of_a_test_report(phase: Phase, outcome: str) -> None:
    assert outcome_of(phase) == outcome


@pytest.mark.parametrize(
    ("verdict", "outcome", "key", "text"),
    [
        ("fail", "xfailed", "xfail", "xfail (over budget, as expected)"),
        ("pass", "xfailed", "xfail", "xfail (pass)"),
        ("pass", "xpassed", "xpass", "xpass (pass)"),
        ("pass", "xpassed-strict", "fail", "FAIL (XPASS(strict): pass)"),
        ("warn", "failed", "fail", "FAIL (the test failed; budget: warn)"),
        ("fail", "failed", "fail", "FAIL"),
        ("pass", "skipped", "skip", "skip (pass)"),
        ("warn", "passed", "warn", "warn"),
        ("pass", None, "pass", "pass"),
    ],
)
def test_what_the_reports_show(verdict: str, outcome: str | None, key: str, text: str) -> None:
    shown_record = replace(record("t.py::test_x", verdict), outcome=outcome)
    assert (shown(shown_record), shown_text(shown_record)) == (key, text)
