"""The perfgate fixture, the benchmark fixture and body-timed tests, end to end."""

from __future__ import annotations

import json

import pytest

from helpers import junit_properties, search_output

FAST = ("--benchmark-max-time=0.02", "--benchmark-min-rounds=3")


def record_of(pytester: pytest.Pytester, name: str) -> dict[str, object]:
    record = junit_properties(pytester.path / "junit.xml")[name]["perfgate.record"]
    result: dict[str, object] = json.loads(record)
    return result


def test_call_returns_the_result_and_measurement_holds_the_figures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        def add(a, b=0):
            return a + b

        @pytest.mark.performance("strategy_creation")
        def test_it(perfgate):
            assert perfgate(add, 2, b=3) == 5
            m = perfgate.measurement
            assert m.verdict == "pass"
            assert m.target == "strategy_creation"
            assert m.time.stat == "median"
            assert m.time.rounds >= 3
            assert m.time.min <= m.time.median <= m.time.max
            assert m.time.budget_s == 0.1
            assert m.memory.backend in ("memray", "tracemalloc")
            assert m.memory.budget_bytes == 500 * 1024**2
        """
    )
    pytester.runpytest(*FAST).assert_outcomes(passed=1)


@pytest.mark.timing_sensitive
def test_pedantic_takes_fixed_rounds_and_setup(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        calls = []

        def work(x):
            calls.append(x)
            return x * 2

        @pytest.mark.performance(time="1s")
        def test_it(perfgate):
            result = perfgate.pedantic(work, setup=lambda: ((21,), {}), rounds=4, warmup_rounds=1)
            assert result == 42
            assert perfgate.measurement.time.rounds == 4
            # 1 warm-up + 4 timed rounds + 1 memory pass, and 4 more rounds for each time perfgate
            # measured again (a busy machine during pytest-benchmark's rounds)
            attempts = [attempt["rounds"] for attempt in perfgate.measurement.attempts]
            assert attempts[:1] == [4] and set(attempts) == {4}
            assert len(calls) == 1 + 4 * len(attempts) + 1
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_the_fixture_measures_one_call_per_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.performance(time="1s")
        def test_it(perfgate):
            perfgate(int)
            perfgate(int)

        def test_too_early(perfgate):
            perfgate.measurement
        """
    )
    result = pytester.runpytest(*FAST)
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "*RuntimeError: perfgate measures one call per test; it was already used in this test",
            "*RuntimeError: perfgate.measurement is available after perfgate(...) has run",
        ]
    )


def test_benchmark_marker_options_and_flags_apply(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.performance(time="1s")
        @pytest.mark.benchmark(min_rounds=17, max_time=0.000001)
        def test_marker(perfgate):
            perfgate(int)
            assert perfgate.measurement.time.rounds == 17

        @pytest.mark.performance(time="1s")
        def test_flag(perfgate):
            perfgate(int)
            assert perfgate.measurement.time.rounds == 11
        """
    )
    pytester.runpytest("--benchmark-min-rounds=11", "--benchmark-max-time=0.000001").assert_outcomes(passed=2)


@pytest.mark.timing_sensitive
def test_over_budget_fails_in_the_call_phase_with_the_message(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import time
        import pytest

        @pytest.mark.performance("ui_response")
        def test_slow(perfgate):
            perfgate.pedantic(time.sleep, args=(0.15,), rounds=2)
            raise AssertionError("never reached: the verdict stops the test")
        """
    )
    result = pytester.runpytest("--junitxml=junit.xml")
    result.assert_outcomes(failed=1)
    match = search_output(
        result.stdout.str(),
        r"perfgate: ui_response: time median (\d+) ms > budget 100 ms \((\d+\.\d\d)x\)",
    )
    assert int(match[1]) >= 150
    assert float(match[2]) == pytest.approx(int(match[1]) / 100, abs=0.011)
    result.stdout.no_fnmatch_line("*never reached*")
    record = record_of(pytester, "test_slow")
    assert record["verdict"] == "fail"


def test_memory_over_budget_message(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        def allocate():
            return bytearray(8 * 1024 * 1024)

        @pytest.mark.performance(time="10s", memory="1MB")
        def test_big(perfgate):
            perfgate.pedantic(allocate, rounds=2)
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*perfgate: marker: memory 8* MiB > budget 1 MiB (8.0?x)*"])


@pytest.mark.timing_sensitive
def test_plain_benchmark_tests_are_gated_on_its_statistics(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import time
        import pytest

        @pytest.mark.performance(time="1ms")
        def test_slow(benchmark):
            benchmark.pedantic(time.sleep, args=(0.02,), rounds=2)

        @pytest.mark.performance(time="1s")
        def test_fast(benchmark):
            benchmark(int)
        """
    )
    result = pytester.runpytest("--junitxml=junit.xml", *FAST)
    result.assert_outcomes(passed=1, failed=1)
    match = search_output(result.stdout.str(), r"perfgate: marker: time median ([\d.]+) ms > budget 1 ms")
    assert float(match[1]) >= 20
    fast = record_of(pytester, "test_fast")
    assert fast["verdict"] == "pass"
    # its memory: one more call of the function it ran, measured apart from the timed rounds
    assert fast["memory"]["peak_bytes"] is not None  # type: ignore[index]
    assert fast["memory"]["budget_bytes"] == 500 * 1024**2  # type: ignore[index]


@pytest.mark.timing_sensitive
def test_tests_without_a_fixture_are_timed_as_one_call_under_tracing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import time
        import pytest

        @pytest.mark.performance(time="20ms")
        def test_slow_body():
            time.sleep(0.1)

        @pytest.mark.performance(time="1s")
        def test_quick_body():
            data = bytearray(4 * 1024 * 1024)
        """
    )
    result = pytester.runpytest("--junitxml=junit.xml")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*test_quick_body: time taken under memory tracing*"])
    quick = record_of(pytester, "test_quick_body")
    assert quick["time"]["rounds"] == 1  # type: ignore[index]
    assert quick["time"]["traced"] is True  # type: ignore[index]
    assert quick["memory"]["peak_bytes"] >= 4 * 1024 * 1024  # type: ignore[index]


def test_benchmark_disable_is_never_a_silent_pass(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        calls = []

        @pytest.mark.performance(time="1ns")
        def test_it(perfgate):
            perfgate(calls.append, 1)
            assert calls == [1]  # still runs, once
            assert perfgate.measurement.verdict == "not-measured"
        """
    )
    result = pytester.runpytest("--benchmark-disable", "--junitxml=junit.xml")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*not-measured: time: pytest-benchmark is disabled (--benchmark-disable)*"])
    assert junit_properties(pytester.path / "junit.xml")["test_it"]["perfgate.verdict"] == "not-measured"


def test_a_failing_test_keeps_its_outcome_and_is_not_recorded_as_a_pass(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.performance(time="1s")
        def test_fails_after(perfgate):
            perfgate(int)
            assert False, "own assertion"

        @pytest.mark.performance(time="1s")
        def test_raises_before(perfgate):
            raise KeyError("boom")

        @pytest.mark.performance(time="1s")
        def test_body_fails():
            assert 1 == 2
        """
    )
    result = pytester.runpytest("--junitxml=junit.xml", *FAST)
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(["*own assertion*", "*KeyError: 'boom'*"])
    cases = junit_properties(pytester.path / "junit.xml")
    for name in ("test_fails_after", "test_raises_before", "test_body_fails"):
        assert cases[name]["perfgate.verdict"] == "not-measured", name
    assert "AssertionError" in record_of(pytester, "test_fails_after")["reason"]  # type: ignore[operator]
    assert "KeyError" in record_of(pytester, "test_raises_before")["reason"]  # type: ignore[operator]


@pytest.mark.timing_sensitive
def test_warn_mode_reports_without_failing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import time
        import pytest

        @pytest.mark.performance(time="1ms")
        def test_slow(perfgate):
            perfgate.pedantic(time.sleep, args=(0.02,), rounds=2)
            assert perfgate.measurement.verdict == "warn"
        """
    )
    result = pytester.runpytest("--perfgate-mode=warn")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*PerfgateWarning: perfgate: marker: time median*", "*warn*"])


def test_off_mode_measures_nothing_beyond_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import time
        import pytest

        calls = []

        @pytest.mark.performance(time="1ns")
        def test_fixture(perfgate):
            perfgate(calls.append, 1)
            assert calls == [1]

        @pytest.mark.performance(time="1ns")
        def test_body():
            time.sleep(0.01)
        """
    )
    result = pytester.runpytest("--perfgate-mode=off", "--junitxml=junit.xml")
    result.assert_outcomes(passed=2)
    cases = junit_properties(pytester.path / "junit.xml")
    assert cases["test_fixture"]["perfgate.verdict"] == "not-measured"
    assert cases["test_body"]["perfgate.verdict"] == "not-measured"
    assert "perfgate.time.value_s" not in cases["test_body"]


@pytest.mark.timing_sensitive
def test_scale_turns_a_fail_into_a_pass(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import time
        import pytest

        @pytest.mark.performance(time="10ms")
        def test_it(perfgate):
            perfgate.pedantic(time.sleep, args=(0.03,), rounds=2)
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*budget 10 ms*"])
    pytester.runpytest("--perfgate-scale=20").assert_outcomes(passed=1)


@pytest.mark.timing_sensitive
def test_scaled_budget_shows_the_factor(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import time
        import pytest

        @pytest.mark.performance(time="5ms")
        def test_it(perfgate):
            perfgate.pedantic(time.sleep, args=(0.05,), rounds=2)
        """
    )
    result = pytester.runpytest("--perfgate-scale=2")
    result.stdout.fnmatch_lines(["*> budget 10 ms (5 ms x2) (*x)*"])


def test_fixture_without_marker_is_reported_with_the_default_memory_budget(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        def test_it(perfgate):
            perfgate(int)
            assert perfgate.measurement.memory.budget_bytes == 500 * 1024**2
        """
    )
    result = pytester.runpytest(*FAST)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*test_it*pass*"])
