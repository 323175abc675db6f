"""A ``[tool.perfgate.tests]`` pattern that matches no collected test is reported, not silently ignored."""

from __future__ import annotations

import pytest

from pytest_perfgate.config.unmatched import in_scope

PYPROJECT = """
    [tool.perfgate.tests]
    "bench/test_parse.py::test_json" = "10s"
    "bench/test_parse.py::test_jsno" = "10s"
"""
TYPO = "pattern 'bench/test_parse.py::test_jsno' matched no collected test"


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyprojecttoml(PYPROJECT)
    bench = pytester.mkdir("bench")
    bench.joinpath("test_parse.py").write_text(
        "import json\n\ndef test_json(benchmark):\n    benchmark(json.loads, '[1, 2]')\n"
    )
    tests = pytester.mkdir("tests")
    tests.joinpath("test_unit.py").write_text("def test_unit():\n    pass\n")
    return pytester


def quiet(*args: str) -> list[str]:
    """Short benchmark runs, and no warnings but perfgate's (later -W options win over earlier ones)."""
    return ["--benchmark-max-time=0.01", "-p", "no:hypothesispytest", "-W", _NOT_OURS, *args]


_NOT_OURS = "ignore::pytest.PytestAssertRewriteWarning"


@pytest.mark.parametrize(
    ("pattern", "prefixes", "expected"),
    [
        ("bench/test_a.py::*", [""], True),
        ("bench/test_a.py::*", ["bench"], True),
        ("bench/test_a.py::*", ["bench/test_a.py"], True),
        ("bench/test_a.py::test_x", ["bench/test_a.py::test_x"], True),
        ("bench/*", ["bench/test_a.py"], False),
        ("*::test_x", ["bench"], False),
        ("*::test_x", [""], True),
        ("bench/test_a.py::*", ["tests"], False),
        ("bench2/test_a.py::*", ["bench"], False),
        ("bench/test_a.py::test_x", ["bench/test_a.py::test_y"], False),
        ("bench/test_a.py::*", ["tests", "bench"], True),
    ],
)
def test_in_scope(pattern: str, prefixes: list[str], expected: bool) -> None:
    assert in_scope(pattern, prefixes) is expected


def test_a_typo_is_a_warning_and_a_summary_line(project: pytest.Pytester) -> None:
    result = project.runpytest(*quiet())
    result.assert_outcomes(passed=2, warnings=1)
    result.stdout.fnmatch_lines(
        [
            "*warnings summary*",
            "pyproject.toml:3",
            f"*PerfgatePatternWarning: perfgate: [[]tool.perfgate.tests] (*pyproject.toml): {TYPO}",
            '*"bench/test_parse.py::test_jsno" = "10s"',
            "*= perfgate =*",
            "bench/test_parse.py::test_json*pass",
            f"warning: perfgate: [[]tool.perfgate.tests] (*pyproject.toml): {TYPO}",
        ]
    )
    assert "test_json' matched no" not in result.stdout.str()


def test_the_summary_line_is_printed_when_no_test_was_gated(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml('[tool.perfgate.tests]\n"test_app.py::test_typo" = "1s"\n')
    pytester.makepyfile(test_app="def test_real():\n    pass\n")
    result = pytester.runpytest(*quiet())
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(
        ["*= perfgate =*", "warning: perfgate: *'test_app.py::test_typo' matched no*"]
    )


@pytest.mark.parametrize(
    "args",
    [
        ["-k", "unit"],
        ["-m", "not performance"],
        ["--deselect", "bench/test_parse.py::test_json"],
        ["tests"],
        ["tests/test_unit.py::test_unit"],
    ],
)
def test_deselection_or_a_narrower_run_is_not_a_typo(project: pytest.Pytester, args: list[str]) -> None:
    project.makepyprojecttoml('[tool.perfgate.tests]\n"bench/test_parse.py::test_json" = "10s"\n')
    result = project.runpytest(*quiet(*args))
    result.assert_outcomes(passed=1)
    assert "matched no collected test" not in result.stdout.str()


def test_patterns_outside_testpaths_are_not_checked_by_a_plain_run(project: pytest.Pytester) -> None:
    project.makepyprojecttoml(PYPROJECT + '\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n')
    result = project.runpytest(*quiet())
    result.assert_outcomes(passed=1)
    assert "matched no collected test" not in result.stdout.str()
    result = project.runpytest(*quiet("bench"))
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines([f"warning: perfgate: *{TYPO}"])


def test_a_run_from_a_subdirectory_checks_only_what_it_collects(project: pytest.Pytester) -> None:
    project.makepyprojecttoml(PYPROJECT + '    "tests/test_unit.py::test_unti" = "1s"\n')
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(project.path / "tests")
        result = project.runpytest(*quiet())
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(["warning: perfgate: *'tests/test_unit.py::test_unti' matched no*"])
    assert TYPO not in result.stdout.str()


@pytest.mark.parametrize("args", [["bench"], ["bench/test_parse.py"], ["bench", "-k", "json"]])
def test_a_typo_under_the_paths_run_is_still_reported(project: pytest.Pytester, args: list[str]) -> None:
    result = project.runpytest(*quiet(*args))
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines([f"warning: perfgate: *{TYPO}"])


def test_a_typo_in_the_ini_names_the_ini(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nperfgate_tests =\n    test_app.py::test_typo = 1s\n")
    pytester.makepyfile(test_app="def test_real():\n    pass\n")
    result = pytester.runpytest(*quiet())
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(
        ["tox.ini:3", "warning: perfgate: ini key perfgate_tests (*tox.ini): *'test_app.py::test_typo'*"]
    )


def test_warnings_as_errors_make_a_typo_a_usage_error(project: pytest.Pytester) -> None:
    result = project.runpytest(*quiet("-W", "error::pytest.PytestWarning", "-W", _NOT_OURS))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: perfgate: *{TYPO}"])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


def test_under_xdist_the_controller_reports_it_once(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(*quiet("-n", "2"))
    result.assert_outcomes(passed=2, warnings=1)
    result.stdout.fnmatch_lines(
        ["*= perfgate =*", "bench/test_parse.py::test_json*pass", f"warning: *{TYPO}"]
    )
    assert result.stdout.str().count(TYPO) == 2  # the warnings summary and the perfgate section

    result = project.runpytest_subprocess(*quiet("-n", "2", "-W", "error::pytest.PytestWarning"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: perfgate: *{TYPO}"])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


def test_the_warning_names_the_line_of_the_patterns_key(project: pytest.Pytester) -> None:
    project.makepyprojecttoml(
        """
        [project]
        description = "gates bench/test_parse.py::test_jsno, a typo"

        [tool.perfgate.tests]
        # "bench/test_parse.py::test_jsno" = "10s"
        "bench/test_parse.py::test_jsno_slow" = "10s"
        "bench/test_parse.py::test_json" = "10s"
        "bench/test_parse.py::test_jsno" = "10s"
        """
    )
    result = project.runpytest(*quiet())
    result.assert_outcomes(passed=2, warnings=2)
    result.stdout.fnmatch_lines(["pyproject.toml:6", "*'bench/test_parse.py::test_jsno_slow' matched no*"])
    result.stdout.fnmatch_lines(["pyproject.toml:8", f"*{TYPO}"])


def test_the_warning_names_the_line_of_the_row_in_the_ini_options(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml(
        """
        [tool.pytest.ini_options]
        addopts = "-p no:randomly"  # test_app.py::test_typo
        perfgate_tests = [
            "test_app.py::test_typo_2 = 1s",
            "test_app.py::test_typo = 1s",
        ]
        """
    )
    pytester.makepyfile(test_app="def test_real():\n    pass\n")
    result = pytester.runpytest(*quiet())
    result.assert_outcomes(passed=1, warnings=2)
    result.stdout.fnmatch_lines(["pyproject.toml:5", "*'test_app.py::test_typo' matched no*"])


def test_the_unmatched_patterns_are_kept_structured(project: pytest.Pytester) -> None:
    from pytest_perfgate.config.unmatched import UnmatchedPatterns

    found: list[dict[str, object]] = []

    class Spy:
        @pytest.hookimpl(trylast=True)
        def pytest_sessionfinish(self, session: pytest.Session) -> None:
            plugin = session.config.pluginmanager.get_plugin("perfgate-unmatched-patterns")
            assert isinstance(plugin, UnmatchedPatterns)
            found.extend(item.as_dict() for item in plugin.found)

    project.runpytest(*quiet(), plugins=[Spy()])
    assert found == [
        {
            "pattern": "bench/test_parse.py::test_jsno",
            "file": str(project.path / "pyproject.toml"),
            "line": 3,
            "message": f"perfgate: [tool.perfgate.tests] ({project.path / 'pyproject.toml'}): {TYPO}",
        }
    ]
