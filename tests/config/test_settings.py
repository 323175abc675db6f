"""Settings and the targets table from every source, their precedence, and their errors."""

from __future__ import annotations

import pytest

from helpers import junit_properties

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")

BODY_TEST = """
import pytest

@pytest.mark.performance("{target}")
def test_it():
    pass
"""


def budget_of(pytester: pytest.Pytester, target: str, *args: str) -> dict[str, str]:
    """Run one body-timed test held to ``target``; return its junit perfgate properties."""
    pytester.makepyfile(test_budget=BODY_TEST.format(target=target))
    result = pytester.runpytest("--junitxml=junit.xml", *args)
    assert result.ret in (0, 1), result.stdout.str()
    return junit_properties(pytester.path / "junit.xml")["test_it"]


def test_header_shows_defaults(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["perfgate: stat=median, mode=enforce, scale=1, memory=*, targets=5*"])


@pytest.mark.parametrize(
    ("files", "args", "env", "expected"),
    [
        ({}, ["--perfgate-stat=p95"], {}, "stat=p95"),
        ({"pytest.ini": "[pytest]\nperfgate_stat = max\n"}, [], {}, "stat=max"),
        ({"tox.ini": "[pytest]\nperfgate_mode = warn\n"}, [], {}, "mode=warn"),
        ({"setup.cfg": "[tool:pytest]\nperfgate_mode = off\n"}, [], {}, "mode=off"),
        ({"pyproject.toml": "[tool.pytest.ini_options]\nperfgate_stat = 'min'\n"}, [], {}, "stat=min"),
        ({"pyproject.toml": "[tool.perfgate]\nstat = 'p99'\nscale = 2.5\n"}, [], {}, "stat=p99*scale=2.5"),
        ({"pyproject.toml": "[tool.perfgate]\nscale = 2\n"}, [], {"PERFGATE_SCALE": "3"}, "scale=3"),
        (
            {"pyproject.toml": "[tool.perfgate]\nscale = 2\n"},
            ["--perfgate-scale=4"],
            {"PERFGATE_SCALE": "3"},
            "scale=4",
        ),
        ({"pytest.ini": "[pytest]\nperfgate_stat = max\n"}, ["--perfgate-stat=mean"], {}, "stat=mean"),
        ({"pytest.ini": "[pytest]\nperfgate_memory_backend = tracemalloc\n"}, [], {}, "memory=tracemalloc"),
    ],
)
def test_each_source_and_precedence(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    files: dict[str, str],
    args: list[str],
    env: dict[str, str],
    expected: str,
) -> None:
    monkeypatch.delenv("PERFGATE_SCALE", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name, content in files.items():
        (pytester.path / name).write_text(content)
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest(*args)
    result.stdout.fnmatch_lines([f"perfgate: *{expected}*"])


@pytest.mark.parametrize(
    ("files", "args", "env", "fragments"),
    [
        ({}, ["--perfgate-stat=p42"], {}, ["option --perfgate-stat", "'p42'", "median"]),
        ({}, ["--perfgate-scale=-1"], {}, ["option --perfgate-scale", "'-1'"]),
        ({}, ["--perfgate-mode=loud"], {}, ["option --perfgate-mode", "'loud'"]),
        ({}, ["--perfgate-max-time=soon"], {}, ["option --perfgate-max-time", "'soon'"]),
        ({}, ["--perfgate-confirm=-2"], {}, ["option --perfgate-confirm", "'-2'"]),
        ({}, [], {"PERFGATE_SCALE": "fast"}, ["environment variable PERFGATE_SCALE", "'fast'"]),
        (
            {"pytest.ini": "[pytest]\nperfgate_stat = average\n"},
            [],
            {},
            ["ini key perfgate_stat", "'average'"],
        ),
        (
            {"pyproject.toml": "[tool.perfgate]\nmemory_backend = 'valgrind'\n"},
            [],
            {},
            ["[tool.perfgate] memory_backend", "pyproject.toml", "'valgrind'"],
        ),
        ({"pyproject.toml": "[tool.perfgate]\nstats = 'mean'\n"}, [], {}, ["unknown keys ['stats']"]),
        (
            {"pyproject.toml": "[tool.perfgate.targets]\nfast = '1 parsec'\n"},
            [],
            {},
            ["[tool.perfgate.targets]", "target 'fast'", "'1 parsec'"],
        ),
        (
            {"pyproject.toml": "[tool.perfgate.targets]\nfast = { time = '1s', speed = 2 }\n"},
            [],
            {},
            ["[tool.perfgate.targets]", "target 'fast'", "unknown keys ['speed']"],
        ),
        (
            {"pytest.ini": "[pytest]\nperfgate_targets =\n    fast = 0ms\n"},
            [],
            {},
            ["ini key perfgate_targets", "target 'fast'", "'0ms'"],
        ),
        (
            {"pytest.ini": "[pytest]\nperfgate_targets =\n    fast 10ms\n"},
            [],
            {},
            ["perfgate_targets", "'fast 10ms'"],
        ),
        ({}, ["--perfgate-target=fast=1s,2s"], {}, ["--perfgate-target", "'fast=1s,2s'", "two times"]),
        ({}, ["--perfgate-target=fast"], {}, ["--perfgate-target", "'fast'"]),
        (
            {"pyproject.toml": "[tool.perfgate.tests]\n'tests/*' = 'no_such_target'\n"},
            [],
            {},
            ["[tool.perfgate.tests]", "'tests/*'", "'no_such_target'", "strategy_creation"],
        ),
        (
            {"pytest.ini": "[pytest]\nperfgate_tests =\n    tests/* = 3 apples\n"},
            [],
            {},
            ["ini key perfgate_tests", "'tests/*'", "'3 apples'"],
        ),
    ],
)
def test_bad_value_is_a_usage_error_naming_source_and_text(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    files: dict[str, str],
    args: list[str],
    env: dict[str, str],
    fragments: list[str],
) -> None:
    monkeypatch.delenv("PERFGATE_SCALE", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name, content in files.items():
        (pytester.path / name).write_text(content)
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = result.stderr.str()
    assert "INTERNALERROR" not in errors + result.stdout.str()
    for fragment in fragments:
        assert fragment in errors, (fragment, errors)


def test_targets_from_every_source_override_name_by_name(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml(
        """
        [tool.perfgate.targets]
        from_pyproject = "1s"
        overridden = "2s"
        by_ini = "3s"
        ui_response = { time = "250ms", memory = "64MB" }

        [tool.pytest.ini_options]
        perfgate_targets = ["by_ini = 4s"]
        """
    )
    pytester.makeconftest(
        """
        from pytest_perfgate import Budget

        def pytest_perfgate_targets(config, targets):
            targets["overridden"] = Budget.parse("5s")
            targets["from_hook"] = Budget.parse("6s")
            del targets["backtest_1year"]
        """
    )
    pytester.makepyfile(
        """
        import pytest

        NAMES = ["from_pyproject", "overridden", "by_ini", "from_hook",
                 "strategy_creation", "ui_response", "by_option"]

        @pytest.mark.parametrize(
            "name", [pytest.param(name, marks=pytest.mark.performance(name)) for name in NAMES]
        )
        def test_it(name):
            pass
        """
    )
    # Which budget applies, not whether an empty body meets it: on a busy machine one call of it
    # under memory tracing can take longer than 100 ms, so over budget only warns here.
    result = pytester.runpytest(
        "--junitxml=junit.xml", "--perfgate-target", "by_option = 7s", "--perfgate-mode=warn"
    )
    result.assert_outcomes(passed=7)
    result.stdout.fnmatch_lines(["perfgate: *targets=9*"])
    cases = junit_properties(pytester.path / "junit.xml")
    assert {case["perfgate.verdict"] for case in cases.values()} <= {"pass", "warn"}
    budgets = {
        name: cases[f"test_it[{name}]"].get("perfgate.time.budget_s")
        for name in (
            "from_pyproject",
            "overridden",
            "by_ini",
            "from_hook",
            "strategy_creation",
            "ui_response",
            "by_option",
        )
    }
    assert budgets == {
        "from_pyproject": "1.0",
        "overridden": "5.0",
        "by_ini": "4.0",
        "from_hook": "6.0",
        "strategy_creation": "0.1",
        "ui_response": "0.25",
        "by_option": "7.0",
    }
    assert cases["test_it[ui_response]"]["perfgate.memory.budget_bytes"] == str(64 * 1024**2)


def test_hook_leaving_a_bad_value_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        def pytest_perfgate_targets(config, targets):
            targets["bad"] = "10ms"
        """
    )
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "pytest_perfgate_targets left 'bad'" in result.stderr.str()


def test_scale_multiplies_time_budgets(pytester: pytest.Pytester) -> None:
    properties = budget_of(pytester, "strategy_creation", "--perfgate-scale=3")
    assert float(properties["perfgate.time.budget_s"]) == pytest.approx(0.3)


def test_ini_values_are_not_hidden_by_option_defaults(pytester: pytest.Pytester) -> None:
    (pytester.path / "pytest.ini").write_text("[pytest]\nperfgate_scale = 2\nperfgate_stat = max\n")
    properties = budget_of(pytester, "ui_response")
    assert float(properties["perfgate.time.budget_s"]) == pytest.approx(0.2)
    assert properties["perfgate.time.stat"] == "max"
