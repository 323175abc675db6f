"""The settings perfgate was given: the frozen :class:`Settings` (each default written once there), the
table of settings, and reading them once with where each value came from."""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pytest

from . import parsers
from .patterns import PatternTable, TestPattern
from .pyproject import PyProject, ini_source, read_pyproject
from .tables import build_targets, build_tests
from .targets import PERFORMANCE_TARGETS, Budget

STATS = ("min", "median", "mean", "max", "p90", "p95", "p99")
MODES = ("enforce", "warn", "off")
MEMORY_BACKENDS = ("auto", "memray", "tracemalloc")
PROFILE_MODES = ("fail", "always", "off")
XDIST_MODES = ("isolate", "parallel")
MEASURES = ("time", "instructions")
#: Sane ranges: beyond them a budget is a typo, and scaled budgets could round to 0 or overflow.
SCALE_RANGE = (1e-3, 1e3)
REFERENCE_SCORE_RANGE = (1e-6, 1e9)
MAX_CONFIRM = 100


@dataclass(frozen=True)
class Settings:
    """Everything perfgate was told, parsed and validated; the defaults are the settings' defaults."""

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
    measure: str = "time"
    max_instructions_regression: float = 0.01
    targets: Mapping[str, Budget] = field(default_factory=lambda: PERFORMANCE_TARGETS)
    tests: tuple[TestPattern, ...] = ()
    #: Setting key -> where its value came from ("default", "option --perfgate-stat", ...).
    sources: Mapping[str, str] = field(default_factory=dict)

    def pattern_for(self, nodeid: str) -> TestPattern | None:
        """The longest ``[tool.perfgate.tests]`` pattern matching ``nodeid``, if any."""
        return self._pattern_table.longest(nodeid)

    @functools.cached_property
    def _pattern_table(self) -> PatternTable:
        return PatternTable(self.tests)


_DEFAULTS: Mapping[str, Any] = {each.name: each.default for each in dataclasses.fields(Settings)}


@dataclass(frozen=True)
class Setting:
    """One setting: its key, how to parse it, its help, and its optional environment variable."""

    key: str
    parse: Callable[[object], Any]
    help: str
    env: str | None = None

    @property
    def default(self) -> Any:
        return _DEFAULTS[self.key]

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
    Setting("stat", parsers.choice(STATS), "statistic compared with time budgets"),
    Setting("mode", parsers.choice(MODES), "enforce: fail over budget; warn: report only; off"),
    Setting(
        "scale",
        parsers.number_between(*SCALE_RANGE),
        "multiply every time budget by this (0.001 to 1000)",
        env="PERFGATE_SCALE",
    ),
    Setting("memory_backend", parsers.choice(MEMORY_BACKENDS), "memray, tracemalloc or auto"),
    Setting(
        "confirm",
        parsers.whole_number(MAX_CONFIRM),
        "re-measure an over-budget time this many times before failing",
    ),
    Setting(
        "max_time",
        parsers.duration,
        "time per test for its whole time verdict: rounds, more rounds, re-measurement, confirmation",
    ),
    Setting("profile", parsers.choice(PROFILE_MODES), "cProfile the measured call: fail, always, off"),
    Setting("xdist", parsers.choice(XDIST_MODES), "under xdist: isolate or parallel"),
    Setting("max_regression", parsers.fraction, "allowed slowdown against --perfgate-baseline"),
    Setting(
        "reference_score",
        parsers.number_between(*REFERENCE_SCORE_RANGE),
        "score of the machine the budgets were written on",
    ),
    Setting("measure", parsers.choice(MEASURES), "time, or instructions: counts under Valgrind's callgrind"),
    Setting(
        "max_instructions_regression",
        parsers.fraction,
        "allowed instruction-count growth against --perfgate-baseline",
    ),
)

#: The keys ``[tool.perfgate]`` may hold.
PYPROJECT_KEYS = frozenset({setting.key for setting in SETTINGS} | {"targets", "tests"})


def _value_with_source(
    setting: Setting, config: pytest.Config, pyproject: PyProject
) -> tuple[object, str] | None:
    """The value in force and its source: option, environment, ini key, ``[tool.perfgate]``; or None."""
    cli = config.getoption(setting.dest, None)
    if cli is not None:
        return cli, f"option {setting.option}"
    if setting.env and os.environ.get(setting.env, "").strip():
        return os.environ[setting.env], f"environment variable {setting.env}"
    ini = config.getini(setting.ini)
    if ini is not None and str(ini).strip():
        return ini, ini_source(config, setting.ini)
    if setting.key in pyproject.section:
        return pyproject.section[setting.key], pyproject.source(setting.key)
    return None


def read_values(config: pytest.Config, pyproject: PyProject) -> tuple[dict[str, Any], dict[str, str]]:
    """Every setting's value and source; a bad value is a usage error naming the source."""
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for setting in SETTINGS:
        found = _value_with_source(setting, config, pyproject)
        if found is None:
            values[setting.key], sources[setting.key] = setting.default, "default"
            continue
        raw, source = found
        try:
            values[setting.key] = setting.parse(raw)
        except ValueError as error:
            raise pytest.UsageError(f"perfgate: {source}: {error}") from None
        sources[setting.key] = source
    return values, sources


def load_settings(config: pytest.Config) -> Settings:
    """Read and validate every setting once; raises :class:`pytest.UsageError` on bad input."""
    pyproject = read_pyproject(config, PYPROJECT_KEYS)
    values, sources = read_values(config, pyproject)
    targets = build_targets(config, pyproject)
    return Settings(
        **values,
        targets=MappingProxyType(targets),
        tests=build_tests(config, pyproject, targets),
        sources=MappingProxyType(sources),
    )
