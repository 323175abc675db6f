"""``perfgate compare OLD.json NEW.json``: per-test ratios new/old; exit 1 when a test got slower."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from ..config.settings import STATS
from ..quantities import format_ratio, parse_fraction
from ..reports.model import Report
from ..verdict.regression import (
    ALPHA,
    COUNT_MAX_REGRESSION,
    FASTER,
    INCOMPARABLE,
    INSTRUCTIONS,
    NOT_SIGNIFICANT,
    REGRESSED,
    UNCHANGED,
    Figures,
    judge,
    shown_change,
    shown_figure,
)
from .common import load

HELP = "compare two JSON reports test by test; exit 1 when a test got slower than allowed"


def fraction(text: str) -> float:
    """``"10%"`` or ``"0.1"`` -> 0.1 (an argparse type)."""
    try:
        return parse_fraction(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("old", metavar="OLD.json", help="the reference report")
    parser.add_argument("new", metavar="NEW.json", help="the report to judge")
    parser.add_argument(
        "--max-regression",
        type=fraction,
        default=0.10,
        metavar="FRACTION",
        help="allowed slowdown per test, e.g. 10%% or 0.1 (default: 10%%)",
    )
    parser.add_argument(
        "--max-instructions-regression",
        type=fraction,
        default=COUNT_MAX_REGRESSION,
        metavar="FRACTION",
        help="allowed growth of instruction counts, where both reports have them (default: 1%%)",
    )
    parser.add_argument(
        "--stat",
        choices=STATS,
        default=None,
        help="statistic to compare (default: the one each test was judged on in NEW)",
    )
    parser.set_defaults(run=run)


#: The rule's statuses as the table shows them; "slower" is a regression (exit status 1).
SHOWN = {
    REGRESSED: "slower",
    NOT_SIGNIFICANT: "not significant",
    FASTER: "faster",
    UNCHANGED: "same",
    INCOMPARABLE: "not comparable",
}
STATUSES = ("slower", "not significant", "faster", "same", "new", "removed", "not comparable")


@dataclass(frozen=True)
class Row:
    nodeid: str
    stat: str
    old: float | None
    new: float | None
    status: str  # one of STATUSES
    #: What decided a slower or not significant row (the rank test, or why the ratio alone).
    basis: str = ""

    @property
    def ratio(self) -> float | None:
        if self.old is None or self.new is None or self.old <= 0:
            return None
        return self.new / self.old


def compare(
    old: Report, new: Report, max_regression: float, stat: str | None, max_count: float = COUNT_MAX_REGRESSION
) -> list[Row]:
    """One row per test of either report; slowest change first, then new, removed, not comparable."""
    old_records = {record.nodeid: record for record in old.tests}
    new_records = {record.nodeid: record for record in new.tests}
    rows = []
    for nodeid in sorted(old_records.keys() | new_records.keys()):
        before, after = old_records.get(nodeid), new_records.get(nodeid)
        result = judge(Figures.of(before), Figures.of(after), max_regression, stat, max_count)
        if before is None or after is None:
            figures = Figures.of(after or before)
            value = None if figures is None else figures.value_for(result.stat)
            old_value, new_value = (None, value) if before is None else (value, None)
            rows.append(
                Row(nodeid, result.stat, old_value, new_value, "new" if before is None else "removed")
            )
            continue
        basis = result.basis if result.status in (REGRESSED, NOT_SIGNIFICANT) else ""
        rows.append(Row(nodeid, result.stat, result.old_s, result.new_s, SHOWN[result.status], basis))
    order = {"slower": 0, "not significant": 1, "faster": 1, "same": 1, "new": 2, "removed": 3}
    return sorted(rows, key=lambda row: (order.get(row.status, 4), -(row.ratio or 0.0), row.nodeid))


def table(rows: list[Row]) -> list[str]:
    cells = [("test", "stat", "old", "new", "new/old", "change")]
    for row in rows:
        cells.append(
            (
                row.nodeid,
                row.stat,
                "-" if row.old is None else shown_figure(row.stat, row.old),
                "-" if row.new is None else shown_figure(row.stat, row.new),
                format_ratio(row.ratio),
                row.status.upper() if row.status == "slower" else row.status,
            )
        )
    widths = [max(len(line[i]) for line in cells) for i in range(5)]
    return [
        "  ".join([*(cell.ljust(width) for cell, width in zip(line[:-1], widths, strict=True)), line[-1]])
        for line in cells
    ]


def basis_lines(rows: list[Row], allowed: float, max_count: float = COUNT_MAX_REGRESSION) -> list[str]:
    """What decided each test over the allowed change: the rank test, or why the ratio alone."""
    lines = [
        f"{row.nodeid}: {row.stat} {shown_change(row.stat, ratio - 1)} > "
        f"{shown_change(row.stat, max_count if row.stat == INSTRUCTIONS else allowed)}: {row.basis}"
        for row in rows
        if row.basis and (ratio := row.ratio) is not None
    ]
    return [*lines, ""] if lines else []


def run(arguments: argparse.Namespace) -> int:
    old, new = load(arguments.old), load(arguments.new)
    rows = compare(old, new, arguments.max_regression, arguments.stat, arguments.max_instructions_regression)
    counts = {status: sum(row.status == status for row in rows) for status in STATUSES}
    allowed = arguments.max_regression
    lines = [
        f"perfgate compare {arguments.old} -> {arguments.new} (max regression {allowed:.0%}; "
        f"where both have rounds, also Mann-Whitney p < {ALPHA:g}; "
        f"instruction counts: {arguments.max_instructions_regression:.0%})"
    ]
    for name, report in (("old", old), ("new", new)):
        if not report.complete:
            lines.append(f"note: the {name} report is incomplete (its run stopped before its end)")
    cpus = {str(report.machine.get("cpu")) for report in (old, new) if report.machine.get("cpu")}
    if len(cpus) > 1:
        lines.append(f"note: the reports come from different machines ({' vs '.join(sorted(cpus))})")
    if rows:
        lines += ["", *table(rows), ""]
    lines += basis_lines(rows, allowed, arguments.max_instructions_regression)
    lines.append(
        ", ".join(f"{number} {status}" for status, number in counts.items() if number)
        or "no tests in either report"
    )
    print("\n".join(lines))
    return 1 if counts.get("slower") else 0
