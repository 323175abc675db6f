"""``perfgate history [--test PATTERN] [--db URL] [--last N] [--html OUT] [--accept]``: trends.

Per test a sparkline, the latest figure against the median before it, the budget and each step."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ..history.analysis import sparkline
from ..history.chart import page
from ..history.context import utc_now
from ..history.redact import redact
from ..history.store import DEFAULT_PATH, HistoryError, Run, is_url, open_store
from ..history.trends import Trend, step_text, trends_of
from ..quantities import format_ratio
from ..reports.files import ReportPathError, write_atomically
from .accept import accept
from .common import CommandError

HELP = "show each test's trend over the runs in the history store"
ASCII_SPARKS = " .:-=+*#"


#: The most runs ``--last`` may ask for (more than any history holds).
MOST_RUNS = 1_000_000


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    if number > MOST_RUNS:
        raise argparse.ArgumentTypeError(f"{text!r} is more than the {MOST_RUNS:,} runs --last can show")
    return number


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--test", metavar="PATTERN", help="only tests whose node id matches (glob, or a part of it)"
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help=f"the store: a SQLite file or postgresql:// URL (default: {DEFAULT_PATH} here)",
    )
    parser.add_argument("--last", metavar="N", type=_positive, default=30, help="runs to show (default 30)")
    parser.add_argument("--html", metavar="OUT", help="also write a page with a trend chart per test")
    parser.add_argument(
        "--accept",
        action="store_true",
        help="accept each matching test's level as of its latest run: the history check stops "
        "failing a step up it found, and judges later runs against the new level",
    )
    parser.set_defaults(run=run)


def _sparks(values: Sequence[float | None]) -> str:
    line = sparkline(values)
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        line.encode(encoding)
    except UnicodeEncodeError:
        return "".join(
            "?" if char == "·" else ASCII_SPARKS["▁▂▃▄▅▆▇█".index(char)] if char in "▁▂▃▄▅▆▇█" else char
            for char in line
        )
    return line


def table_lines(trends: Sequence[Trend], last: int) -> list[str]:
    """The aligned table, each test followed by its steps."""
    header = (
        "test",
        "figure",
        f"trend (last {last})",
        "latest",
        "median before",
        "ratio",
        "trend",
        "budget",
    )
    rows: list[tuple[tuple[str, ...], list[str]]] = []
    for trend in trends:
        show = trend.show
        cells = (
            trend.nodeid,
            trend.label,
            _sparks(trend.values),
            "-" if trend.latest is None else show(trend.latest),
            "-" if trend.before is None else show(trend.before),
            format_ratio(trend.ratio),
            trend.direction,
            "-" if trend.budget is None else show(trend.budget),
        )
        rows.append((cells, [f"  {step_text(trend, step, run)}" for step, run in trend.steps]))
    widths = [max(len(cells[i]) for cells in [header, *(row for row, _ in rows)]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    lines = [line(header)]
    for row, steps in rows:
        lines.append(line(row))
        lines += steps
    return lines


def _span(runs: Sequence[Run]) -> str:
    first, last = runs[0].started_at[:16].replace("T", " "), runs[-1].started_at[:16].replace("T", " ")
    return f"{first} .. {last} UTC"


def run(arguments: argparse.Namespace) -> int:
    location = arguments.db or str(Path.cwd() / DEFAULT_PATH)
    if not is_url(location) and not Path(location).exists():
        raise CommandError(
            f"no history store at {location}: run pytest with --perfgate-history first, or give --db"
        )
    if arguments.accept:
        if arguments.html:
            raise CommandError("--accept writes to the store and prints no trends: leave out --html")
        return accept(location, arguments.test)
    try:
        with open_store(location, readonly=True) as store:
            runs = store.runs(arguments.test, arguments.last)
            known = len(runs) or bool(arguments.test and store.runs(None, 1))
    except HistoryError as error:
        raise CommandError(str(error)) from None
    name = redact(location)
    if not runs:
        if known:
            raise CommandError(f"no test matching {arguments.test!r} in {name}")
        print(f"perfgate history: {name} holds no runs yet")
        return 0
    trends = trends_of(runs)
    print(f"perfgate history: {name}: {len(trends)} tests, {len(runs)} runs ({_span(runs)})")
    print()
    for text in table_lines(trends, arguments.last):
        print(text)
    if arguments.html:
        out = Path(arguments.html)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CommandError(f"cannot write {out}: {error.strerror or error}") from None
        try:
            write_atomically(out, page(trends, name, utc_now()))
        except ReportPathError as error:
            raise CommandError(str(error)) from None
        print()
        print(f"perfgate history: wrote {out}")
    return 0
