"""The ``perfgate`` section of the terminal summary: one row per performance test, worst first."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..quantities import format_memory, format_ratio, format_time
from ..record import Record
from . import instructions as counted
from .outcome import shown_text

COLUMNS = ("test", "target", "stat", "time", "cpu", "budget", "ratio", "memory", "budget", "verdict")


#: Gates beyond one call shown in the time columns: kind -> (stat label, measured key, limit key, format).
GATE_COLUMNS: dict[str, tuple[str, str, str, str]] = {
    "scaling": ("n^k", "exponent", "max_exponent", "{:.2f}"),
    "concurrent": ("slowdown", "slowdown", "max_slowdown", "{:.2f}x"),
}


def _gate_cells(record: Record) -> tuple[str, str, str, str] | None:
    """stat, value, budget and ratio cells of a gate beyond one call, when the record is one."""
    for kind, (label, measured, limit, style) in GATE_COLUMNS.items():
        figures = record.extra.get(kind)
        if isinstance(figures, dict) and isinstance(figures.get(measured), (int, float)):
            ratio = figures.get("ratio")
            return (
                label,
                style.format(figures[measured]),
                style.format(figures[limit]) if isinstance(figures.get(limit), (int, float)) else "-",
                format_ratio(ratio if isinstance(ratio, (int, float)) else None),
            )
    return None


#: Marks a time that is perfgate's figure where it differs from the raw one pytest-benchmark shows.
DIFFERS = "*"
LEGEND = (
    f"{DIFFERS} perfgate's figure, beside the raw one pytest-benchmark shows for the same test: other "
    "processes' time taken out, or rounds perfgate took again (see the notes)"
)


def differs(record: Record) -> bool:
    """Whether the record's time, as shown, is not the raw figure of the first rounds."""
    time = record.time
    return (
        time is not None
        and time.raw_value_s is not None
        and format_time(time.raw_value_s) != format_time(time.value_s)
    )


def _time_cells(record: Record) -> tuple[str, str, str, str, str]:
    """stat, value, cpu, budget and ratio cells."""
    time = record.time
    if time is None:
        stat, value, budget, ratio = _gate_cells(record) or ("-", "-", "-", "-")
        return stat, value, "-", budget, ratio
    value = format_time(time.value_s)
    if differs(record) and time.raw_value_s is not None:
        value += f"{DIFFERS} (raw {format_time(time.raw_value_s)})"
    return (
        time.stat,
        value,
        format_time(time.cpu_s) if time.cpu_s is not None else "-",
        format_time(time.budget_s) if time.budget_s is not None else "-",
        format_ratio(time.ratio),
    )


def row(record: Record, counts: bool = False) -> tuple[str, ...]:
    """The summary cells of one record (a scaling or concurrent gate fills the time columns), with
    ``counts`` the instruction-count cells, and the verdict as pytest's outcome makes it."""
    memory = record.memory
    return (
        record.nodeid,
        record.target or "-",
        *_time_cells(record),
        format_memory(memory.peak_bytes) if memory and memory.peak_bytes is not None else "-",
        format_memory(memory.budget_bytes) if memory and memory.budget_bytes is not None else "-",
        *(counted.cells(record) if counts else ()),
        shown_text(record),
    )


def ordered(records: Iterable[Record]) -> list[Record]:
    """Worst ratio first; ties by node id so the order is stable."""
    return sorted(records, key=lambda record: (-record.worst_ratio, record.nodeid))


def table_lines(records: Sequence[Record]) -> list[str]:
    """An aligned plain-text table of the records (and the legend of :data:`DIFFERS` where it is used)."""
    counts = counted.shown(records)
    header = counted.columns(COLUMNS, counts)
    rows = [header, *(row(record, counts) for record in ordered(records))]
    widths = [max(len(cells[i]) for cells in rows) for i in range(len(header) - 1)]
    lines = []
    for cells in rows:
        padded = [cell.ljust(width) for cell, width in zip(cells[:-1], widths, strict=True)]
        lines.append("  ".join([*padded, cells[-1]]).rstrip())
    if any(differs(record) for record in records):
        lines.append(LEGEND)
    return lines


def notes_lines(records: Sequence[Record]) -> list[str]:
    """One line per note a record carries (tracing, contention, backend substitutions, ...)."""
    return [f"{record.nodeid}: {note}" for record in ordered(records) for note in record.notes]
