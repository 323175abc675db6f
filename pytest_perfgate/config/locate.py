"""Where a test-id pattern was written: the line of its key in pyproject.toml, or of its row in an ini
option, found by reading keys (exact, unquoted equality), never by searching for the text."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator

from .targets import parse_assignment

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

Key = tuple[str, ...]
_BASIC = r'"(?:[^"\\]|\\.)*"'
_LITERAL = r"'[^']*'"
_KEY_PART = re.compile(rf"\s*({_BASIC}|{_LITERAL}|[A-Za-z0-9_-]+)\s*")
_ARRAY_TOKEN = re.compile(rf"{_BASIC}|{_LITERAL}|\]|#")
_INI_KEY = re.compile(r"([^=:\s]+)\s*[=:](.*)")
_INI_SECTIONS = ("pytest", "tool:pytest")


def _lines(text: str) -> list[str]:
    """The file's lines as an editor numbers them: only ``\n`` ends one (not ``\u2028`` or ``\x0c``)."""
    return text.split("\n")


def _decode(token: str) -> str:
    """A TOML key or string token's value (a bare key is itself)."""
    if token[:1] not in ('"', "'"):
        return token
    try:
        value = tomllib.loads(f"k = {token}")["k"]
    except tomllib.TOMLDecodeError:
        return token
    return str(value)


def _dotted_key(text: str) -> tuple[Key, str] | None:
    """``a."b c".d = rest`` -> (("a", "b c", "d"), "= rest"); None if ``text`` does not start with a key."""
    keys: list[str] = []
    position = 0
    while (part := _KEY_PART.match(text, position)) is not None:
        keys.append(_decode(part.group(1)))
        position = part.end()
        if not text.startswith(".", position):
            return tuple(keys), text[position:]
        position += 1
    return None


def _opens_multiline(rest: str) -> str | None:
    """The delimiter of a multi-line string that the value ``rest`` opens and does not close."""
    value = rest.lstrip()
    for delimiter in ('"""', "'''"):
        if value.startswith(delimiter) and value.count(delimiter) == 1:
            return delimiter
    return None


def toml_keys(text: str) -> Iterator[tuple[int, Key, str | None]]:
    """Each table header (rest None) and each ``key = value`` line: (line number, full key, value)."""
    table: Key = ()
    open_string: str | None = None
    for number, line in enumerate(_lines(text), start=1):
        if open_string is not None:
            open_string = None if open_string in line else open_string
            continue
        stripped = line.strip()
        if stripped.startswith("["):
            array = stripped.startswith("[[")
            header = _dotted_key(stripped[2 if array else 1 :])
            if header is not None and header[1].startswith("]"):
                table = ("[[",) if array else header[0]  # keys in an array of tables are never looked up
                yield number, table, None
            continue
        key = _dotted_key(stripped)
        if key is not None and key[1].startswith("="):
            yield number, table + key[0], key[1][1:]
            open_string = _opens_multiline(key[1][1:])


def toml_table_lines(text: str, table: Key) -> tuple[dict[str, int], int | None]:
    """The line of each key directly in ``table``, and the line opening the table (its header or key)."""
    lines: dict[str, int] = {}
    opening: int | None = None
    for number, key, _ in toml_keys(text):
        if key == table and opening is None:
            opening = number
        elif key[:-1] == table:
            lines.setdefault(key[-1], number)
    return lines, opening


def toml_array_rows(text: str, key: Key) -> dict[str, int]:
    """For an array of ``"name = spec"`` strings at ``key``: the line of each name's string."""
    lines = _lines(text)
    rows: dict[str, int] = {}
    for number, found, rest in toml_keys(text):
        if found != key or rest is None or not rest.lstrip().startswith("["):
            continue
        following = ((index + 1, lines[index]) for index in range(number, len(lines)))
        for line_number, segment in ((number, rest), *following):
            for token in _ARRAY_TOKEN.finditer(segment):
                if token.group() == "]":
                    return rows
                if token.group() == "#":
                    break
                _add_row(rows, _decode(token.group()), line_number)
    return rows


def _add_row(rows: dict[str, int], row: str, number: int) -> None:
    try:
        name = parse_assignment(row.strip())[0]
    except ValueError:
        return
    rows.setdefault(name, number)


def ini_rows(text: str, option: str) -> dict[str, int]:
    """For an ini option whose lines are ``name = spec``: the line of each name's row."""
    rows: dict[str, int] = {}
    section = ""
    inside = False
    for number, line in enumerate(_lines(text), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        if line[:1].isspace():
            if inside:
                _add_row(rows, stripped, number)
            continue
        if stripped.startswith("["):
            section, inside = stripped.strip("[]").strip(), False
            continue
        key = _INI_KEY.match(stripped)
        inside = key is not None and key.group(1) == option and section in _INI_SECTIONS
        if inside and key is not None and key.group(2).strip():
            _add_row(rows, key.group(2), number)
    return rows
