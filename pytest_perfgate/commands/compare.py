"""``perfgate compare OLD.json NEW.json``: per-test ratios new/old; exit 1 when a test got slower."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from ..config.settings import STATS
from ..quantities import format_time, parse_fraction
from ..record import Record
from ..reports.model import Report
from ..stats.summary import statistic
from . import load

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
        "--stat",
        choices=STATS,
        default=None,
        help="statistic to compare (default: the one each test was judged on in NEW)",
    )
    parser.set_defaults(run=run)


def value(record: Record | None, stat: str) -> float | None:
    """The record's time statistic ``stat`` (from its figures or its raw rounds), if it has it."""
    time = None if record is None else record.time
    if time is None:
        return None
    if stat == time.stat:
        return time.value_s
    if stat in ("min", "median", "mean", "max"):
        figure: float = getattr(time, stat)
        return figure
    return statistic(time.data, stat) if time.data else None


STATUSES = ("slower", "faster", "same", "new", "removed", "not comparable")


@dataclass(frozen=True)
class Row:
    nodeid: str
    stat: str
    old: float | None
    new: float | None
    status: str  # slower, faster, same, new, removed, not comparable

    @property
    def ratio(self) -> float | None:
        if self.old is None or self.new is None or self.old <= 0:
            return None
        return self.new / self.old


def compare(old: Report, new: Report, max_regression: float, stat: str | None) -> list[Row]:
    """One row per test of either report; slowest change first, then new, removed, not comparable."""
    old_records = {record.nodeid: record for record in old.tests}
    new_records = {record.nodeid: record for record in new.tests}
    rows = []
    for nodeid in sorted(old_records.keys() | new_records.keys()):
        before, after = old_records.get(nodeid), new_records.get(nodeid)
        chosen = stat or (after.time.stat if after and after.time else None)
        chosen = chosen or (before.time.stat if before and before.time else "median")
        old_value, new_value = value(before, chosen), value(after, chosen)
        if before is None:
            status = "new"
        elif after is None:
            status = "removed"
        elif old_value is None or new_value is None or old_value <= 0:
            status = "not comparable"
        elif new_value > old_value * (1 + max_regression):
            status = "slower"
        elif new_value * (1 + max_regression) < old_value:
            status = "faster"
        else:
            status = "same"
        rows.append(Row(nodeid, chosen, old_value, new_value, status))
    order = {"slower": 0, "faster": 1, "same": 1, "new": 2, "removed": 3, "not comparable": 4}
    return sorted(rows, key=lambda row: (order[row.status], -(row.ratio or 0.0), row.nodeid))


def table(rows: list[Row]) -> list[str]:
    cells = [("test", "stat", "old", "new", "new/old", "change")]
    for row in rows:
        ratio = row.ratio
        cells.append(
            (
                row.nodeid,
                row.stat,
                "-" if row.old is None else format_time(row.old),
                "-" if row.new is None else format_time(row.new),
                "-" if ratio is None else f"{ratio:.2f}x",
                row.status.upper() if row.status == "slower" else row.status,
            )
        )
    widths = [max(len(line[i]) for line in cells) for i in range(5)]
    return [
        "  ".join([*(cell.ljust(width) for cell, width in zip(line[:-1], widths, strict=True)), line[-1]])
        for line in cells
    ]


def run(arguments: argparse.Namespace) -> int:
    old, new = load(arguments.old), load(arguments.new)
    rows = compare(old, new, arguments.max_regression, arguments.stat)
    counts = {status: sum(row.status == status for row in rows) for status in STATUSES}
    lines = [
        f"perfgate compare {arguments.old} -> {arguments.new} (max regression {arguments.max_regression:.0%})"
    ]
    for name, report in (("old", old), ("new", new)):
        if not report.complete:
            lines.append(f"note: the {name} report is incomplete (its run stopped before its end)")
    cpus = {str(report.machine.get("cpu")) for report in (old, new) if report.machine.get("cpu")}
    if len(cpus) > 1:
        lines.append(f"note: the reports come from different machines ({' vs '.join(sorted(cpus))})")
    if rows:
        lines += ["", *table(rows), ""]
    lines.append(
        ", ".join(f"{number} {status}" for status, number in counts.items() if number)
        or "no tests in either report"
    )
    print("\n".join(lines))
    return 1 if counts.get("slower") else 0
