"""End to end: a marked test over budget fails, one under budget passes, figures reach junit."""

from __future__ import annotations

import pytest

from helpers import junit_properties


@pytest.mark.timing_sensitive
def test_over_budget_fails_and_under_budget_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import time
        import pytest

        @pytest.mark.performance(time="50ms")
        def test_quick(perfgate):
            perfgate.pedantic(time.sleep, args=(0.001,), rounds=3)

        @pytest.mark.performance(time="5ms")
        def test_slow(perfgate):
            perfgate.pedantic(time.sleep, args=(0.1,), rounds=2)
        """
    )
    result = pytester.runpytest("--junitxml=junit.xml")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*perfgate: marker: time median 10? ms > budget 5 ms (*x)*"])
    cases = junit_properties(pytester.path / "junit.xml")
    assert cases["test_quick"]["perfgate.verdict"] == "pass"
    assert cases["test_slow"]["perfgate.verdict"] == "fail"
    assert float(cases["test_slow"]["perfgate.time.value_s"]) >= 0.1
