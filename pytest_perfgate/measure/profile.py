"""cProfile of one call: the functions with the most cumulative time, with short paths."""

from __future__ import annotations

import cProfile
import pstats
import sysconfig
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..quantities import format_time

#: Rows kept: the functions with the most cumulative time.
PROFILE_ROWS = 15
BUILTIN = "<built-in>"
#: The profiler's own bookkeeping, left out of the rows.
_PROFILER_ROWS = ("<method 'disable' of '_lsprof.Profiler' objects>",)


def short_path(filename: str, rootdir: Path | None) -> str:
    """A file name relative to the rootdir, site-packages or the standard library, else as it is."""
    if filename in ("~", ""):
        return BUILTIN
    if filename.startswith("<"):  # <string>, <frozen importlib._bootstrap>, ...
        return filename
    path = Path(filename)
    if rootdir is not None:
        try:
            return path.resolve().relative_to(rootdir.resolve()).as_posix()
        except (OSError, ValueError):
            pass
    parts = path.parts
    for marker in ("site-packages", "dist-packages"):
        if marker in parts:
            index = len(parts) - 1 - parts[::-1].index(marker)
            return Path(*parts[index + 1 :]).as_posix()
    for key in ("stdlib", "platstdlib"):
        try:
            return path.relative_to(sysconfig.get_paths()[key]).as_posix()
        except (KeyError, ValueError):
            continue
    return path.as_posix()


def rows_from_stats(
    stats: pstats.Stats, rootdir: Path | None, limit: int = PROFILE_ROWS
) -> list[dict[str, Any]]:
    """The ``limit`` functions with the most cumulative time, as plain dicts for the record.

    Each row: function, file, line, calls (all calls, recursive ones included), total_s (time in the
    function itself) and cumulative_s (time in it and everything it called).
    """
    table: Mapping[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    entries = sorted(
        ((key, entry) for key, entry in table.items() if key[2] not in _PROFILER_ROWS),
        key=lambda pair: (-float(pair[1][3]), -float(pair[1][2]), pair[0][2]),
    )
    return [
        {
            "function": function,
            "file": short_path(filename, rootdir),
            "line": line,
            "calls": int(entry[1]),
            "total_s": float(entry[2]),
            "cumulative_s": float(entry[3]),
        }
        for (filename, line, function), entry in entries[:limit]
    ]


def profile_call(
    fn: Callable[..., Any],
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
    rootdir: Path | None,
    limit: int = PROFILE_ROWS,
) -> list[dict[str, Any]]:
    """Call ``fn(*args, **kwargs)`` once under cProfile and return its top rows (the result is dropped)."""
    profiler = cProfile.Profile()
    profiler.runcall(fn, *args, **kwargs)
    return rows_from_stats(pstats.Stats(profiler), rootdir, limit)


def format_rows(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """An aligned table: calls, total, cumulative, function, file:line."""
    header = ("calls", "total", "cumulative", "function", "file:line")
    cells = [header] + [
        (
            str(row["calls"]),
            format_time(row["total_s"]),
            format_time(row["cumulative_s"]),
            str(row["function"]),
            row["file"] if row["file"] == BUILTIN else f"{row['file']}:{row['line']}",
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(header))]
    lines = []
    for line in cells:
        numbers = [cell.rjust(width) for cell, width in zip(line[:3], widths[:3], strict=True)]
        lines.append("  ".join([*numbers, line[3].ljust(widths[3]), line[4]]).rstrip())
    return lines
