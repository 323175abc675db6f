"""Node-id glob patterns: the one matcher for ``[tool.perfgate.tests]``, unmatched-pattern checks and
``perfgate history --test``."""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .targets import Budget

#: The characters that make a pattern a glob.
WILDCARDS = "*?["


def has_wildcard(pattern: str) -> bool:
    return any(character in pattern for character in WILDCARDS)


def literal_prefix(pattern: str) -> str:
    """The pattern's text before its first wildcard: every text it matches starts with it."""
    end = min((pattern.find(c) for c in WILDCARDS if c in pattern), default=len(pattern))
    return pattern[:end]


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
    """A regex (no end anchor) for the pattern read with literal brackets or as a plain glob.

    ``*`` and ``?`` are wildcards (``*`` spans ``/`` and ``::``); ``[`` is literal, since parameter
    ids are written in brackets, unless the text only matches as a glob character set.
    """
    # translate() gives "(?s:...)\\Z"; both readings share one end anchor.
    return "|".join(
        fnmatch.translate(text).removesuffix(r"\Z") for text in (pattern.replace("[", "[[]"), pattern)
    )


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str, leading_wildcard: bool) -> tuple[str, re.Pattern[str]]:
    """The text every match starts with, and the pattern's regex."""
    if leading_wildcard:
        return "", re.compile(rf"(?s:.*)(?:{_readings(pattern)})\Z")
    return literal_prefix(pattern), re.compile(rf"(?:{_readings(pattern)})\Z")


def glob_matches(pattern: str, text: str, *, leading_wildcard: bool = False) -> bool:
    """Whether the glob matches all of ``text`` or, with ``leading_wildcard``, its end."""
    literal, regex = _compiled(pattern, leading_wildcard)
    return text.startswith(literal) and regex.match(text) is not None


def matches_node(pattern: str, nodeid: str) -> bool:
    """Whether the pattern matches the test's node id or something that holds the test.

    As ``pytest PATH`` selects, ``tests/test_a.py``, ``tests`` or ``tests/test_a.py::TestX`` match
    every test inside, and ``test_a.py::test_x`` matches each of its parametrizations.
    """
    literal, regex = _compiled(pattern, False)
    # Every scope starts the node id, so a pattern's text before its first wildcard must too.
    return nodeid.startswith(literal) and any(regex.match(scope) for scope in node_scopes(nodeid))


def matches_part(nodeid: str, pattern: str | None) -> bool:
    """A pattern for searching: a part of the node id (``test_write[a-b]``), or a glob matching the
    node id or its end (``test_parse.py::*``, brackets read as in a row); None matches everything."""
    if pattern is None or pattern in nodeid:
        return True
    return has_wildcard(pattern) and glob_matches(pattern, nodeid, leading_wildcard=True)


@dataclass(frozen=True)
class TestPattern:
    """A ``[tool.perfgate.tests]`` row: node ids matching ``pattern`` get a target or a budget."""

    __test__ = False  # not a test class, despite the name

    pattern: str
    target: str | None
    budget: Budget | None
    source: str
    #: The file the pattern was written in ("" when not known), and the line of its key (None if unknown).
    path: str = ""
    line: int | None = None

    def matches(self, nodeid: str) -> bool:
        """See :func:`matches_node`."""
        return matches_node(self.pattern, nodeid)


class PatternTable:
    """Many patterns in one regex, longest first, so the longest match of a scope is one regex call."""

    def __init__(self, rows: Sequence[TestPattern]) -> None:
        # Longest first; of equally long patterns the one written first (a stable sort).
        self.rows = sorted(rows, key=lambda row: -len(row.pattern))
        alternatives = (f"(?P<p{i}>(?:{_readings(row.pattern)})\\Z)" for i, row in enumerate(self.rows))
        self.regex = re.compile("|".join(alternatives)) if self.rows else None

    def longest(self, nodeid: str) -> TestPattern | None:
        """The longest pattern matching the node id or one of its scopes (see :func:`matches_node`)."""
        if self.regex is None:
            return None
        best: int | None = None
        for scope in node_scopes(nodeid):
            found = self.regex.match(scope)
            if found is not None and found.lastgroup is not None:
                index = int(found.lastgroup[1:])
                best = index if best is None else min(best, index)
        return None if best is None else self.rows[best]
