"""Settings from the command line, the environment, ini files and ``[tool.perfgate]``, read once.

Precedence, highest first: command-line option, environment variable (where one exists), ini key
``perfgate_<key>``, ``[tool.perfgate]`` in pyproject.toml, default. A bad value from any source is a
:class:`pytest.UsageError` that quotes the text and names the source.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from .quantities import parse_time
from .targets import PERFORMANCE_TARGETS, Budget, parse_assignment, parse_table

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

STATS = ("min", "median", "mean", "max", "p90", "p95", "p99")
MODES = ("enforce", "warn", "off")
MEMORY_BACKENDS = ("auto", "memray", "tracemalloc")
PROFILE_MODES = ("fail", "always", "off")
XDIST_MODES = ("isolate", "parallel")


def _choice(choices: Sequence[str]) -> Callable[[object], str]:
    def parse(value: object) -> str:
        text = str(value).strip().lower()
        if text not in choices:
            raise ValueError(f"{value!r} is not one of {', '.join(choices)}")
        return text

    return parse


def _positive_float(value: object) -> float:
    try:
        number = float(str(value))
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a number") from None
    if not number > 0 or number == float("inf"):
        raise ValueError(f"{value!r} must be a finite number greater than zero")
    return number


def _duration(value: object) -> float:
    """``"10s"``, ``"500ms"`` or a number of seconds (``"10"`` too: a bare number is seconds)."""
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return parse_time(value)
    return parse_time(_positive_float(value))


def _count(value: object) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a whole number") from None
    if number < 0:
        raise ValueError(f"{value!r} must not be negative")
    return number


def _fraction(value: object) -> float:
    """``"10%"`` or ``0.1`` -> 0.1."""
    text = str(value).strip()
    try:
        number = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a fraction such as '10%' or 0.1") from None
    if not 0 < number < float("inf"):
        raise ValueError(f"{value!r} must be greater than zero")
    return number


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"{value!r} is not true or false")


@dataclass(frozen=True)
class Setting:
    """One setting: its key, how to parse it, its default, and its optional environment variable."""

    key: str
    parse: Callable[[object], Any]
    default: Any
    help: str
    env: str | None = None

    @property
    def option(self) -> str:
        return "--perfgate-" + self.key.replace("_", "-")

    @property
    def dest(self) -> str:
        return "perfgate_" + self.key

    @property
    def ini(self) -> str:
        return "perfgate_" + self.key


SETTINGS: tuple[Setting, ...] = (
    Setting("stat", _choice(STATS), "median", "statistic compared with time budgets"),
    Setting("mode", _choice(MODES), "enforce", "enforce: fail over budget; warn: report only; off"),
    Setting("scale", _positive_float, 1.0, "multiply every time budget by this", env="PERFGATE_SCALE"),
    Setting("memory_backend", _choice(MEMORY_BACKENDS), "auto", "memray, tracemalloc or auto"),
    Setting("confirm", _count, 1, "re-measure an over-budget time this many times before failing"),
    Setting(
        "max_time",
        _duration,
        10.0,
        "time per test for its whole time verdict: rounds, more rounds, re-measurement, confirmation",
    ),
    Setting("profile", _choice(PROFILE_MODES), "fail", "cProfile the measured call: fail, always, off"),
    Setting("xdist", _choice(XDIST_MODES), "isolate", "under xdist: isolate or parallel"),
    Setting("max_regression", _fraction, 0.10, "allowed slowdown against --perfgate-baseline"),
    Setting("reference_score", _positive_float, None, "score of the machine the budgets were written on"),
)


@dataclass(frozen=True)
class TestPattern:
    """A ``[tool.perfgate.tests]`` row: node ids matching ``pattern`` get a target or a budget."""

    __test__ = False  # not a test class, despite the name

    pattern: str
    target: str | None
    budget: Budget | None
    source: str
    #: The file the pattern was written in ("" when not known).
    path: str = ""

    def matches(self, nodeid: str) -> bool:
        """Whether the pattern matches the test's node id or something that holds the test.

        As ``pytest PATH`` selects, ``tests/test_a.py``, ``tests`` or ``tests/test_a.py::TestX``
        match every test inside, and ``test_a.py::test_x`` matches each of its parametrizations.
        ``*`` and ``?`` are wildcards (``*`` spans ``/`` and ``::``); ``[`` is literal, since
        parameter ids are written in brackets, unless the text only matches as a glob character set.
        """
        literal, regex = _compiled(self.pattern)
        # Every scope starts the node id, so a pattern's text before its first wildcard must too.
        return nodeid.startswith(literal) and any(regex.match(scope) for scope in node_scopes(nodeid))


@functools.lru_cache(maxsize=65536)
def node_scopes(nodeid: str) -> tuple[str, ...]:
    """The node id, itself without parameters, then its class(es), its file and its directories."""
    head, sep, last = nodeid.rpartition("::")
    bare = head + sep + last.partition("[")[0]
    parts = bare.split("::")
    scopes = [nodeid] + ["::".join(parts[:end]) for end in range(len(parts), 0, -1)]
    path = parts[0]
    while "/" in path:
        path = path.rpartition("/")[0]
        scopes.append(path)
    return tuple(dict.fromkeys(scope for scope in scopes if scope))


def _readings(pattern: str) -> str:
    """A regex (no end anchor) for the pattern read with literal brackets or as a plain glob."""
    # translate() gives "(?s:...)\\Z"; both readings share one end anchor.
    return "|".join(
        fnmatch.translate(text).removesuffix(r"\Z") for text in (pattern.replace("[", "[[]"), pattern)
    )


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str) -> tuple[str, re.Pattern[str]]:
    """The pattern's text before its first wildcard, and its regex."""
    end = min((pattern.find(c) for c in "*?[" if c in pattern), default=len(pattern))
    return pattern[:end], re.compile(rf"(?:{_readings(pattern)})\Z")


class PatternTable:
    """Many patterns in one regex, longest first, so the longest match of a scope is one regex call."""

    def __init__(self, rows: Sequence[TestPattern]) -> None:
        # Longest first; of equally long patterns the one written first (a stable sort).
        self.rows = sorted(rows, key=lambda row: -len(row.pattern))
        alternatives = (f"(?P<p{i}>(?:{_readings(row.pattern)})\\Z)" for i, row in enumerate(self.rows))
        self.regex = re.compile("|".join(alternatives)) if self.rows else None

    def longest(self, nodeid: str) -> TestPattern | None:
        """The longest pattern matching the node id or one of its scopes (see :meth:`TestPattern.matches`)."""
        if self.regex is None:
            return None
        best: int | None = None
        for scope in node_scopes(nodeid):
            found = self.regex.match(scope)
            if found is not None and found.lastgroup is not None:
                index = int(found.lastgroup[1:])
                best = index if best is None else min(best, index)
        return None if best is None else self.rows[best]


@dataclass(frozen=True)
class Settings:
    """Everything perfgate was told, parsed and validated."""

    stat: str = "median"
    mode: str = "enforce"
    scale: float = 1.0
    memory_backend: str = "auto"
    confirm: int = 1
    max_time: float = 10.0
    profile: str = "fail"
    xdist: str = "isolate"
    max_regression: float = 0.10
    reference_score: float | None = None
    targets: Mapping[str, Budget] = field(default_factory=lambda: PERFORMANCE_TARGETS)
    tests: tuple[TestPattern, ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict)

    def pattern_for(self, nodeid: str) -> TestPattern | None:
        """The longest ``[tool.perfgate.tests]`` pattern matching ``nodeid``, if any."""
        return self._pattern_table.longest(nodeid)

    @functools.cached_property
    def _pattern_table(self) -> PatternTable:
        return PatternTable(self.tests)


def read_pyproject(config: pytest.Config) -> tuple[dict[str, Any], str]:
    """``[tool.perfgate]`` of the project's pyproject.toml, and that file's name for messages."""
    inipath = config.inipath
    path = inipath if inipath is not None and inipath.name == "pyproject.toml" else None
    if path is None:
        candidate = Path(config.rootpath) / "pyproject.toml"
        path = candidate if candidate.is_file() else None
    if path is None:
        return {}, "pyproject.toml"
    try:
        with path.open("rb") as file:
            document = tomllib.load(file)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise pytest.UsageError(f"perfgate: cannot read {path}: {error}") from None
    section = document.get("tool", {}).get("perfgate", {})
    if not isinstance(section, dict):
        raise pytest.UsageError(f"perfgate: [tool.perfgate] in {path} must be a table")
    return section, str(path)


def _value_with_source(
    setting: Setting, config: pytest.Config, pyproject: Mapping[str, Any], pyproject_name: str
) -> tuple[object, str] | None:
    cli = config.getoption(setting.dest, None)
    if cli is not None:
        return cli, f"option {setting.option}"
    if setting.env and os.environ.get(setting.env, "").strip():
        return os.environ[setting.env], f"environment variable {setting.env}"
    ini = config.getini(setting.ini)
    if ini is not None and str(ini).strip():
        return ini, f"ini key {setting.ini} ({config.inipath})"
    if setting.key in pyproject:
        return pyproject[setting.key], f"[tool.perfgate] {setting.key} ({pyproject_name})"
    return None


def _table_rows(value: object, source: str) -> list[tuple[str, object]]:
    if value is None:
        return []
    if isinstance(value, Mapping):
        return list(value.items())
    if isinstance(value, list):
        rows: list[tuple[str, object]] = []
        for line in value:
            if not str(line).strip() or str(line).strip().startswith("#"):
                continue
            try:
                rows.append(parse_assignment(str(line)))
            except ValueError as error:
                raise pytest.UsageError(f"perfgate: {source}: {error}") from None
        return rows
    raise pytest.UsageError(f"perfgate: {source} must be a table of name = spec, not {value!r}")


def _build_targets(
    config: pytest.Config, pyproject: Mapping[str, Any], pyproject_name: str
) -> dict[str, Budget]:
    table = dict(PERFORMANCE_TARGETS)
    sources = (
        (pyproject.get("targets"), f"[tool.perfgate.targets] ({pyproject_name})"),
        (config.getini("perfgate_targets"), f"ini key perfgate_targets ({config.inipath})"),
    )
    for value, source in sources:
        try:
            table.update(parse_table(_table_rows(value, source), source))
        except ValueError as error:
            raise pytest.UsageError(f"perfgate: {error}") from None
    config.hook.pytest_perfgate_targets(config=config, targets=table)
    for name, budget in table.items():
        if not isinstance(name, str) or not isinstance(budget, Budget):
            raise pytest.UsageError(
                f"perfgate: pytest_perfgate_targets left {name!r}: {budget!r} in the table; "
                "values must be pytest_perfgate.Budget"
            )
    for text in config.getoption("perfgate_target", None) or ():
        try:
            name, spec = parse_assignment(text)
            table[name] = Budget.parse(spec)
        except ValueError as error:
            raise pytest.UsageError(f"perfgate: option --perfgate-target {text!r}: {error}") from None
    return table


def _build_tests(
    config: pytest.Config,
    pyproject: Mapping[str, Any],
    pyproject_name: str,
    targets: Mapping[str, Budget],
) -> tuple[TestPattern, ...]:
    rows: dict[str, TestPattern] = {}
    sources = (
        (pyproject.get("tests"), f"[tool.perfgate.tests] ({pyproject_name})", pyproject_name),
        (config.getini("perfgate_tests"), f"ini key perfgate_tests ({config.inipath})", str(config.inipath)),
    )
    for value, source, path in sources:
        for pattern, spec in _table_rows(value, source):
            rows[pattern] = _test_pattern(pattern, spec, source, targets, path)
    return tuple(rows.values())


def _test_pattern(
    pattern: str, spec: object, source: str, targets: Mapping[str, Budget], path: str = ""
) -> TestPattern:
    if isinstance(spec, str) and spec.strip() in targets:
        return TestPattern(pattern, spec.strip(), None, source, path)
    try:
        return TestPattern(pattern, None, Budget.parse(spec), source, path)
    except ValueError as error:
        known = ", ".join(sorted(targets))
        raise pytest.UsageError(
            f"perfgate: {source}: pattern {pattern!r}: {spec!r} is neither a known target "
            f"({known}) nor a budget spec: {error}"
        ) from None


def add_options(parser: pytest.Parser) -> None:
    """Register the command-line options and ini keys; every default is None so ini values show."""
    group = parser.getgroup("perfgate", "performance budgets (pytest-perfgate)")
    for setting in SETTINGS:
        default = "none" if setting.default is None else setting.default
        group.addoption(
            setting.option,
            dest=setting.dest,
            default=None,
            metavar=setting.key.upper(),
            help=f"{setting.help} (ini {setting.ini}; default: {default})",
        )
        parser.addini(setting.ini, setting.help, default=None)
    group.addoption(
        "--perfgate-target",
        dest="perfgate_target",
        action="append",
        default=None,
        metavar="NAME=SPEC",
        help="set one row of the targets table, e.g. strategy_creation=150ms (repeatable)",
    )
    group.addoption(
        "--perfgate-no-summary",
        dest="perfgate_no_summary",
        action="store_true",
        default=False,
        help="do not print the perfgate summary table",
    )
    for name, what in (
        ("json", "a JSON report"),
        ("markdown", "the summary as a Markdown table"),
        ("html", "a self-contained HTML report with a chart"),
    ):
        group.addoption(
            f"--perfgate-{name}",
            dest=f"perfgate_{name}",
            default=None,
            metavar="PATH",
            help=f"write {what} to PATH",
        )
    group.addoption(
        "--perfgate-baseline",
        dest="perfgate_baseline",
        default=None,
        metavar="REPORT.json",
        help="fail tests that regressed beyond --perfgate-max-regression against this report",
    )
    group.addoption(
        "--perfgate-history",
        dest="perfgate_history",
        nargs="?",
        const="",
        default=None,
        metavar="URL",
        help="append this run to the history store (default .perfgate/history.sqlite)",
    )
    group.addoption(
        "--perfgate-history-check",
        dest="perfgate_history_check",
        action="store_true",
        default=False,
        help="fail tests whose latest figures are a significant step up from their history",
    )
    parser.addini("perfgate_targets", "targets table rows: name = spec", type="linelist", default=None)
    parser.addini("perfgate_tests", "node-id pattern = target or spec", type="linelist", default=None)


_PYPROJECT_KEYS = {setting.key for setting in SETTINGS} | {"targets", "tests"}


def load_settings(config: pytest.Config) -> Settings:
    """Read and validate every setting once; raises :class:`pytest.UsageError` on bad input."""
    pyproject, pyproject_name = read_pyproject(config)
    unknown = sorted(set(pyproject) - _PYPROJECT_KEYS)
    if unknown:
        raise pytest.UsageError(
            f"perfgate: [tool.perfgate] in {pyproject_name} has unknown keys {unknown}; "
            f"known: {', '.join(sorted(_PYPROJECT_KEYS))}"
        )
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for setting in SETTINGS:
        found = _value_with_source(setting, config, pyproject, pyproject_name)
        if found is None:
            values[setting.key] = setting.default
            sources[setting.key] = "default"
            continue
        raw, source = found
        try:
            values[setting.key] = setting.parse(raw)
        except ValueError as error:
            raise pytest.UsageError(f"perfgate: {source}: {error}") from None
        sources[setting.key] = source
    targets = _build_targets(config, pyproject, pyproject_name)
    tests = _build_tests(config, pyproject, pyproject_name, targets)
    return Settings(
        **values,
        targets=MappingProxyType(targets),
        tests=tests,
        sources=MappingProxyType(sources),
    )
