"""A self-contained HTML page (``--perfgate-html``): the chart, the table and each test's details;
inline SVG and style, no script, nothing from the network."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

from ..quantities import format_memory, format_time
from ..record import Record
from . import instructions as counted
from .chart import render_svg
from .model import INCOMPLETE, Report, counts_line
from .outcome import shown
from .palette import CSS_VARIABLES, SHOWN_COLOURS
from .terminal import COLUMNS, LEGEND, differs, ordered, row

STYLE = (
    CSS_VARIABLES
    + """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #222; }
h1 { font-size: 22px; margin: 0 0 6px; }
h2 { font-size: 17px; margin: 28px 0 8px; }
h3 { font-size: 14px; margin: 16px 0 6px; font-family: monospace; }
h4 { font-size: 13px; margin: 12px 0 4px; }
p.counts { font-size: 15px; font-weight: 600; }
.warning { background: #fff4e0; border-left: 4px solid var(--verdict-warn);
  padding: 6px 10px; margin: 6px 0; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: left; vertical-align: top; }
td, th { white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.nodeid { font-family: monospace; white-space: normal; min-width: 24ch; max-width: 64ch;
  overflow-wrap: anywhere; }
td.verdict { white-space: normal; }
tr.verdict-fail td.verdict { color: var(--verdict-fail); font-weight: 700; }
tr.verdict-warn td.verdict { color: var(--verdict-warn); font-weight: 700; }
tr.verdict-pass td.verdict { color: var(--verdict-pass); }
tr.verdict-not-measured td.verdict { color: #666; }
tr.verdict-xfail td.verdict { color: var(--verdict-xfail); }
tr.verdict-xpass td.verdict { color: var(--verdict-xpass); }
tr.verdict-skip td.verdict { color: #666; }
.message { font-family: monospace; white-space: pre-wrap; color: var(--verdict-fail); }
footer { margin-top: 32px; font-size: 12px; color: #555; }
footer dt { font-weight: 600; float: left; clear: left; width: 160px; }
footer dd { margin-left: 170px; }
"""
)

NUMERIC = {3, 4, 5, 6, 7}


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: set[int], css: str) -> str:
    head = "".join(
        f'<th class="num">{escape(h)}</th>' if i in numeric else f"<th>{escape(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = []
    for cells in rows:
        body.append(
            "<tr>"
            + "".join(
                f'<td class="num">{escape(c)}</td>' if i in numeric else f"<td>{escape(c)}</td>"
                for i, c in enumerate(cells)
            )
            + "</tr>"
        )
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def summary_table(records: Sequence[Record]) -> str:
    """The terminal table as HTML, one row per test, worst ratio first."""
    counts = counted.shown(records)
    columns = counted.columns(COLUMNS, counts)
    numeric = NUMERIC | ({*range(len(COLUMNS) - 1, len(columns) - 1)} if counts else set())
    head = "".join(
        f'<th class="num">{escape(name)}</th>' if i in numeric else f"<th>{escape(name)}</th>"
        for i, name in enumerate(columns)
    )
    lines = [f'<table class="summary"><thead><tr>{head}</tr></thead><tbody>']
    for record in ordered(records):
        cells = row(record, counts)
        name = breakable(cells[0])
        if _has_details(record):
            name = f'<a href="#{_anchor(record.nodeid)}">{name}</a>'
        tds = [f'<td class="nodeid">{name}</td>']
        tds += [
            f'<td class="num">{escape(cell)}</td>' if i in numeric else f"<td>{escape(cell)}</td>"
            for i, cell in enumerate(cells[1:-1], start=1)
        ]
        tds.append(f'<td class="verdict">{escape(cells[-1])}</td>')
        lines.append(f'<tr class="verdict-{escape(shown(record))}">{"".join(tds)}</tr>')
    lines.append("</tbody></table>")
    if any(differs(record) for record in records):
        lines.append(f'<p class="legend">{escape(LEGEND)}</p>')
    return "\n".join(lines)


def breakable(nodeid: str) -> str:
    """A node id as HTML that wraps after its path separators (``/``, ``::``, ``[``), whole."""
    text = escape(nodeid)
    for separator in ("/", "::", "["):
        text = text.replace(separator, separator + "<wbr>")
    return text


def _has_details(record: Record) -> bool:
    return bool(record.message or record.notes or record.profile or record.allocations)


def _anchor(nodeid: str) -> str:
    return "test-" + "".join(ch if ch.isalnum() else "-" for ch in nodeid)


def _number(value: Any, kind: str) -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return "" if value is None else str(value)
    if kind == "time":
        return format_time(float(value))
    if kind == "bytes":
        return format_memory(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def profile_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """cProfile rows (function, file, line, calls, total_s, cumulative_s) as a table."""
    return _table(
        ("function", "file:line", "calls", "total", "cumulative"),
        (
            (
                str(entry.get("function", "")),
                f"{entry.get('file', '')}:{entry.get('line', '')}",
                _number(entry.get("calls"), "count"),
                _number(entry.get("total_s"), "time"),
                _number(entry.get("cumulative_s"), "time"),
            )
            for entry in rows
        ),
        {2, 3, 4},
        "profile",
    )


def allocations_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """Allocation sites (location, bytes, count) as a table."""
    return _table(
        ("location", "bytes", "allocations"),
        (
            (
                str(entry.get("location", "")),
                _number(entry.get("bytes"), "bytes"),
                _number(entry.get("count"), "count"),
            )
            for entry in rows
        ),
        {1, 2},
        "allocations",
    )


def details(record: Record) -> str:
    """The message, notes, profile and allocation tables of one test (empty when it has none)."""
    parts = []
    if record.message:
        parts.append(f'<p class="message">{escape(record.message)}</p>')
    if record.notes:
        parts.append("<ul>" + "".join(f"<li>{escape(note)}</li>" for note in record.notes) + "</ul>")
    if record.profile:
        parts.append("<h4>Profile of one call (cumulative time)</h4>" + profile_table(record.profile))
    if record.allocations:
        parts.append("<h4>Top allocation sites</h4>" + allocations_table(record.allocations))
    if not _has_details(record):
        return ""
    return (
        f'<section class="details" id="{_anchor(record.nodeid)}">'
        f"<h3>{escape(record.nodeid)}</h3>{''.join(parts)}</section>"
    )


def _footer(report: Report) -> str:
    machine = dict(report.machine)
    packages = machine.pop("packages", {}) or {}
    entries: list[tuple[str, str]] = [
        (key, str(value)) for key, value in machine.items() if value is not None
    ]
    entries += [(name, str(version)) for name, version in packages.items() if version]
    entries += [
        (f"setting {key}", str(value))
        for key, value in report.settings.items()
        if isinstance(value, (str, int, float, bool))
    ]
    if report.created:
        entries.insert(0, ("created", report.created))
    rows = "".join(f"<dt>{escape(key)}</dt><dd>{escape(value)}</dd>" for key, value in entries)
    return f"<footer><h2>Machine and settings</h2><dl>{rows}</dl></footer>"


def render(report: Report) -> str:
    """The whole page."""
    records = list(report.tests)
    body = [
        "<h1>perfgate</h1>",
        f'<p class="counts">{escape(counts_line(report.counts))}</p>',
    ]
    if not report.complete:
        body.append(f'<p class="warning">Incomplete: {escape(INCOMPLETE)}.</p>')
    body += [f'<p class="warning">{escape(warning)}</p>' for warning in report.warnings]
    body += [
        "<h2>Measured / budget (log scale)</h2>",
        f'<div class="chart">{render_svg(records)}</div>',
        "<h2>Summary</h2>",
        summary_table(records),
    ]
    sections = [details(record) for record in ordered(records)]
    if any(sections):
        body += ["<h2>Details</h2>", *[section for section in sections if section]]
    body.append(_footer(report))
    legend = ", ".join(f"{verdict}: {colour}" for verdict, colour in SHOWN_COLOURS.items())
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>perfgate report</title>\n<style>{STYLE}</style>\n"
        f"<!-- bar colours: {escape(legend)} -->\n"
        "</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )
