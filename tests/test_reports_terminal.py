"""The terminal section and junit XML, from the same record."""

from __future__ import annotations

import pytest

from helpers import junit_properties, search_output

SUITE = """
import time
import pytest

@pytest.mark.performance(time="10ms")
def test_worst(perfgate):
    perfgate.pedantic(time.sleep, args=(0.03,), rounds=2)

@pytest.mark.performance(time="50ms")
def test_middle(perfgate):
    perfgate.pedantic(time.sleep, args=(0.01,), rounds=2)

@pytest.mark.performance(time="1s")
def test_best(perfgate):
    perfgate.pedantic(time.sleep, args=(0.001,), rounds=2)

def test_not_performance():
    pass
"""


def test_summary_rows_worst_ratio_first(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest()
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*= perfgate =*",
            "test*target*stat*time*budget*ratio*memory*budget*verdict",
            "test_suite.py::test_worst *-*median*ms*10 ms*x*500 MiB*FAIL",
            "test_suite.py::test_middle *median*ms*50 ms*x*pass",
            "test_suite.py::test_best *median*ms*1 s*x*pass",
        ]
    )
    worst = search_output(result.stdout.str(), r"^test_suite.py::test_worst .* (\d+\.\d\d)x")
    assert float(worst[1]) >= 3
    result.stdout.no_fnmatch_line("*test_not_performance *pass*")


def test_no_summary_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest("--perfgate-no-summary")
    result.stdout.no_fnmatch_line("*= perfgate =*")


@pytest.mark.parametrize("family", ["xunit1", "xunit2", "legacy"])
def test_junit_properties_under_each_family(pytester: pytest.Pytester, family: str) -> None:
    pytester.makepyfile(test_suite=SUITE)
    pytester.runpytest("--junitxml=junit.xml", "-o", f"junit_family={family}")
    cases = junit_properties(pytester.path / "junit.xml")
    worst = cases["test_worst"]
    assert worst["perfgate.verdict"] == "fail"
    assert worst["perfgate.time.stat"] == "median"
    assert float(worst["perfgate.time.value_s"]) >= 0.03
    assert worst["perfgate.time.budget_s"] == "0.01"
    assert float(worst["perfgate.time.ratio"]) >= 3
    assert int(worst["perfgate.memory.peak_bytes"]) >= 0
    assert worst["perfgate.memory.budget_bytes"] == str(500 * 1024**2)
    assert cases["test_best"]["perfgate.verdict"] == "pass"
    assert not any(name.startswith("perfgate.") for name in cases["test_not_performance"])
