"""The instruction-count columns of the summary tables, shown only when a record has counts."""

from __future__ import annotations

from collections.abc import Iterable

from ..quantities import format_instructions, format_ratio
from ..record import Record

COLUMNS = ("instructions", "budget", "ratio", "cycles est")


def shown(records: Iterable[Record]) -> bool:
    """Whether any record carries instruction counts (instructions mode)."""
    return any(record.instructions is not None for record in records)


def cells(record: Record) -> tuple[str, ...]:
    """instructions, budget, ratio and estimated cycles cells ("-" where there is none)."""
    figures = record.instructions
    if figures is None:
        return ("-",) * len(COLUMNS)
    return (
        format_instructions(figures.count),
        format_instructions(figures.budget) if figures.budget is not None else "-",
        format_ratio(figures.ratio),
        format_instructions(figures.cycles_est) if figures.cycles_est is not None else "-",
    )


def columns(base: tuple[str, ...], counts: bool) -> tuple[str, ...]:
    """The table's columns: the count columns go before the last (verdict) column."""
    return (*base[:-1], *COLUMNS, base[-1]) if counts else base
