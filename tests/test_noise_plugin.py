"""End to end: confirmation, intervals and contention as a user's test run sees them."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest

from helpers import junit_properties

pytestmark = pytest.mark.timing_sensitive


def records(pytester: pytest.Pytester) -> dict[str, dict[str, object]]:
    cases = junit_properties(pytester.path / "junit.xml")
    return {
        name: json.loads(props["perfgate.record"])
        for name, props in cases.items()
        if "perfgate.record" in props
    }


def test_over_budget_is_confirmed_before_failing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import time
        import pytest

        @pytest.mark.performance(time="5ms")
        def test_slow(perfgate):
            perfgate.pedantic(time.sleep, args=(0.01,), rounds=6)
        """
    )
    result = pytester.runpytest("--junitxml=junit.xml")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*time median 1?.? ms > budget 5 ms (*x)*; over in all 2 measurements (1?.? ms, 1?.? ms)*"]
    )
    record = records(pytester)["test_slow"]
    attempts = record["attempts"]
    assert isinstance(attempts, list)
    attempts = [attempt for attempt in attempts if attempt["counted"]]  # a slow-CPU attempt is set aside
    assert len(attempts) == 2
    for attempt in attempts:
        assert attempt["value_s"] > 0.005 and attempt["rounds"] >= 6
        assert {"min", "median", "ci_low", "ci_high", "contention"} <= set(attempt)
    time_figures = record["time"]
    assert isinstance(time_figures, dict) and time_figures["ci_low"] > 0.005


def test_confirm_zero_fails_on_one_measurement(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import time
        import pytest

        @pytest.mark.performance(time="5ms")
        def test_slow(perfgate):
            perfgate.pedantic(time.sleep, args=(0.01,), rounds=6)
        """
    )
    result = pytester.runpytest("--junitxml=junit.xml", "--perfgate-confirm=0")
    result.assert_outcomes(failed=1)
    attempts = records(pytester)["test_slow"]["attempts"]
    assert isinstance(attempts, list)
    assert len([attempt for attempt in attempts if attempt["counted"]]) == 1  # a slow-CPU one is set aside


def test_benchmark_fixture_tests_get_an_interval_and_contention(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.performance(time="100ms")
        def test_bench(benchmark):
            benchmark.pedantic(sum, args=(range(1000),), rounds=20)
        """
    )
    result = pytester.runpytest("--junitxml=junit.xml")
    result.assert_outcomes(passed=1)
    record = records(pytester)["test_bench"]
    time_figures = record["time"]
    assert isinstance(time_figures, dict) and time_figures["ci_high"] < 0.1
    contention = record["contention"]
    assert isinstance(contention, dict) and contention["factor"] >= 1 and contention["probes"] >= 1


@pytest.mark.parametrize(
    ("option", "text"),
    [("--perfgate-confirm=-1", "must not be negative"), ("--perfgate-max-time=0", "greater than zero")],
)
def test_bad_noise_options_are_usage_errors(pytester: pytest.Pytester, option: str, text: str) -> None:
    result = pytester.runpytest(option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{text}*"])


@pytest.fixture
def busy_machine() -> Iterator[None]:
    """Two processes spinning, one per core of a 2-core machine (more where there are more cores)."""
    import os

    spinners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(max(2, os.cpu_count() or 2))
    ]
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def test_a_busy_neighbour_does_not_fail_a_test_within_budget(
    pytester: pytest.Pytester, busy_machine: None
) -> None:
    pytester.makepyfile(
        """
        import pytest

        def work():
            total = 0
            for i in range(25_000):
                total += i * i % 7
            return total

        @pytest.mark.performance(time="5ms")
        def test_within_budget(perfgate):
            perfgate(work)
            assert perfgate.measurement.time.value_s < 0.005
        """
    )
    result = pytester.runpytest("--junitxml=junit.xml", "--benchmark-max-time=0.3")
    result.assert_outcomes(passed=1)
    record = records(pytester)["test_within_budget"]
    contention = record["contention"]
    assert isinstance(contention, dict)
    assert contention["factor"] >= 1 and contention["probes"] >= 2
    assert contention["action"] in ("none", "corrected", "remeasured")


def test_a_clear_pass_with_an_open_interval_is_not_marginal(pytester: pytest.Pytester) -> None:
    """A p95 of 20 ms rounds against 1 s: too few rounds to bound it in 0.3 s, and not in doubt."""
    pytester.makepyfile(
        """
        import time
        import pytest

        @pytest.mark.performance(time="1s", stat="p95")
        def test_far_within(perfgate):
            perfgate.pedantic(time.sleep, args=(0.02,), rounds=10)
        """
    )
    result = pytester.runpytest("--junitxml=junit.xml", "--perfgate-max-time=0.3s")
    result.assert_outcomes(passed=1)
    record = records(pytester)["test_far_within"]
    time_figures = record["time"]
    assert isinstance(time_figures, dict) and time_figures["ci_high"] is None  # still open
    assert record["marginal"] is False
    assert "(marginal)" not in result.stdout.str() and "marginal:" not in result.stdout.str()


MAX_TIME_TEST = """
import time
import pytest

CALLS = []

def slow():
    CALLS.append(1)
    time.sleep({call_s})
    return len(CALLS)

@pytest.mark.performance(time="0.1s")
def test_slow(perfgate):
    start = time.perf_counter()
    try:
        assert perfgate(slow) <= len(CALLS)  # the result of a call made, not of one more
    finally:
        print(f"perfgate took {{time.perf_counter() - start:.2f}} s for {{len(CALLS)}} calls")
"""


@pytest.mark.parametrize(
    ("call_s", "max_time"),
    [
        (0.3, 1.0),  # calibration, 1 round (time kept for memory), 1 confirming round, memory
        (0.2, 0.5),  # calibration, 1 round, memory: no confirmation fits
        (0.6, 0.5),  # one call is longer than max-time: it is all there is (memory says why not)
    ],
)
def test_max_time_bounds_the_whole_verdict_of_a_test(
    pytester: pytest.Pytester, call_s: float, max_time: float
) -> None:
    """An over-budget call: pytest-benchmark's calibration and rounds, the confirmation, the memory call
    and the profile all end by --perfgate-max-time, give or take one call (each is checked against
    the one deadline before it starts); pytest-benchmark's call for the result is spared."""
    pytester.makepyfile(MAX_TIME_TEST.format(call_s=call_s))
    result = pytester.runpytest("-s", "--junitxml=junit.xml", f"--perfgate-max-time={max_time}s")
    result.assert_outcomes(failed=1)
    took = re.search(r"perfgate took ([0-9.]+) s for (\d+) calls", result.stdout.str())
    assert took is not None
    seconds, made = float(took[1]), int(took[2])
    assert made <= math.floor(max_time / call_s) + 1, took[0]  # those that fit, and one
    assert seconds <= max_time + call_s + 0.5, took[0]  # slack: start-up, the tracer, a busy machine
    result.stdout.fnmatch_lines([f"*no profile: --perfgate-max-time ({max_time:g} s) was spent before*"])
    record = records(pytester)["test_slow"]
    memory = record["memory"]
    assert isinstance(memory, dict)
    assert record["verdict"] == "fail"  # on the rounds there was time for
    if call_s > max_time:
        assert memory["peak_bytes"] is None and "--perfgate-max-time" in memory["reason"]
    else:  # time was kept for it (a busy machine's overheads may still eat it: then it says so)
        assert memory["peak_bytes"] is not None or "--perfgate-max-time" in memory["reason"]


def test_max_time_bounds_the_rounds_of_the_benchmark_fixture_too(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import time
        import pytest

        @pytest.mark.performance(time="1s")
        def test_slow(benchmark):
            benchmark(time.sleep, 0.2)

        @pytest.mark.performance(time="1s")
        def test_fixed_rounds_are_the_tests_own(benchmark):
            benchmark.pedantic(time.sleep, args=(0.05,), rounds=12)
        """
    )
    result = pytester.runpytest("--junitxml=junit.xml", "--perfgate-max-time=0.5s")
    result.assert_outcomes(passed=2)
    found = records(pytester)
    slow, fixed = found["test_slow"]["time"], found["test_fixed_rounds_are_the_tests_own"]["time"]
    assert isinstance(slow, dict) and isinstance(fixed, dict)
    assert slow["rounds"] <= 2  # pytest-benchmark's five by default would take 1 s
    assert fixed["rounds"] == 12
