"""The JSON report (``--perfgate-json``): writing it atomically and reading it back, validated.

:func:`load_report` is the one reader of these files (``perfgate show/compare/merge``, baselines,
history): it raises :class:`ReportError`, whose message names the file, for a missing file, bad JSON
or a document of another schema.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..record import VERDICTS, MemoryFigures, Record, TimeFigures
from .files import write_atomically
from .model import SCHEMA, Report


class ReportError(ValueError):
    """A report file that cannot be read; the message starts with its path."""


def dumps(report: Report) -> str:
    """The report as JSON text (non-finite numbers become null, so any JSON reader can load it)."""
    return json.dumps(_finite(report.to_dict()), indent=2, allow_nan=False) + "\n"


def write_report(path: Path, report: Report) -> None:
    """Write the report to ``path`` atomically (raises ``ReportPathError`` naming the path)."""
    write_atomically(path, dumps(report))


def load_report(path: str | Path) -> Report:
    """Read and validate a JSON report; raises :class:`ReportError` naming ``path``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ReportError(f"{path}: is a directory, not a report file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ReportError(f"{path}: cannot read: {error}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ReportError(
            f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    return report_from_dict(document, str(path))


def report_from_dict(document: object, source: str) -> Report:
    """A :class:`Report` from a parsed JSON document; ``source`` names it in errors."""
    if not isinstance(document, Mapping):
        raise ReportError(f"{source}: not a pytest-perfgate report (a JSON object was expected)")
    schema = document.get("schema")
    if schema != SCHEMA:
        found = "no schema key" if schema is None else f"schema {schema!r}"
        raise ReportError(f"{source}: not a pytest-perfgate report: {found}, expected {SCHEMA!r}")
    tests = document.get("tests")
    if not isinstance(tests, list):
        raise ReportError(f"{source}: 'tests' must be a list")
    records = tuple(_record(entry, f"{source}: tests[{index}]") for index, entry in enumerate(tests))
    duration = document.get("duration_s")
    exit_status = document.get("exit_status")
    return Report(
        tests=records,
        settings=_mapping(document, "settings", source),
        targets=_mapping(document, "targets", source),
        machine=_mapping(document, "machine", source),
        complete=bool(document.get("complete", True)),
        created=str(document.get("created") or ""),
        duration_s=float(duration) if isinstance(duration, (int, float)) else None,
        exit_status=exit_status if isinstance(exit_status, int) else None,
        warnings=tuple(str(text) for text in document.get("warnings") or ()),
        merged_from=tuple(part for part in document.get("merged_from") or () if isinstance(part, Mapping)),
    )


def _mapping(document: Mapping[str, Any], key: str, source: str) -> dict[str, Any]:
    value = document.get(key) or {}
    if not isinstance(value, Mapping):
        raise ReportError(f"{source}: {key!r} must be an object")
    return dict(value)


def _known(cls: type[Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """The keys of ``data`` that ``cls`` has fields for (newer writers may add keys)."""
    names = {item.name for item in dataclasses.fields(cls)}
    return {key: value for key, value in data.items() if key in names}


def _record(entry: object, where: str) -> Record:
    if not isinstance(entry, Mapping):
        raise ReportError(f"{where}: a test entry must be an object")
    if not isinstance(entry.get("nodeid"), str) or not entry["nodeid"]:
        raise ReportError(f"{where}: 'nodeid' is missing")
    where = f"{where} ({entry['nodeid']})"
    if entry.get("verdict") not in VERDICTS:
        raise ReportError(f"{where}: verdict {entry.get('verdict')!r} is not one of {', '.join(VERDICTS)}")
    values = _known(Record, entry)
    try:
        time = values.pop("time", None)
        memory = values.pop("memory", None)
        if time is not None and not isinstance(time, Mapping):
            raise TypeError("'time' must be an object")
        if memory is not None and not isinstance(memory, Mapping):
            raise TypeError("'memory' must be an object")
        _check_numbers(time, _TIME_NUMBERS, "time")
        _check_numbers(memory, _MEMORY_NUMBERS, "memory")
        return Record(
            **values,
            time=None if time is None else TimeFigures(**_known(TimeFigures, time)),
            memory=None if memory is None else MemoryFigures(**_known(MemoryFigures, memory)),
        )
    except TypeError as error:
        raise ReportError(f"{where}: {error}") from None


_TIME_NUMBERS = (
    "value_s",
    "budget_s",
    "ratio",
    "rounds",
    "min",
    "median",
    "mean",
    "max",
    "stddev",
    "raw_value_s",
)
_MEMORY_NUMBERS = ("peak_bytes", "budget_bytes", "ratio")


def _check_numbers(figures: Mapping[str, Any] | None, names: tuple[str, ...], section: str) -> None:
    for name in names:
        value = None if figures is None else figures.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise TypeError(f"{section}.{name} must be a number, not {value!r}")


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value
