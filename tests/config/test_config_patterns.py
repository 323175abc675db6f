"""Node-id patterns: what ``[tool.perfgate.tests]`` rows and ``perfgate history --test`` match, which
row wins, and bad rows."""

from __future__ import annotations

import fnmatch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_perfgate.config.patterns import TestPattern, glob_matches, matches_part, node_scopes
from pytest_perfgate.config.settings import Settings
from pytest_perfgate.config.targets import Budget


def row(pattern: str, target: str | None = "ui_response") -> TestPattern:
    return TestPattern(pattern, target, None if target else Budget(time=0.002), "[tool.perfgate.tests]")


def test_node_scopes_are_the_test_and_what_holds_it() -> None:
    assert node_scopes("bench/sub/test_a.py::TestX::test_y[10-big]") == (
        "bench/sub/test_a.py::TestX::test_y[10-big]",
        "bench/sub/test_a.py::TestX::test_y",
        "bench/sub/test_a.py::TestX",
        "bench/sub/test_a.py",
        "bench/sub",
        "bench",
    )
    assert node_scopes("test_a.py::test_y") == ("test_a.py::test_y", "test_a.py")


@pytest.mark.parametrize(
    ("pattern", "nodeid"),
    [
        ("bench/test_parse.py::test_json", "bench/test_parse.py::test_json"),
        ("bench/test_parse.py::*", "bench/test_parse.py::test_json"),
        ("bench/*::test_back*", "bench/deep/test_bt.py::TestY::test_backtest_year"),
        ("bench/test_parse.py", "bench/test_parse.py::TestX::test_json[1]"),
        ("bench", "bench/deep/test_parse.py::test_json"),
        ("bench/*.py", "bench/test_parse.py::test_json"),
        ("bench/test_parse.py::TestX", "bench/test_parse.py::TestX::test_json"),
        ("bench/test_parse.py::test_json", "bench/test_parse.py::test_json[10-big]"),
        ("bench/test_parse.py::test_json[10-big]", "bench/test_parse.py::test_json[10-big]"),
        ("*::test_json[1*]", "bench/test_parse.py::test_json[10-big]"),
        ("*::test_json[[]1*]", "bench/test_parse.py::test_json[10-big]"),
        ("*::test_?son", "bench/test_parse.py::test_json"),
    ],
)
def test_patterns_that_match(pattern: str, nodeid: str) -> None:
    assert row(pattern).matches(nodeid)


@pytest.mark.parametrize(
    ("pattern", "nodeid"),
    [
        ("bench/test_parse.py::test_js", "bench/test_parse.py::test_json"),
        ("bench/test_parse", "bench/test_parse.py::test_json"),
        ("ben", "bench/test_parse.py::test_json"),
        ("bench/test_parse.py::test_json[1]", "bench/test_parse.py::test_json[10-big]"),
        ("bench/test_parse.py::test_json[2*]", "bench/test_parse.py::test_json[10-big]"),
        ("other/*", "bench/test_parse.py::test_json"),
        ("BENCH/*", "bench/test_parse.py::test_json"),
    ],
)
def test_patterns_that_do_not_match(pattern: str, nodeid: str) -> None:
    assert not row(pattern).matches(nodeid)


def test_the_longest_matching_pattern_wins() -> None:
    settings = Settings(
        tests=(
            row("bench/*"),
            row("bench/test_parse.py::test_json[10-big]", None),
            row("bench/test_parse.py::*", "backtest_1year"),
        )
    )
    winner = settings.pattern_for("bench/test_parse.py::test_json[10-big]")
    assert winner is not None and winner.target is None
    winner = settings.pattern_for("bench/test_parse.py::test_json[1]")
    assert winner is not None and winner.target == "backtest_1year"
    winner = settings.pattern_for("bench/test_other.py::test_json")
    assert winner is not None and winner.target == "ui_response"
    assert settings.pattern_for("tests/test_unit.py::test_json") is None


@pytest.mark.parametrize(
    ("files", "source", "bad"),
    [
        (
            {"pyproject": '[tool.perfgate.tests]\n"bench/*" = "backtest_1yr"\n'},
            "[[]tool.perfgate.tests] (*pyproject.toml): pattern 'bench/*'",
            "'backtest_1yr' is neither a known target (*backtest_1year*) nor a budget spec*",
        ),
        (
            {"pyproject": '[tool.perfgate.tests]\n"bench/*" = "2 parsecs"\n'},
            "[[]tool.perfgate.tests] (*pyproject.toml): pattern 'bench/*'",
            "*'2 parsecs'*",
        ),
        (
            {"pyproject": '[tool.perfgate.tests]\n"bench/*" = "2ms, 3ms"\n'},
            "[[]tool.perfgate.tests] (*pyproject.toml): pattern 'bench/*'",
            "*2ms, 3ms*",
        ),
        (
            {"ini": "[pytest]\nperfgate_tests =\n    bench/test_a.py::* = 2ms\n    bench/* = ui_respons\n"},
            "ini key perfgate_tests (*tox.ini): pattern 'bench/[*]'",
            "'ui_respons' is neither a known target*",
        ),
        (
            {"ini": "[pytest]\nperfgate_tests =\n    bench/* 2ms\n"},
            "ini key perfgate_tests (*tox.ini)",
            "*'bench/[*] 2ms' is not of the form 'name = spec'",
        ),
    ],
)
def test_a_bad_row_is_a_usage_error_naming_pattern_and_source(
    pytester: pytest.Pytester, files: dict[str, str], source: str, bad: str
) -> None:
    if "pyproject" in files:
        pytester.makepyprojecttoml(files["pyproject"])
    if "ini" in files:
        pytester.makeini(files["ini"])
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: perfgate: {source}*{bad}"])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


def test_a_pattern_may_name_a_target_defined_in_pyproject(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml(
        """
        [tool.perfgate.targets]
        parse_small = "10s"

        [tool.perfgate.tests]
        "test_app.py::*" = "parse_small"
        """
    )
    pytester.makepyfile(test_app="def test_quick(benchmark):\n    benchmark(sum, [1, 2])\n")
    result = pytester.runpytest("--benchmark-max-time=0.01")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["test_app.py::test_quick*parse_small*pass"])


def _by_scopes(pattern: str, nodeid: str) -> bool:
    """The definition: the pattern (brackets literal, or as a glob) matches one of the node's scopes."""
    return any(
        fnmatch.fnmatchcase(scope, pattern) or fnmatch.fnmatchcase(scope, pattern.replace("[", "[[]"))
        for scope in node_scopes(nodeid)
    )


_PARTS = st.sampled_from(["a", "b/", "test_x", ".py", "::", "Test", "1", "*", "?", "[", "]", "[1]", "[a/b]"])
_NODEIDS = st.builds(
    "{}test_{}.py::{}{}".format,
    st.sampled_from(["", "a/", "b/", "a/b/"]),
    st.sampled_from(["x", "a"]),
    st.sampled_from(["test_x", "TestA::test_x", "test_1", "TestA::TestB::test_x"]),
    st.sampled_from(["", "[1]", "[a/b]", "[x::y]", "[1-a]", "[[1]]"]),
)


@given(pattern=st.lists(_PARTS, min_size=1, max_size=6).map("".join), nodeid=_NODEIDS)
@settings(max_examples=500, deadline=None)
def test_matching_agrees_with_the_scopes(pattern: str, nodeid: str) -> None:
    assert row(pattern).matches(nodeid) == _by_scopes(pattern, nodeid)


@given(
    patterns=st.lists(st.lists(_PARTS, min_size=1, max_size=6).map("".join), max_size=6, unique=True),
    nodeid=_NODEIDS,
)
@settings(max_examples=300, deadline=None)
def test_the_lookup_is_the_longest_matching_pattern(patterns: list[str], nodeid: str) -> None:
    rows = tuple(row(pattern) for pattern in patterns)
    matching = [candidate for candidate in rows if candidate.matches(nodeid)]
    expected = max(matching, key=lambda candidate: len(candidate.pattern), default=None)
    assert Settings(tests=rows).pattern_for(nodeid) is expected


@pytest.mark.parametrize(
    ("pattern", "text", "anchored", "leading_wildcard"),
    [
        ("test_x.py::*", "tests/test_x.py::test_y", False, True),
        ("*::test_?", "a/test_x.py::test_y", True, True),
        ("test_y[a-b]", "a/test_x.py::test_y[a-b]", False, True),
        ("test_y[a-b]", "a/test_x.py::test_ya", False, True),
        ("a/*", "a/test_x.py::test_y", True, True),
        ("b/*", "a/test_x.py::test_y", False, False),
    ],
)
def test_a_leading_wildcard_matches_the_end_of_the_text(
    pattern: str, text: str, anchored: bool, leading_wildcard: bool
) -> None:
    assert glob_matches(pattern, text) is anchored
    assert glob_matches(pattern, text, leading_wildcard=True) is leading_wildcard


@given(pattern=st.lists(_PARTS, min_size=1, max_size=6).map("".join), nodeid=_NODEIDS)
@settings(max_examples=300, deadline=None)
def test_searching_is_a_part_of_the_node_id_or_a_glob_matching_its_end(pattern: str, nodeid: str) -> None:
    """The definition ``perfgate history --test`` had, with brackets also read literally (as rows are)."""
    as_glob = any(fnmatch.fnmatchcase(nodeid, "*" + text) for text in (pattern, pattern.replace("[", "[[]")))
    expected = pattern in nodeid or (any(c in pattern for c in "*?[") and as_glob)
    assert matches_part(nodeid, pattern) is expected
