"""Settings and the targets table from every source, their precedence, and their errors."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from helpers import junit_properties
from pytest_perfgate.config.pyproject import read_pyproject
from pytest_perfgate.config.settings import PYPROJECT_KEYS, SETTINGS, Setting, load_settings

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
        ({}, ["--perfgate-scale=5e-324"], {}, ["option --perfgate-scale", "'5e-324'", "range 0.001 to 1000"]),
        ({}, [], {"PERFGATE_SCALE": "1e4"}, ["environment variable PERFGATE_SCALE", "'1e4'", "range"]),
        (
            {"pyproject.toml": "[tool.perfgate]\nreference_score = 1e-320\n"},
            [],
            {},
            ["[tool.perfgate] reference_score", "1e-320", "outside the range 1e-06 to 1e+09"],
        ),
        (
            {"pyproject.toml": "[tool.perfgate]\nreference_score = nan\n"},
            [],
            {},
            ["[tool.perfgate] reference_score", "nan", "finite number greater than zero"],
        ),
        (
            {"pytest.ini": "[pytest]\nperfgate_confirm = 1000\n"},
            [],
            {},
            ["ini key perfgate_confirm", "'1000' must be at most 100"],
        ),
        ({}, ["-o", "perfgate_stat=average"], {}, ["option -o perfgate_stat", "'average'"]),
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
    result = pytester.runpytest("--junitxml=junit.xml", "--perfgate-target", "by_option = 7s")
    result.assert_outcomes(passed=7)
    result.stdout.fnmatch_lines(["perfgate: *targets=9*"])
    cases = junit_properties(pytester.path / "junit.xml")
    expected = {"from_pyproject": "1.0", "overridden": "5.0", "by_ini": "4.0", "from_hook": "6.0"}
    expected |= {"strategy_creation": "0.1", "ui_response": "0.25", "by_option": "7.0"}
    assert {name: cases[f"test_it[{name}]"].get("perfgate.time.budget_s") for name in expected} == expected
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


@pytest.mark.parametrize(
    ("budget", "fragment"),
    [
        ("Budget(time=-1)", "time -1 must be greater than zero"),
        ("Budget(time=float('nan'))", "time nan is not a finite quantity"),
        ("Budget(memory=-1)", "memory -1 must be greater than zero"),
        ("Budget(time=0)", "time 0 must be greater than zero"),
        ("Budget(time='20 parsecs')", "time '20 parsecs' has an unknown time unit"),
        ("Budget(tme=1)", "unexpected keyword argument 'tme'"),
    ],
)
def test_a_bad_budget_from_the_hook_is_a_usage_error_naming_the_hook(
    pytester: pytest.Pytester, budget: str, fragment: str
) -> None:
    pytester.makeconftest(
        f"""
        from pytest_perfgate import Budget

        def pytest_perfgate_targets(config, targets):
            targets["bad"] = {budget}
        """
    )
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [f"ERROR: perfgate: hook pytest_perfgate_targets (conftest.py:4): *{fragment}*"]
    )
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def test_a_budget_from_the_hook_may_be_written_as_text(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        from pytest_perfgate import Budget

        def pytest_perfgate_targets(config, targets):
            targets["fast"] = Budget(time="20s", memory="1GiB")
        """
    )
    properties = budget_of(pytester, "fast")
    assert properties["perfgate.time.budget_s"] == "20.0"
    assert properties["perfgate.memory.budget_bytes"] == str(1024**3)


def test_scale_multiplies_time_budgets(pytester: pytest.Pytester) -> None:
    properties = budget_of(pytester, "strategy_creation", "--perfgate-scale=3")
    assert float(properties["perfgate.time.budget_s"]) == pytest.approx(0.3)


def test_ini_values_are_not_hidden_by_option_defaults(pytester: pytest.Pytester) -> None:
    (pytester.path / "pytest.ini").write_text("[pytest]\nperfgate_scale = 2\nperfgate_stat = max\n")
    properties = budget_of(pytester, "ui_response")
    assert float(properties["perfgate.time.budget_s"]) == pytest.approx(0.2)
    assert properties["perfgate.time.stat"] == "max"


#: For each setting, three values that are not its default: for the option, the ini key, pyproject.
THREE_VALUES = {
    "stat": ("max", "p95", "min"),
    "mode": ("warn", "off", "warn"),
    "scale": ("2", "3", "4"),
    "memory_backend": ("tracemalloc", "memray", "tracemalloc"),
    "confirm": ("2", "3", "4"),
    "max_time": ("2s", "3", "4000ms"),
    "profile": ("always", "off", "always"),
    "xdist": ("parallel", "parallel", "parallel"),
    "max_regression": ("20%", "0.3", "40%"),
    "reference_score": ("100", "200", "300"),
}


def test_every_setting_has_three_values() -> None:
    assert set(THREE_VALUES) == {setting.key for setting in SETTINGS}


@pytest.mark.parametrize(
    "sources", [("option", "ini", "pyproject"), ("ini", "pyproject"), ("pyproject",), ("ini",), ()]
)
@pytest.mark.parametrize("setting", SETTINGS, ids=lambda setting: setting.key)
def test_every_setting_from_every_source_the_command_line_first(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, setting: Setting, sources: tuple[str, ...]
) -> None:
    monkeypatch.delenv("PERFGATE_SCALE", raising=False)
    option, ini, pyproject = THREE_VALUES[setting.key]
    if "ini" in sources:
        pytester.makeini(f"[pytest]\n{setting.ini} = {ini}\n")
    if "pyproject" in sources:
        pytester.makepyprojecttoml(f'[tool.perfgate]\n{setting.key} = "{pyproject}"\n')
    args = [f"{setting.option}={option}"] if "option" in sources else []
    settings = load_settings(pytester.parseconfig(*args))
    expected = {"option": option, "ini": ini, "pyproject": pyproject}.get(sources[0] if sources else "")
    assert getattr(settings, setting.key) == (
        setting.default if expected is None else setting.parse(expected)
    )
    source = settings.sources[setting.key]
    assert (
        source
        == {
            "option": f"option {setting.option}",
            "ini": f"ini key {setting.ini} ({pytester.path / 'tox.ini'})",
            "pyproject": f"[tool.perfgate] {setting.key} ({pytester.path / 'pyproject.toml'})",
            "": "default",
        }[sources[0] if sources else ""]
    )


@pytest.mark.parametrize(
    "content",
    [
        b"[tool.perfgate]\nscale = " + b"1" * 5000 + b"\n",  # an int beyond Python's digit limit
        b"a = " + b"[" * 5000 + b"]" * 5000 + b"\n",  # deeper than the recursion limit
        b"[tool.perfgate]\nstat = '\xe9'\n",  # not UTF-8
        b"[tool.perfgate\n",
    ],
)
def test_an_unreadable_pyproject_is_a_usage_error(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "pyproject.toml").write_bytes(content)
    config = SimpleNamespace(inipath=tmp_path / "pyproject.toml", rootpath=tmp_path)
    with pytest.raises(pytest.UsageError, match=r"perfgate: cannot read .*pyproject.toml: "):
        read_pyproject(config, PYPROJECT_KEYS)  # type: ignore[arg-type]


@pytest.mark.parametrize("content", ["tool = 5\n", "[tool]\nperfgate = 5\n"])
def test_a_pyproject_whose_tool_perfgate_is_not_a_table(tmp_path: Path, content: str) -> None:
    (tmp_path / "pyproject.toml").write_text(content)
    config = SimpleNamespace(inipath=None, rootpath=tmp_path)
    if content.startswith("tool"):
        assert read_pyproject(config, PYPROJECT_KEYS).section == {}  # type: ignore[arg-type]
        return
    with pytest.raises(pytest.UsageError, match=r"\[tool.perfgate\] in .*pyproject.toml must be a table"):
        read_pyproject(config, PYPROJECT_KEYS)  # type: ignore[arg-type]
