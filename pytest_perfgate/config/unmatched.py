"""``[tool.perfgate.tests]`` patterns that matched no collected test in the part of the project a run
collected: a warning at the pattern's line, a line in the ``perfgate`` section, and a usage error under
``-W error``."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .patterns import TestPattern, literal_prefix
from .settings import Settings

#: Where an xdist worker puts the patterns it found unmatched.
WORKEROUTPUT_KEY = "perfgate_unmatched_patterns"


class PerfgatePatternWarning(pytest.PytestWarning):
    """A ``[tool.perfgate.tests]`` pattern matched no collected test."""


def narrowed_to(config: pytest.Config) -> list[str]:
    """The node-id prefixes collection started from: the paths and node ids on the command line, or
    ``testpaths``, or the invocation directory ("" is the whole rootdir)."""
    prefixes = []
    for arg in config.args:
        path_text, sep, rest = arg.partition("::")
        try:
            relative = (
                (config.invocation_params.dir / path_text).resolve().relative_to(config.rootpath.resolve())
            )
        except ValueError:
            continue  # outside the rootdir: it narrows nothing a pattern names
        prefix = "" if relative == Path(".") else relative.as_posix()
        prefixes.append(prefix + sep + rest)
    return prefixes


def in_scope(pattern: str, prefixes: Sequence[str]) -> bool:
    """Whether everything ``pattern`` can match lies where collection started (see :func:`narrowed_to`).

    What a pattern can match is bounded by its text up to the first wildcard: ``bench/test_a.py::*``
    lies in ``bench``; ``*::test_x`` can lie anywhere, so only a run of the whole rootdir checks it.
    """
    literal = literal_prefix(pattern)
    return any(
        prefix == "" or literal == prefix or literal.startswith((prefix + "/", prefix + "::"))
        for prefix in prefixes
    )


def unmatched(patterns: Sequence[TestPattern], nodeids: Sequence[str], config: pytest.Config) -> list[str]:
    """The patterns (in scope of this run) that match none of ``nodeids``.

    ``nodeids`` are every collected test, before ``-k``, ``-m`` and ``--deselect`` remove any, so
    deselection never makes a pattern look unused. ``--lf`` collects only some files: nothing is checked.
    """
    if config.getoption("lf", False):
        return []
    prefixes = narrowed_to(config)
    return [
        row.pattern
        for row in patterns
        if in_scope(row.pattern, prefixes) and not any(row.matches(nodeid) for nodeid in nodeids)
    ]


@dataclass(frozen=True)
class Unmatched:
    """A pattern that matched no collected test, where it was written (file "" and line None when not
    known), and the message."""

    pattern: str
    path: str
    line: int | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"pattern": self.pattern, "file": self.path, "line": self.line, "message": self.message}


def message(row: TestPattern) -> str:
    """The text of the warning for a pattern that matched no collected test."""
    return f"perfgate: {row.source}: pattern {row.pattern!r} matched no collected test"


def describe(settings: Settings, names: Sequence[str]) -> list[Unmatched]:
    """Each unmatched pattern with its source file, line and message."""
    rows = {row.pattern: row for row in settings.tests}
    found = (rows[name] for name in names if name in rows)
    return [Unmatched(row.pattern, row.path, row.line, message(row)) for row in found]


def warn(found: Sequence[Unmatched]) -> None:
    """Issue the warnings (located at the pattern's line); a warnings filter that makes them errors
    stops the run with a usage error."""
    for item in found:
        try:
            warnings.warn_explicit(
                PerfgatePatternWarning(item.message),
                PerfgatePatternWarning,
                filename=item.path or "pyproject.toml",
                lineno=item.line or 1,
                module="pytest_perfgate",
            )
        except PerfgatePatternWarning:
            raise pytest.UsageError(item.message) from None


class UnmatchedPatterns:
    """Plugin registered on every process: finds unmatched patterns where collection happens.

    Under pytest-xdist the workers collect, so each sends its answer back in its ``workeroutput`` and
    the controller reports the patterns that no worker matched.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.worker_answers: list[list[str]] = []
        #: The unmatched patterns found in this run, structured (pattern, file, line, message).
        self.found: list[Unmatched] = []
        #: Their messages, once known (None until the check ran).
        self.messages: list[str] | None = None

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        if not self.settings.tests:
            return
        names = unmatched(self.settings.tests, [item.nodeid for item in items], config)
        workeroutput: dict[str, Any] | None = getattr(config, "workeroutput", None)
        if workeroutput is not None:
            workeroutput[WORKEROUTPUT_KEY] = names
            return
        self._report(config, names)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        """xdist controller: keep each worker's answer."""
        answer = getattr(node, "workeroutput", {}).get(WORKEROUTPUT_KEY)
        if answer is not None:
            self.worker_answers.append(list(answer))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """xdist controller: a pattern is unmatched if no worker matched it."""
        if self.worker_answers and self.messages is None:
            first, *others = self.worker_answers
            self._report(session.config, [name for name in first if all(name in other for other in others)])

    def _report(self, config: pytest.Config, names: Sequence[str]) -> None:
        self.found = describe(self.settings, names)
        self.messages = [item.message for item in self.found]
        warn(self.found)
