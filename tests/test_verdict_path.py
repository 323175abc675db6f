"""One verdict per test, enforced in the hook: where its budget came from, memory for ``benchmark`` tests,
and a budget that cannot be checked said so."""

from __future__ import annotations

import json

import pytest

from helpers import junit_properties

FAST = ("--benchmark-max-time=0.02", "--benchmark-min-rounds=3", "--perfgate-confirm=0")


def records(pytester: pytest.Pytester) -> dict[str, dict[str, object]]:
    found = junit_properties(pytester.path / "junit.xml")
    return {name: json.loads(properties["perfgate.record"]) for name, properties in found.items()}


def test_a_body_that_swallows_the_failure_still_fails(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import time
        import pytest

        @pytest.mark.performance(time="1ms")
        def test_swallowed(perfgate):
            try:
                perfgate(time.sleep, 0.005)
            except BaseException:
                pass

        @pytest.mark.performance(time="1s")
        def test_within(perfgate):
            try:
                perfgate(time.sleep, 0.001)
            except BaseException:
                pass
        """
    )
    result = pytester.runpytest(*FAST, "--junitxml=junit.xml")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*test_swallowed*", "perfgate: marker: time median * > budget 1 ms *"])
    junit = (pytester.path / "junit.xml").read_text()
    assert junit.count("<failure") == 1
    assert records(pytester)["test_swallowed"]["verdict"] == "fail"


def test_the_failure_names_the_pattern_and_its_line(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml(
        """
        [tool.perfgate.tests]
        "test_x.py::test_slow*" = "1ms"
        "test_x.py::test_target*" = "trigger_validation"
        """
    )
    pytester.makepyfile(
        test_x="""
        import time
        import pytest

        def test_slow(benchmark):
            benchmark(time.sleep, 0.005)

        def test_target(benchmark):
            benchmark.pedantic(time.sleep, args=(0.06,), rounds=2)

        @pytest.mark.performance("ui_response", time="1ms")
        def test_marked(benchmark):
            benchmark(time.sleep, 0.005)
        """
    )
    result = pytester.runpytest(*FAST)
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines_random(
        [
            'perfgate: pattern "test_x.py::test_slow[*]" (pyproject.toml:2): time median *',
            'perfgate: trigger_validation via pattern "test_x.py::test_target[*]" (pyproject.toml:3): time *',
            "perfgate: ui_response: time median *",
        ]
    )


def test_a_benchmark_test_is_held_to_its_memory_budget(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml(
        """
        [tool.perfgate.tests]
        "test_m.py::*" = { time = "10s", memory = "1MB" }
        """
    )
    pytester.makepyfile(
        test_m="""
        made = []

        def big(size):
            return bytearray(size)

        def test_call(benchmark):
            benchmark(big, 4 * 1024 * 1024)

        def test_pedantic(benchmark):
            def setup():
                made.append(1)
                return (4 * 1024 * 1024,), {}
            benchmark.pedantic(big, setup=setup, rounds=2)

        def test_small(benchmark):
            benchmark(big, 1024)
        """
    )
    result = pytester.runpytest(*FAST, "--junitxml=junit.xml", "-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(["perfgate: pattern *: memory 4* MiB > budget 1 MiB*"])
    found = records(pytester)
    for name in ("test_call", "test_pedantic"):
        memory = found[name]["memory"]
        assert isinstance(memory, dict) and memory["peak_bytes"] >= 4 * 1024 * 1024, name
        assert found[name]["verdict"] == "fail"
    small = found["test_small"]["memory"]
    assert isinstance(small, dict) and 0 <= small["peak_bytes"] < 1024 * 1024


def test_a_memory_budget_a_gate_cannot_check_is_said_and_the_default_is_not_shown(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_g="""
        import pytest

        def linear(data):
            return sum(data)

        @pytest.mark.performance(memory="64MB")
        def test_explicit(perfgate):
            perfgate.scaling(linear, [2_000, 4_000, 8_000], lambda n: list(range(n)), max_exponent=3)

        def test_default(perfgate):
            perfgate.scaling(linear, [2_000, 4_000, 8_000], lambda n: list(range(n)), max_exponent=3)
        """
    )
    result = pytester.runpytest("--perfgate-json=perf.json", "-p", "no:randomly")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["*test_explicit*64 MiB*pass (time only: memory not measured, the scaling gate measures time only)*"]
    )
    tests = {
        test["nodeid"].split("::")[1]: test
        for test in json.loads((pytester.path / "perf.json").read_text())["tests"]
    }
    explicit, default = tests["test_explicit"], tests["test_default"]
    assert explicit["reason"] == "time only: memory not measured, the scaling gate measures time only"
    assert explicit["memory"]["budget_bytes"] == 64 * 1024**2
    assert (default["verdict"], default["reason"]) == ("pass", "within the scaling limit")
    assert default["memory"]["budget_bytes"] is None
