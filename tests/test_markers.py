"""The performance marker and the budget decorator: forms, selection, validation."""

from __future__ import annotations

import pytest

from helpers import junit_properties
from pytest_perfgate import budget


def test_markers_help_comes_from_the_signature(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(
        ["@pytest.mark.performance(target=None, *, time=None, memory=None, stat=None, instructions=None): *"]
    )


def test_dash_m_selects_performance_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from pytest_perfgate import budget

        @pytest.mark.performance
        def test_bare(): pass

        @pytest.mark.performance("ui_response")
        def test_target(): pass

        @budget(time="1s")
        def test_decorated(): pass

        @budget("strategy_creation")
        class TestClass:
            def test_in_class(self): pass

        def test_plain(): pass
        """
    )
    # Selection, not whether an empty body meets 100 ms: on a busy machine one call of it under
    # memory tracing can take longer, so over budget only warns here.
    result = pytester.runpytest("-m", "performance", "-v", "--perfgate-mode=warn")
    result.assert_outcomes(passed=4, deselected=1)
    result.stdout.no_fnmatch_line("*test_plain PASSED*")


def test_pytestmark_and_closest_marker_wins(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from pytest_perfgate import budget

        pytestmark = budget("ui_response")

        def test_module_level(): pass

        @pytest.mark.performance(time="3s", stat="max")
        def test_own_marker(): pass
        """
    )
    # Which budget applies, not whether an empty body meets it: on a busy machine one call of it
    # under memory tracing can take longer than 100 ms, so over budget only warns here.
    result = pytester.runpytest("--junitxml=junit.xml", "--perfgate-mode=warn")
    result.assert_outcomes(passed=2)
    cases = junit_properties(pytester.path / "junit.xml")
    assert {case["perfgate.verdict"] for case in cases.values()} <= {"pass", "warn"}
    assert cases["test_module_level"]["perfgate.target"] == "ui_response"
    assert cases["test_module_level"]["perfgate.time.budget_s"] == "0.1"
    assert "perfgate.target" not in cases["test_own_marker"]
    assert cases["test_own_marker"]["perfgate.time.budget_s"] == "3.0"
    assert cases["test_own_marker"]["perfgate.time.stat"] == "max"


def test_marker_overrides_the_row_and_keeps_the_rest(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml(
        """
        [tool.perfgate.targets]
        both = "2s, 100MB"
        """
    )
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.performance("both", memory="200MB")
        def test_memory_override(): pass

        @pytest.mark.performance("both", time="1s")
        def test_time_override(): pass

        @pytest.mark.performance
        def test_bare(): pass
        """
    )
    pytester.runpytest("--junitxml=junit.xml").assert_outcomes(passed=3)
    cases = junit_properties(pytester.path / "junit.xml")
    assert cases["test_memory_override"]["perfgate.time.budget_s"] == "2.0"
    assert cases["test_memory_override"]["perfgate.memory.budget_bytes"] == str(200 * 1024**2)
    assert cases["test_time_override"]["perfgate.time.budget_s"] == "1.0"
    assert cases["test_time_override"]["perfgate.memory.budget_bytes"] == str(100 * 1024**2)
    # a bare marker: no time budget, held to memory_usage's 500 MB
    assert "perfgate.time.budget_s" not in cases["test_bare"]
    assert cases["test_bare"]["perfgate.memory.budget_bytes"] == str(500 * 1024**2)


@pytest.mark.parametrize(
    ("marker", "fragments"),
    [
        ('performance("no_such")', ["unknown target 'no_such'", "backtest_1year, memory_usage"]),
        ('performance(time="1 fortnight")', ["'1 fortnight'", "unknown time unit"]),
        ('performance(memory="-5MB")', ["'-5MB'", "greater than zero"]),
        ('performance(stat="p50")', ["stat 'p50'", "median"]),
        ('performance("ui_response", "extra")', ["@pytest.mark.performance", "positional"]),
        ('performance(budget="1s")', ["@pytest.mark.performance", "'budget'"]),
        ("performance(42)", ["target must be a target name, not 42"]),
    ],
)
def test_bad_marker_fails_collection_of_that_test(
    pytester: pytest.Pytester, marker: str, fragments: list[str]
) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.{marker}
        def test_bad(): pass

        def test_good(): pass
        """
    )
    result = pytester.runpytest("--continue-on-collection-errors")
    result.assert_outcomes(passed=1, errors=1)
    output = result.stdout.str()
    assert "INTERNALERROR" not in output
    assert "test_bad_marker_fails_collection_of_that_test.py::test_bad" in output
    for fragment in fragments:
        assert fragment in output, (fragment, output)


@pytest.mark.parametrize(
    ("conftest", "pyproject", "marker"),
    [
        ("", '[tool.perfgate.targets]\nmemory_usage = "1s"\n', "performance"),
        ("", '[tool.perfgate.targets]\nmemory_usage = "1s"\n', 'performance(stat="max")'),
        ('del targets["memory_usage"]', "", "performance"),
    ],
)
def test_a_performance_test_without_any_budget_fails_its_collection(
    pytester: pytest.Pytester, conftest: str, pyproject: str, marker: str
) -> None:
    if conftest:
        pytester.makeconftest(f"def pytest_perfgate_targets(config, targets):\n    {conftest}\n")
    if pyproject:
        pytester.makepyprojecttoml(pyproject)
    pytester.makepyfile(
        f"import pytest\n\n@pytest.mark.{marker}\ndef test_bare(): pass\n\ndef test_plain(): pass\n"
    )
    result = pytester.runpytest("--continue-on-collection-errors")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*::test_bare: no budget of any kind: the marker names no target, time or memory, and the "
            "'memory_usage' target gives no memory budget"
        ]
    )
    assert "INTERNALERROR" not in result.stdout.str()


def test_bad_marker_interrupts_like_any_collection_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.performance("no_such")
        def test_bad(): pass
        """
    )
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*Interrupted: 1 error during collection*"])


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"time": "ten ms"}, "'ten ms'"),
        ({"memory": "5 parsecs"}, "'5 parsecs'"),
        ({"stat": "average"}, "stat 'average'"),
        ({"target": 3}, "target must be a target name"),
    ],
)
def test_budget_decorator_validates_when_applied(kwargs: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValueError) as error:
        budget(**kwargs)  # type: ignore[arg-type]
    assert fragment in str(error.value)


def test_budget_returns_the_marker() -> None:
    mark = budget("ui_response", time="20ms").mark
    assert mark.name == "performance"
    assert mark.args == ("ui_response",)
    assert mark.kwargs == {"time": "20ms"}
