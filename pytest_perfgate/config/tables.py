"""The targets table and the test-id patterns, each built from its sources in order of precedence."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import Any

import pytest

from .parsers import quote
from .patterns import TestPattern
from .pyproject import PyProject, ini_path, ini_source
from .targets import PERFORMANCE_TARGETS, Budget, parse_assignment, parse_table

HOOK = "pytest_perfgate_targets"
TESTS_TABLE = ("tool", "perfgate", "tests")
TESTS_INI_ARRAY = ("tool", "pytest", "ini_options", "perfgate_tests")


def table_rows(value: object, source: str) -> list[tuple[str, object]]:
    """``(name, spec)`` rows of a TOML table or of ini lines ``name = spec``."""
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [(str(name), spec) for name, spec in value.items()]
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
    raise pytest.UsageError(f"perfgate: {source} must be a table of name = spec, not {quote(value)}")


def build_targets(config: pytest.Config, pyproject: PyProject) -> dict[str, Budget]:
    """The built-in table, then pyproject.toml, the ini key, the hook and ``--perfgate-target``."""
    table = dict(PERFORMANCE_TARGETS)
    sources = (
        (pyproject.section.get("targets"), pyproject.source("targets")),
        (config.getini("perfgate_targets"), ini_source(config, "perfgate_targets")),
    )
    for value, source in sources:
        try:
            table.update(parse_table(table_rows(value, source), source))
        except ValueError as error:
            raise pytest.UsageError(f"perfgate: {error}") from None
    run_hook(config, table)
    for text in config.getoption("perfgate_target", None) or ():
        try:
            name, spec = parse_assignment(text)
            table[name] = Budget.parse(spec)
        except ValueError as error:
            raise pytest.UsageError(f"perfgate: option --perfgate-target {quote(text)}: {error}") from None
    return table


def run_hook(config: pytest.Config, table: MutableMapping[str, Budget]) -> None:
    """Let conftest files edit the table; a bad budget there is a usage error naming the hook."""
    try:
        config.hook.pytest_perfgate_targets(config=config, targets=table)
    except (ValueError, TypeError) as error:
        raise pytest.UsageError(f"perfgate: {_hook_source(config, error)}: {error}") from None
    for name, budget in table.items():
        if not isinstance(name, str) or not isinstance(budget, Budget):
            raise pytest.UsageError(
                f"perfgate: hook {HOOK} left {quote(name)}: {quote(budget)} in the table; "
                "values must be pytest_perfgate.Budget"
            )


def _hook_source(config: pytest.Config, error: BaseException) -> str:
    """``hook pytest_perfgate_targets (conftest.py:7)``: the implementation's line that raised."""
    implementations = config.hook.pytest_perfgate_targets.get_hookimpls()
    codes = {getattr(impl.function, "__code__", None) for impl in implementations}
    where = ""
    frame = error.__traceback__
    while frame is not None:
        code = frame.tb_frame.f_code
        if code in codes:
            path = Path(code.co_filename)
            shown = path.relative_to(config.rootpath) if path.is_relative_to(config.rootpath) else path
            where = f" ({shown}:{frame.tb_lineno})"
        frame = frame.tb_next
    return f"hook {HOOK}{where}"


def _test_sources(
    config: pytest.Config, pyproject: PyProject
) -> Iterator[tuple[object, str, str, Callable[[str], int | None]]]:
    """Each source of patterns: its value, its name, its file and the line of a pattern in it."""
    value = pyproject.section.get("tests")
    if value is not None:
        from .locate import toml_table_lines  # only a project with test patterns reads their lines

        lines, opening = toml_table_lines(pyproject.text, TESTS_TABLE)
        yield value, pyproject.source("tests"), pyproject.name, lambda pattern: lines.get(pattern, opening)
    value = config.getini("perfgate_tests")
    if value:
        path = ini_path(config, "perfgate_tests")
        rows = _ini_rows(path)
        yield value, ini_source(config, "perfgate_tests"), path, rows.get


def _ini_rows(path: str) -> dict[str, int]:
    if not path:
        return {}
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, ValueError):
        return {}
    from .locate import ini_rows, toml_array_rows

    if Path(path).name == "pyproject.toml":
        return toml_array_rows(text, TESTS_INI_ARRAY)
    return ini_rows(text, "perfgate_tests")


def build_tests(
    config: pytest.Config, pyproject: PyProject, targets: Mapping[str, Budget]
) -> tuple[TestPattern, ...]:
    """The ``[tool.perfgate.tests]`` rows, then the ini key's; a later row of a pattern wins."""
    rows: dict[str, TestPattern] = {}
    for value, source, path, line_of in _test_sources(config, pyproject):
        for pattern, spec in table_rows(value, source):
            target, budget = _target_or_budget(pattern, spec, source, targets)
            rows[pattern] = TestPattern(pattern, target, budget, source, path, line_of(pattern))
    return tuple(rows.values())


def _target_or_budget(
    pattern: str, spec: Any, source: str, targets: Mapping[str, Budget]
) -> tuple[str | None, Budget | None]:
    if not pattern.strip():
        raise pytest.UsageError(f"perfgate: {source}: a pattern must not be empty")
    if isinstance(spec, str) and spec.strip() in targets:
        return spec.strip(), None
    try:
        return None, Budget.parse(spec)
    except ValueError as error:
        known = ", ".join(sorted(targets))
        raise pytest.UsageError(
            f"perfgate: {source}: pattern {quote(pattern)}: {quote(spec)} is neither a known target "
            f"({known}) nor a budget spec: {error}"
        ) from None
