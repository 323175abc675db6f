"""Stored rows read back, checked: a value of the wrong kind (edited by hand, or from another tool) is a
:class:`BadValue` naming its column, never a crash further on.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Sequence
from typing import Any

from ..config.settings import STATS
from ..record import Record


class BadValue(ValueError):
    """A stored value that cannot be what its column means; the message names the column."""


def _text(value: object, column: str) -> str | None:
    return None if value is None else _required_text(value, column)


def _required_text(value: object, column: str) -> str:
    if isinstance(value, str):
        return value
    raise BadValue(f"{column} holds {_shown(value)}, not text")


def _real(value: object, column: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    raise BadValue(f"{column} holds {_shown(value)}, not a finite number")


def _integer(value: object, column: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise BadValue(f"{column} holds {_shown(value)}, not a whole number")


def _shown(value: object) -> str:
    text = repr(bytes(value) if isinstance(value, memoryview) else value)
    return text if len(text) <= 40 else text[:37] + "..."


def schema_version(value: object) -> int:
    """``meta.schema_version``: the text of a whole number."""
    try:
        return int(str(value).strip())
    except ValueError:
        raise BadValue(f"meta.schema_version holds {_shown(value)}, not a version number") from None


ResultColumns = tuple[
    str, str | None, str, str | None, float | None, float | None, float | None, int | None, int | None
]
RunColumns = tuple[
    str,
    str | None,
    str | None,
    bool | None,
    str | None,
    str | None,
    int | None,
    str | None,
    str | None,
    str | None,
]


def result_columns(row: Sequence[Any]) -> ResultColumns:
    """nodeid, target, verdict, stat, value_s, budget_s, ratio, peak_bytes, memory_budget_bytes."""
    nodeid, target, verdict, stat, value_s, budget_s, ratio, peak, budget = row
    checked_stat = _text(stat, "results.stat")
    if checked_stat is not None and checked_stat not in STATS:
        raise BadValue(f"results.stat holds {_shown(stat)}, not one of {', '.join(STATS)}")
    return (
        _required_text(nodeid, "results.nodeid"),
        _text(target, "results.target"),
        _required_text(verdict, "results.verdict"),
        checked_stat,
        _real(value_s, "results.value_s"),
        _real(budget_s, "results.budget_s"),
        _real(ratio, "results.ratio"),
        _integer(peak, "results.peak_bytes"),
        _integer(budget, "results.memory_budget_bytes"),
    )


def run_columns(row: Sequence[Any]) -> RunColumns:
    """started_at, commit, branch, dirty, hostname, cpu, cores, os, python, perfgate."""
    started_at, commit, branch, dirty, hostname, cpu, cores, os_name, python, perfgate = row
    texts = {"runs.commit_id": commit, "runs.branch": branch, "runs.hostname": hostname, "runs.cpu": cpu}
    texts.update({"runs.os": os_name, "runs.python": python, "runs.perfgate": perfgate})
    checked = {column: _text(value, column) for column, value in texts.items()}
    flag = _integer(dirty, "runs.dirty")
    return (
        _required_text(started_at, "runs.started_at"),
        checked["runs.commit_id"],
        checked["runs.branch"],
        None if flag is None else bool(flag),
        checked["runs.hostname"],
        checked["runs.cpu"],
        _integer(cores, "runs.cores"),
        checked["runs.os"],
        checked["runs.python"],
        checked["runs.perfgate"],
    )


def pack_rounds(rounds: Sequence[float]) -> bytes | None:
    """Raw rounds as little-endian float32 (they are kept to 6 significant digits)."""
    return struct.pack(f"<{len(rounds)}f", *rounds) if rounds else None


def unpack_rounds(data: object) -> tuple[float, ...]:
    """The rounds :func:`pack_rounds` stored; :class:`BadValue` for anything else."""
    if data is None:
        return ()
    if not isinstance(data, (bytes, memoryview)):
        raise BadValue(f"details.rounds holds {_shown(data)}, not packed rounds")
    raw = bytes(data)
    if len(raw) % 4:
        raise BadValue(f"details.rounds holds {len(raw)} bytes, not a whole number of float32 rounds")
    rounds = tuple(float(f"{value:.6g}") for value in struct.unpack(f"<{len(raw) // 4}f", raw))
    if not all(math.isfinite(value) and value >= 0 for value in rounds):
        raise BadValue("details.rounds holds a round that is negative, infinite or not a number")
    return rounds


def record_of(text: object, rounds: tuple[float, ...], store: str) -> Record:
    """The whole record stored in ``details.record`` (JSON without its rounds), with its rounds."""
    from ..reports.reader import ReportError, record_from_dict

    if not isinstance(text, str):
        raise BadValue(f"details.record holds {_shown(text)}, not JSON text")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise BadValue(f"details.record holds {_shown(text)}, not a JSON record") from None
    if isinstance(data, dict) and isinstance(data.get("time"), dict) and not data["time"].get("data"):
        data["time"]["data"] = list(rounds)
    try:
        return record_from_dict(data, store, "details.record")
    except ReportError as error:
        raise BadValue(f"{error.field}: {error.problem}") from None
