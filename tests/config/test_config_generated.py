"""Generated input for every settings source, in in-process pytest runs: a usage error (exit status 4)
that names the source and quotes the text exactly when the value is bad, else a run that works; never
an INTERNALERROR, a traceback or an exception from inside perfgate."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import pytest
from generated import HUGE, INI_TEXT, NO_SURROGATES, PYTHON_VALUE, TEXT, TOML_VALUE, python, quotes, toml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_perfgate import budget
from pytest_perfgate.config.parsers import quote
from pytest_perfgate.config.settings import SETTINGS
from pytest_perfgate.config.targets import PERFORMANCE_TARGETS, Budget, parse_assignment

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")

BY_KEY = {setting.key: setting for setting in SETTINGS}
#: Fast, quiet runs; a setting under test is left out so that its own source is the one read.
BASE = {"max_time": "0.2", "confirm": "0", "profile": "off"}
TEST_FILE = "import pytest\n\n@pytest.mark.performance({target!r})\ndef test_p():\n    pass\n"


def examples(count: int) -> settings:
    """``count`` generated inputs, each one pytest run in this process."""
    return settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def fails(call: Callable[[], object]) -> bool:
    """The oracle: whether perfgate's own parser, called directly, refuses the value."""
    try:
        call()
    except ValueError:
        return True
    return False


@contextmanager
def project(pytester: pytest.Pytester, **files: str) -> Iterator[pytest.Pytester]:
    """The example's files, and only them (each example starts from an empty project)."""
    for name in ("pyproject.toml", "pytest.ini", "conftest.py", "test_it.py"):
        (pytester.path / name).unlink(missing_ok=True)
    files.setdefault("test_it.py", TEST_FILE.format(target="ui_response"))
    for name, content in files.items():
        (pytester.path / name).write_text(content, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("PERFGATE_SCALE", raising=False)
        yield pytester


def run(pytester: pytest.Pytester, *args: str, leave_out: str = "") -> pytest.RunResult:
    base = [f"--perfgate-{key.replace('_', '-')}={value}" for key, value in BASE.items() if key != leave_out]
    return pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "-p", "no:hypothesispytest", "--tb=line", *base, *args
    )


def assert_clear(result: pytest.RunResult, bad: bool, source: str, quoted: Sequence[str]) -> None:
    """Exit status 4 naming the source and quoting the value when it is bad; else a run without errors."""
    output = result.stdout.str() + result.stderr.str()
    assert "INTERNALERROR" not in output and "Traceback" not in output, output
    if bad:
        assert result.ret == pytest.ExitCode.USAGE_ERROR, output
        errors = result.stderr.str()
        assert f"ERROR: perfgate: {source}" in errors, (source, errors)
        assert any(quote in errors for quote in quoted), (quoted, errors)
        return
    assert result.ret in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED), output
    assert not re.search(r"\w+(Error|Exception)\b", result.stdout.str()), output


@examples(40)
@given(key=st.sampled_from(sorted(BY_KEY)), value=TEXT.filter(lambda text: "\x00" not in text))
def test_options(pytester: pytest.Pytester, key: str, value: str) -> None:
    setting = BY_KEY[key]
    with project(pytester):
        result = run(pytester, f"{setting.option}={value}", leave_out=key)
    assert_clear(result, fails(lambda: setting.parse(value)), f"option {setting.option}: ", quotes(value))


@examples(25)
@given(value=TEXT.filter(lambda text: "\x00" not in text) | st.text(NO_SURROGATES, max_size=10))
def test_environment_variable(pytester: pytest.Pytester, value: str) -> None:
    bad = bool(value.strip()) and fails(lambda: BY_KEY["scale"].parse(value))
    with project(pytester) as tester, pytest.MonkeyPatch.context() as patch:
        patch.setenv("PERFGATE_SCALE", value)
        result = run(tester)
    assert_clear(result, bad, "environment variable PERFGATE_SCALE: ", quotes(value))


@examples(40)
@given(key=st.sampled_from(sorted(BY_KEY)), value=INI_TEXT)
def test_ini_keys(pytester: pytest.Pytester, key: str, value: str) -> None:
    setting = BY_KEY[key]
    bad = bool(value.strip()) and fails(lambda: setting.parse(value.strip()))
    with project(pytester, **{"pytest.ini": f"[pytest]\n{setting.ini} = {value}\n"}):
        result = run(pytester, leave_out=key)
    assert_clear(result, bad, f"ini key {setting.ini} (", quotes(value))


@examples(40)
@given(key=st.sampled_from(sorted(BY_KEY)), value=TOML_VALUE)
def test_pyproject_keys(pytester: pytest.Pytester, key: str, value: object) -> None:
    with project(pytester, **{"pyproject.toml": f"[tool.perfgate]\n{key} = {toml(value)}\n"}):
        result = run(pytester, leave_out=key)
    bad = fails(lambda: BY_KEY[key].parse(value))
    assert_clear(result, bad, f"[tool.perfgate] {key} (", quotes(value))


@examples(40)
@given(time=PYTHON_VALUE, memory=PYTHON_VALUE)
def test_budgets_from_the_hook(pytester: pytest.Pytester, time: object, memory: object) -> None:
    conftest = (
        "from pytest_perfgate import Budget\n\n"
        "def pytest_perfgate_targets(config, targets):\n"
        f"    targets['made'] = Budget(time={python(time)}, memory={python(memory)})\n"
    )
    with project(pytester, **{"conftest.py": conftest, "test_it.py": TEST_FILE.format(target="made")}):
        result = run(pytester)
    bad = fails(lambda: Budget(time=time, memory=memory))  # type: ignore[arg-type]
    quoted = [*quotes(time), *quotes(memory), HUGE, "a budget needs a time, a memory, or both"]
    assert_clear(result, bad, "hook pytest_perfgate_targets (conftest.py:4): ", quoted)


@examples(30)
@given(spec=TEXT.filter(lambda text: "=" not in text and "\x00" not in text))
def test_target_option(pytester: pytest.Pytester, spec: str) -> None:
    text = f"made={spec}"
    bad = fails(lambda: Budget.parse(parse_assignment(text)[1]))
    with project(pytester, **{"test_it.py": TEST_FILE.format(target="made")}):
        result = run(pytester, f"--perfgate-target={text}")
    assert_clear(result, bad, f"option --perfgate-target {quote(text)}: ", [*quotes(spec), quote(text)])


def _pattern_fails(pattern: str, value: object) -> bool:
    if not pattern.strip():
        return True
    if isinstance(value, str) and value.strip() in PERFORMANCE_TARGETS:
        return False
    return fails(lambda: Budget.parse(value))


@examples(40)
@given(
    pattern=st.sampled_from(["test_it.py::*", "test_it.py", "*::test_p"])
    | st.text(NO_SURROGATES, max_size=20),
    value=TOML_VALUE | st.sampled_from(sorted(PERFORMANCE_TARGETS)),
)
def test_test_patterns(pytester: pytest.Pytester, pattern: str, value: object) -> None:
    pyproject = f"[tool.perfgate.tests]\n{toml(pattern)} = {toml(value)}\n"
    with project(pytester, **{"pyproject.toml": pyproject, "test_it.py": "def test_p():\n    pass\n"}):
        result = run(pytester)
    quoted = [*quotes(value), "a pattern must not be empty"]
    assert_clear(result, _pattern_fails(pattern, value), "[tool.perfgate.tests] (", quoted)


@examples(30)
@given(key=st.sampled_from(["targets", "tests"]), spec=INI_TEXT)
def test_ini_tables(pytester: pytest.Pytester, key: str, spec: str) -> None:
    name = "made" if key == "targets" else "test_it.py::*"
    text = f"{name} = {spec}".strip()
    try:
        row = parse_assignment(text)
    except ValueError:
        bad, quoted = True, [repr(text)]  # not of the form name = spec
    else:
        bad = _pattern_fails(*row) if key == "tests" else fails(lambda: Budget.parse(row[1]))
        quoted = [*quotes(spec), *quotes(row[1])]
    with project(pytester, **{"pytest.ini": f"[pytest]\nperfgate_{key} = {text}\n"}):
        result = run(pytester)
    assert_clear(result, bad, f"ini key perfgate_{key} (", quoted)


@examples(20)
@given(time=PYTHON_VALUE, memory=PYTHON_VALUE)
def test_marker_arguments(pytester: pytest.Pytester, time: object, memory: object) -> None:
    """A bad marker fails the collection of its test (exit status 2), naming the test and the text;
    a bare one holds the test to memory_usage's memory budget."""
    marker = f"@pytest.mark.performance(time={python(time)}, memory={python(memory)})"
    with project(pytester, **{"test_it.py": f"import pytest\n\n{marker}\ndef test_p():\n    pass\n"}):
        result = run(pytester)
    output = result.stdout.str()
    assert "INTERNALERROR" not in output + result.stderr.str(), output
    if fails(lambda: budget(time=time, memory=memory)):  # type: ignore[arg-type]
        assert result.ret == pytest.ExitCode.INTERRUPTED, output
        assert "perfgate: test_it.py::test_p: " in output, output
        assert any(quote in output for quote in [*quotes(time), *quotes(memory), HUGE]), output
        return
    assert result.ret in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED), output
    assert not re.search(r"\w+(Error|Exception)\b", output), output
