"""End to end: ``perfgate.scaling`` fits time ∝ n^k and fails when k is over its limit."""

from __future__ import annotations

import json

import pytest
from neighbours import neighbours

from helpers import junit_properties

pytestmark = pytest.mark.timing_sensitive

WORKLOADS = """
def pairs(xs):
    count = 0
    for a in xs:
        for b in xs:
            if a < b:
                count += 1
    return count


def total(xs):
    result = 0
    for x in xs:
        result += x
    return result


def make(n):
    return list(range(n))
"""


def record_of(path: str, nodeid_suffix: str) -> dict[str, object]:
    """The perfgate record of a testcase, read back from the junit XML's perfgate.record property."""
    from pathlib import Path

    cases = junit_properties(Path(path))
    record: dict[str, object] = json.loads(cases[nodeid_suffix]["perfgate.record"])
    return record


def test_quadratic_fails_and_linear_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(workloads=WORKLOADS)
    pytester.makepyfile(
        """
        import pytest
        from workloads import make, pairs, total

        @pytest.mark.performance
        def test_quadratic(perfgate):
            perfgate.scaling(pairs, [100, 200, 400, 800], make, max_exponent=1.2)

        @pytest.mark.performance
        def test_linear(perfgate):
            result = perfgate.scaling(total, [1000, 2000, 4000, 8000], make, max_exponent=1.2)
            assert result.measured
            assert result.sizes == (1000, 2000, 4000, 8000)
            assert len(result.times_s) == 4 and all(t > 0 for t in result.times_s)
            assert result.ci_low <= result.exponent <= result.ci_high
            assert perfgate.measurement.verdict == "pass"
            assert perfgate.measurement.extra["scaling"]["exponent"] == round(result.exponent, 4)
        """
    )
    result = pytester.runpytest("--junitxml=junit.xml", "-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*perfgate: budget: scaling exponent * > max 1.2 (*x), time ∝ n^k fitted over 4 sizes, "
            "95% interval * to *",
            "*n*time/call*k since previous",
            "*100*",
            "*800*",
        ]
    )
    result.stdout.fnmatch_lines(["*::test_quadratic*n^k*1.20*x*FAIL*", "*::test_linear*n^k*1.20*x*pass*"])
    assert "Benchmark fixture was not used" not in result.stdout.str()
    cases = junit_properties(pytester.path / "junit.xml")
    quadratic, linear = cases["test_quadratic"], cases["test_linear"]
    assert quadratic["perfgate.verdict"] == "fail"
    assert float(quadratic["perfgate.scaling.exponent"]) > 1.6  # about 2
    assert float(quadratic["perfgate.scaling.max_exponent"]) == 1.2
    assert float(quadratic["perfgate.scaling.ci_low"]) <= float(quadratic["perfgate.scaling.ci_high"])
    assert linear["perfgate.verdict"] == "pass"
    assert float(linear["perfgate.scaling.exponent"]) < 1.2  # about 1
    assert not any(name.startswith("perfgate.time.") for name in quadratic)
    assert "perfgate.scaling.sizes" not in quadratic and "perfgate.scaling.times_s" not in quadratic
    record = json.loads(quadratic["perfgate.record"])
    assert record["extra"]["scaling"]["sizes"] == [100, 200, 400, 800]
    assert len(record["extra"]["scaling"]["times_s"]) == 4
    # the breach was confirmed by a fresh measurement (--perfgate-confirm defaults to 1)
    assert [attempt["kind"] for attempt in record["attempts"]] == ["scaling", "scaling"]
    assert any("confirmed by 1 fresh measurement" in note for note in record["notes"])


def test_warn_mode_reports_without_failing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(workloads=WORKLOADS)
    pytester.makepyfile(
        """
        from workloads import make, pairs

        def test_quadratic(perfgate):
            perfgate.scaling(pairs, [100, 200, 400], make, max_exponent=1.2)
        """
    )
    result = pytester.runpytest("--perfgate-mode=warn", "--perfgate-confirm=0", "--junitxml=junit.xml")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*PerfgateWarning: perfgate: budget: scaling exponent * > max 1.2*"])
    assert junit_properties(pytester.path / "junit.xml")["test_quadratic"]["perfgate.verdict"] == "warn"


@pytest.mark.parametrize(
    ("option", "reason"),
    [
        ("--perfgate-mode=off", "perfgate mode is off"),
        ("--benchmark-disable", "pytest-benchmark is disabled (--benchmark-disable)"),
    ],
)
def test_nothing_measured_runs_each_size_once(pytester: pytest.Pytester, option: str, reason: str) -> None:
    pytester.makepyfile(
        """
        calls = []

        def test_scaling(perfgate):
            result = perfgate.scaling(calls.append, [1, 2, 3], lambda n: n, max_exponent=1.2)
            assert calls == [1, 2, 3]
            assert not result.measured and result.exponent is None and result.times_s == ()
        """
    )
    result = pytester.runpytest(option, "--junitxml=junit.xml")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"*::test_scaling*not-measured: {reason}*"])
    properties = junit_properties(pytester.path / "junit.xml")["test_scaling"]
    assert properties["perfgate.verdict"] == "not-measured"
    assert not any(name.startswith("perfgate.scaling.") for name in properties)


BAD_CALLS = [
    ("[1, 2]", "make, 1.2", "ValueError: perfgate.scaling: sizes needs at least 3 sizes*got (1, 2)"),
    ("[1, 3, 2]", "make, 1.2", "ValueError: perfgate.scaling: sizes must be strictly increasing*"),
    ("[1, 2, 2]", "make, 1.2", "ValueError: perfgate.scaling: sizes must be strictly increasing*"),
    ("[0, 1, 2]", "make, 1.2", "ValueError: perfgate.scaling: sizes must be finite numbers greater than 0*"),
    ("'abc'", "make, 1.2", "TypeError: perfgate.scaling: sizes must be a sequence of numbers*"),
    ("[1, 'x', 3]", "make, 1.2", "TypeError: perfgate.scaling: sizes must be numbers, not 'x'"),
    ("[1, 2, 3]", "make, 0", "ValueError: perfgate.scaling: max_exponent must be greater than 0, not 0"),
    ("[1, 2, 3]", "make, -1.0", "ValueError: perfgate.scaling: max_exponent must be greater than 0*"),
    ("[1, 2, 3]", "make, '2'", "TypeError: perfgate.scaling: max_exponent must be a number, not '2'"),
    ("[1, 2, 3]", "make, float('nan')", "ValueError: perfgate.scaling: max_exponent must be finite*"),
    ("[1, 2, 3]", "None, 1.2", "TypeError: perfgate.scaling: make_input must be callable, not None"),
    ("[1, 2, 3]", "broken, 1.2", "ValueError: perfgate.scaling: make_input(2) raised KeyError: 'no input'"),
]


def test_bad_arguments_fail_the_test_with_a_message_naming_them(pytester: pytest.Pytester) -> None:
    tests = "\n".join(
        f"def test_bad_{index}(perfgate):\n    perfgate.scaling(len, {sizes}, {rest})\n"
        for index, (sizes, rest, _) in enumerate(BAD_CALLS)
    )
    pytester.makepyfile(
        f"""
import pytest

pytestmark = pytest.mark.performance

def make(n):
    return [0] * n

def broken(n):
    if n == 2:
        raise KeyError("no input")
    return [0] * n

{tests}
def test_fn_not_callable(perfgate):
    perfgate.scaling(42, [1, 2, 3], make, 1.2)
"""
    )
    result = pytester.runpytest("--junitxml=junit.xml")
    result.assert_outcomes(failed=len(BAD_CALLS) + 1)
    result.stdout.fnmatch_lines_random(
        [f"E *{message}" for _, _, message in BAD_CALLS]
        + ["E *TypeError: perfgate.scaling: fn must be callable, not 42"]
    )
    result.stdout.no_fnmatch_line("*INTERNALERROR*")
    cases = junit_properties(pytester.path / "junit.xml")
    assert {case["perfgate.verdict"] for case in cases.values()} == {"not-measured"}


def test_a_second_measuring_call_in_one_test_is_an_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_twice(perfgate):
            perfgate.scaling(len, [1, 2, 3], lambda n: [0] * n, max_exponent=1.5)
            perfgate.concurrent(len, [1], workers=1)
        """
    )
    result = pytester.runpytest("--perfgate-mode=off")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*RuntimeError: perfgate measures one call per test; it was already used*"])


def test_a_busy_machine_does_not_fail_a_linear_fit_and_still_fails_a_quadratic(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(workloads=WORKLOADS)
    pytester.makepyfile(
        """
        import pytest
        from workloads import make, pairs, total

        @pytest.mark.performance
        def test_linear(perfgate):
            perfgate.scaling(total, [1000, 2000, 4000, 8000, 16000], make, max_exponent=1.2)

        @pytest.mark.performance
        def test_quadratic(perfgate):
            perfgate.scaling(pairs, [100, 200, 400, 800], make, max_exponent=1.2)
        """
    )
    with neighbours() as loaders:
        result = pytester.runpytest("--junitxml=junit.xml", "-p", "no:randomly")
    assert all(loader.poll() is not None for loader in loaders)
    result.assert_outcomes(passed=1, failed=1)
    cases = junit_properties(pytester.path / "junit.xml")
    assert cases["test_linear"]["perfgate.verdict"] in ("pass", "warn")  # warn only when it says why
    assert cases["test_quadratic"]["perfgate.verdict"] == "fail"
    assert float(cases["test_quadratic"]["perfgate.scaling.contention"]) >= 1.0
    result.stdout.fnmatch_lines(["*perfgate: budget: scaling exponent * > max 1.2*", "*machine: * cores; *"])
