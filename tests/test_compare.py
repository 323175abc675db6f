"""``perfgate.compare``: interleaved A/B rounds, the speedup with its interval, the memory ratio."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from neighbours import neighbours

from helpers import junit_properties
from pytest_perfgate.gates.compare import Comparison, Pairs, calibrate_iterations, take_pairs, validate
from pytest_perfgate.measure.memory import MemoryResult
from pytest_perfgate.measure.sampling import CallSampler

pytestmark = pytest.mark.timing_sensitive

PROJECT = """
import pytest

def fast(n):
    return sum(range(n // 100))

def slow(n):
    return sum(range(n))

def hungry(n):
    return list(range(n))

def lean(n):
    return sum(range(n))

@pytest.mark.performance
def test_faster(perfgate):
    assert perfgate.compare(fast, slow, 20_000, min_speedup=2) == sum(range(200))

@pytest.mark.performance
def test_slower(perfgate):
    perfgate.compare(slow, fast, 20_000, min_speedup=2)

@pytest.mark.performance
def test_more_memory(perfgate):
    perfgate.compare(hungry, lean, 200_000, max_memory_ratio=0.7)
"""


def test_compare_passes_a_faster_candidate_and_fails_a_slower_one(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_ab=PROJECT)
    result = pytester.runpytest(
        "--junitxml=junit.xml", "-W", "error::pytest_benchmark.logger.PytestBenchmarkWarning"
    )
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*perfgate: compare: candidate 0.0* as fast as baseline (95% CI *) < required 2x in all 2*",
            "*perfgate: compare: candidate peak * MiB is *x baseline's * > allowed 0.7x*",
            "*test_faster: compare: candidate *x as fast as baseline (95% CI *), required >= 2x*",
        ]
    )
    cases = junit_properties(pytester.path / "junit.xml")
    faster = cases["test_faster"]
    assert float(faster["perfgate.compare.speedup"]) > 10
    assert float(faster["perfgate.compare.ci_low"]) > 2
    assert float(faster["perfgate.compare.min_speedup"]) == 2
    assert faster["perfgate.verdict"] == "pass"
    record = json.loads(faster["perfgate.record"])
    assert record["extra"]["compare"]["pairs"] >= 10
    assert cases["test_slower"]["perfgate.verdict"] == "fail"
    assert float(cases["test_more_memory"]["perfgate.compare.memory_ratio"]) > 0.7


BAD_CALLS = [
    ("perfgate.compare(fast, 3)", "baseline must be callable, not 3"),
    ("perfgate.compare('x', fast)", "candidate must be callable, not 'x'"),
    ("perfgate.compare(fast, fast, min_speedup=0)", "min_speedup must be a finite number greater than zero"),
    ("perfgate.compare(fast, fast, min_speedup='2x')", "min_speedup must be a number, not '2x'"),
    ("perfgate.compare(fast, fast, max_memory_ratio=-1)", "max_memory_ratio must be a finite number"),
]


def test_bad_compare_arguments_are_clear_errors(pytester: pytest.Pytester) -> None:
    tests = "".join(
        f"""
def test_bad_{index}(perfgate):
    {call}
"""
        for index, (call, _) in enumerate(BAD_CALLS)
    )
    pytester.makepyfile("def fast():\n    return 1\n" + tests)
    result = pytester.runpytest()
    result.assert_outcomes(failed=len(BAD_CALLS))
    result.stdout.fnmatch_lines(
        [
            line
            for index, (_, message) in enumerate(BAD_CALLS)
            for line in (f"*_ test_bad_{index} _*", f"E *perfgate.compare: {message}*")
        ]
    )
    assert "INTERNALERROR" not in result.stdout.str()


def test_validate_returns_floats() -> None:
    assert validate(print, print, 2, None) == (2.0, None)
    assert validate(print, print, None, 0.5) == (None, 0.5)
    with pytest.raises(ValueError, match="greater than zero"):
        validate(print, print, float("inf"), None)


def test_calibration_gives_both_functions_the_same_rounds_of_at_least_the_target() -> None:
    iterations = calibrate_iterations((lambda: None, lambda: sum(range(100))), round_s=2e-4)
    assert iterations > 1
    samplers = (
        CallSampler(lambda: None, iterations=iterations),
        CallSampler(lambda: None, iterations=iterations),
    )
    pairs = Pairs()
    take_pairs(samplers, 4, pairs)
    assert len(pairs.candidate) == len(pairs.baseline) == 4


def test_pairs_alternate_which_runs_first() -> None:
    order: list[str] = []

    def recorder(name: str) -> Callable[[], None]:
        return lambda: order.append(name)

    pairs = Pairs()
    take_pairs((CallSampler(recorder("a")), CallSampler(recorder("b"))), 4, pairs)
    assert order == ["a", "b", "b", "a", "a", "b", "b", "a"]


def test_comparison_figures() -> None:
    pairs = Pairs(candidate=[1.0] * 9, baseline=[3.0] * 9)
    comparison = Comparison(min_speedup=2.0, max_memory_ratio=0.7, iterations=5, attempts=[pairs])
    assert comparison.final.speedup == 3.0
    assert not comparison.too_slow() and not comparison.marginal
    comparison.memory = (MemoryResult(8 << 20, "tracemalloc"), MemoryResult(10 << 20, "tracemalloc"))
    assert comparison.memory_ratio == pytest.approx(0.8)
    assert comparison.too_big()
    extra = comparison.to_extra()
    assert (
        extra["speedup"] == 3.0
        and extra["memory_ratio"] == pytest.approx(0.8)
        and extra["max_memory_ratio"] == 0.7
    )
    tiny = Comparison(None, None, 1, [pairs], (MemoryResult(1400, "memray"), MemoryResult(0, "memray")))
    assert tiny.memory_ratio == 1.0  # peaks below the noise floor are not a difference


def test_a_busy_machine_does_not_change_a_clear_comparison(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_ab=PROJECT)
    with neighbours() as loaders:
        result = pytester.runpytest("--junitxml=junit.xml", "-k", "faster or slower")
    assert all(loader.poll() is not None for loader in loaders)
    result.assert_outcomes(passed=1, failed=1)
    cases = junit_properties(pytester.path / "junit.xml")
    assert cases["test_faster"]["perfgate.verdict"] == "pass"
    assert cases["test_slower"]["perfgate.verdict"] == "fail"
    assert int(cases["test_slower"]["perfgate.compare.cores"]) >= 1
    result.stdout.fnmatch_lines(
        ["*perfgate: compare: candidate * as fast as baseline *; machine: * cores; *"]
    )
