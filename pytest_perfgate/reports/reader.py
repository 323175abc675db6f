"""The one reader of JSON reports: every file checked field by field, every flaw a :class:`ReportError`.

Used by ``--perfgate-baseline``, every ``perfgate`` command and the history's stored records.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..config.settings import STATS
from ..quantities import format_memory
from ..record import VERDICTS, MemoryFigures, Record, TimeFigures
from .model import SCHEMA, Report
from .outcome import OUTCOMES

#: A report larger than this is refused before it is read.
MAX_BYTES = 256 * 1024**2
#: Objects and lists nested deeper than this (counted from the document) are refused.
MAX_DEPTH = 48
#: Numbers beyond this size are refused (no time, size or ratio comes near it).
LARGEST = 1e18

_SURROGATE = re.compile("[\ud800-\udfff]")
_LONG_NUMBER = re.compile(r"\d{4301,}")


class ReportError(ValueError):
    """A report that cannot be read: one line naming the file, and the field where there is one."""

    def __init__(self, source: str, problem: str, field: str | None = None) -> None:
        self.source, self.problem, self.field = source, problem, field
        where = f"{source}: field {field}" if field else source
        super().__init__(f"{where}: {problem}")


class _Flaw(Exception):
    """A bad value at ``path`` (a field name such as ``tests[3].time.value_s``)."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(problem)
        self.path, self.problem = path, problem


def read_report(path: str | Path) -> Report:
    """Read and check a JSON report; raises :class:`ReportError` naming the file (and the field)."""
    source = str(path)
    return report_from_dict(_decode(_read(Path(path), source), source), source)


def report_from_dict(document: object, source: str) -> Report:
    """A :class:`Report` from a decoded JSON document; ``source`` names it in errors."""
    if not isinstance(document, dict):
        raise ReportError(source, f"not a pytest-perfgate report ({_kind(document)}, not a JSON object)")
    schema = document.get("schema")
    if schema != SCHEMA:
        found = "no schema key" if schema is None else f"schema {_shown(schema)}"
        raise ReportError(source, f"not a pytest-perfgate report: {found}, expected {SCHEMA!r}")
    try:
        report: Report = _dataclass(Report, document, "")
    except _Flaw as flaw:
        raise ReportError(source, flaw.problem, flaw.path or None) from None
    return report


def record_from_dict(data: object, source: str, where: str = "record") -> Record:
    """One checked :class:`Record` (e.g. as the history stored it); ``where`` names it in errors."""
    try:
        return _convert(data, Record, where)  # type: ignore[no-any-return]
    except _Flaw as flaw:
        raise ReportError(source, flaw.problem, flaw.path) from None


# -- the file -------------------------------------------------------------------------------------


def _read(path: Path, source: str) -> bytes:
    try:
        with path.open("rb") as file:
            data = file.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ReportError(source, "no such file") from None
    except IsADirectoryError:
        raise ReportError(source, "is a directory, not a report file") from None
    except OSError as error:
        raise ReportError(source, f"cannot read: {error.strerror or error}") from None
    if len(data) > MAX_BYTES:
        raise ReportError(source, f"larger than {format_memory(MAX_BYTES)}, more than any report holds")
    return data


def _decode(data: bytes, source: str) -> object:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        byte = data[error.start]
        raise ReportError(source, f"not UTF-8 text (byte 0x{byte:02x} at offset {error.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        problem = f"not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        raise ReportError(source, problem) from None
    except RecursionError:
        raise ReportError(source, "not a report: its JSON is nested too deeply to read") from None
    except ValueError as error:  # an integer beyond Python's digit limit
        raise ReportError(source, _long_number(text, error)) from None


def _long_number(text: str, error: ValueError) -> str:
    match = _LONG_NUMBER.search(text)
    if match is None:
        return f"not valid JSON: {str(error).split(';')[0]}"
    line = text.count("\n", 0, match.start()) + 1
    column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
    digits = len(match.group(0))
    return f"not valid JSON (line {line}, column {column}: a number of {digits} digits)"


# -- the fields -----------------------------------------------------------------------------------


def _fields(cls: type[Any]) -> tuple[tuple[str, Any, bool], ...]:
    """(name, type, required) of each field of a dataclass, its annotations resolved."""
    hints = typing.get_type_hints(cls)
    return tuple(
        (
            item.name,
            hints[item.name],
            item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING,
        )
        for item in dataclasses.fields(cls)
    )


def _dataclass(cls: type[Any], value: object, path: str) -> Any:
    if not isinstance(value, dict):
        raise _Flaw(path, f"must be an object, not {_kind(value)}")
    values: dict[str, Any] = {}
    for name, kind, required in _FIELDS.get(cls) or _fields(cls):
        where = f"{path}.{name}" if path else name
        if name not in value:
            if required and not _optional(kind):
                raise _Flaw(where, "is missing")
            if required:
                values[name] = None
            continue
        values[name] = _convert(value[name], kind, where)
        check = _CHECKS.get((cls, name))
        if check is not None:
            check(values[name], where)
    return cls(**values)


_FIELDS = {cls: _fields(cls) for cls in (Report, Record, TimeFigures, MemoryFigures)}


def _optional(kind: Any) -> bool:
    return typing.get_origin(kind) in (typing.Union, types.UnionType) and type(None) in typing.get_args(kind)


def _convert(value: object, kind: Any, path: str) -> Any:
    """``value`` checked against the type ``kind`` (as the dataclasses annotate their fields)."""
    origin, arguments = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        return _union(value, arguments, path)
    if dataclasses.is_dataclass(kind):
        return _dataclass(typing.cast(type[Any], kind), value, path)
    if origin in (list, tuple):
        if not isinstance(value, list):
            raise _Flaw(path, f"must be a list, not {_kind(value)}")
        items = [_convert(item, arguments[0], f"{path}[{index}]") for index, item in enumerate(value)]
        return items if origin is list else tuple(items)
    if origin in (dict, Mapping):
        if not isinstance(value, dict):
            raise _Flaw(path, f"must be an object, not {_kind(value)}")
        return {
            _text(key, path): _convert(item, arguments[1], _key(path, key)) for key, item in value.items()
        }
    if kind in (str, bool, int, float):
        return _scalar(value, kind, path)
    return _free(value, path)  # Any, or a type this reader has no rule for: JSON within bounds


def _union(value: object, arguments: tuple[Any, ...], path: str) -> Any:
    if value is None and type(None) in arguments:
        return None
    flaws = []
    for argument in arguments:
        if argument is not type(None):
            try:
                return _convert(value, argument, path)
            except _Flaw as flaw:
                flaws.append(flaw)
    raise flaws[0]


def _scalar(value: object, kind: type[Any], path: str) -> Any:
    if kind is str:
        if not isinstance(value, str):
            raise _Flaw(path, f"must be a string, not {_kind(value)}")
        return _text(value, path)
    if kind is bool:
        if not isinstance(value, bool):
            raise _Flaw(path, f"must be true or false, not {_kind(value)}")
        return value
    number = _number(value, path)
    if kind is float:
        return float(number)
    if isinstance(number, float) and not number.is_integer():
        raise _Flaw(path, f"must be a whole number, not {_kind(value)}")
    return int(number)


def _number(value: object, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Flaw(path, f"must be a number, not {_kind(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise _Flaw(path, f"must be a finite number, not {_kind(value)}")
    if abs(value) > LARGEST:
        raise _Flaw(path, f"{_kind(value)} is out of range (more than {LARGEST:g})")
    return value


def _text(value: str, path: str) -> str:
    if _SURROGATE.search(value):
        raise _Flaw(path, "is not valid Unicode (it holds a lone surrogate escape)")
    return value


def _free(value: object, path: str) -> object:
    """A value of free form (settings, machine, gate figures): JSON kept as it is, within bounds."""
    pending: list[tuple[object, str, int]] = [(value, path, path.count(".") + path.count("["))]
    while pending:
        item, where, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise _Flaw(where, f"is nested more than {MAX_DEPTH} levels deep")
        if isinstance(item, str):
            _text(item, where)
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            _number(item, where)
        elif isinstance(item, list):
            pending += [(element, f"{where}[{index}]", depth + 1) for index, element in enumerate(item)]
        elif isinstance(item, dict):
            pending += [(element, _key(where, _text(key, where)), depth + 1) for key, element in item.items()]
    return value


# -- what the types do not say --------------------------------------------------------------------


def _one_of(choices: tuple[str, ...]) -> Callable[[object, str], None]:
    def check(value: object, path: str) -> None:
        if value not in choices:
            raise _Flaw(path, f"{_kind(value)} is not one of {', '.join(choices)}")

    return check


def _outcome(value: object, path: str) -> None:
    if value is not None:
        _one_of(OUTCOMES)(value, path)


def _not_negative(value: object, path: str) -> None:
    values = value if isinstance(value, list) else [value]
    for index, number in enumerate(values):
        if isinstance(number, (int, float)) and number < 0:
            where = f"{path}[{index}]" if isinstance(value, list) else path
            raise _Flaw(where, f"must not be negative, not {_kind(number)}")


def _not_empty(value: object, path: str) -> None:
    if not value:
        raise _Flaw(path, "must not be empty")


_CHECKS: dict[tuple[type[Any], str], Callable[[object, str], None]] = {
    (Record, "nodeid"): _not_empty,
    (Record, "verdict"): _one_of(VERDICTS),
    (Record, "outcome"): _outcome,
    (TimeFigures, "stat"): _one_of(STATS),
    **{
        (TimeFigures, name): _not_negative
        for name in ("value_s", "budget_s", "ratio", "rounds", "min", "median", "mean", "max", "stddev")
    },
    (TimeFigures, "data"): _not_negative,
    (TimeFigures, "cpu_s"): _not_negative,
    **{(MemoryFigures, name): _not_negative for name in ("peak_bytes", "budget_bytes", "ratio")},
    (Report, "duration_s"): _not_negative,
}


# -- how messages show things ---------------------------------------------------------------------


def _key(path: str, key: str) -> str:
    if key.isidentifier():
        return f"{path}.{key}" if path else key
    return f"{path}[{_shown(key)}]"


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the string {_shown(value)}"
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, int) and abs(value) >= 10**15:
        return f"a number of {len(str(abs(value)))} digits"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, dict) else type(value).__name__
