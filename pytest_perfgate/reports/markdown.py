"""The summary as a Markdown table (``--perfgate-markdown``), e.g. for ``$GITHUB_STEP_SUMMARY``."""

from __future__ import annotations

import re

from ..record import FAIL
from . import instructions as counted
from .model import INCOMPLETE, Report, counts_line
from .outcome import shown
from .terminal import COLUMNS, LEGEND, differs, ordered, row

#: Columns aligned left; the others hold figures, aligned right. One delimiter per column, or GitHub
#: shows no table at all.
TEXT_COLUMNS = ("test", "target", "stat", "verdict")


def cell(text: str) -> str:
    """Text made safe for a table cell: one line, pipes escaped, no raw HTML."""
    return " ".join(text.split()).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def code(text: str) -> str:
    """A code span for a node id: its fence longer than any run of backticks in it, with spaces
    inside where it holds one (so none can close the span early); pipes escaped for GitHub tables."""
    text = " ".join(text.split()).replace("|", "\\|")
    longest = max(map(len, re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}" if longest else f"{fence}{text}{fence}"


def settings_line(report: Report) -> str:
    settings = report.settings
    parts = [f"{key} {settings[key]}" for key in ("stat", "mode", "scale") if key in settings]
    if report.targets:
        parts.append(f"{len(report.targets)} targets")
    return " · ".join(parts)


def render(report: Report) -> str:
    """The Markdown document: a title, a line of counts per verdict, warnings, the table, the notes."""
    lines = ["## perfgate", "", f"**{counts_line(report.counts)}**"]
    details = settings_line(report)
    if details:
        lines[-1] += f" ({details})"
    lines.append("")
    if not report.complete:
        lines += [f"> **Incomplete:** {INCOMPLETE}.", ""]
    for warning in report.warnings:
        lines += [f"> **Warning:** {cell(warning)}", ""]
    if report.tests:
        counts = counted.shown(report.tests)
        columns = counted.columns(COLUMNS, counts)
        lines.append("| " + " | ".join(columns) + " |")
        lines.append("|" + "|".join("---" if name in TEXT_COLUMNS else "---:" for name in columns) + "|")
        for record in ordered(report.tests):
            cells = row(record, counts)
            verdict = f"**{cell(cells[-1])}**" if shown(record) == FAIL else cell(cells[-1])
            lines.append("| " + " | ".join([code(cells[0]), *map(cell, cells[1:-1]), verdict]) + " |")
        lines.append("")
        if any(differs(record) for record in report.tests):
            lines += ["\\" + cell(LEGEND), ""]  # escaped: a leading * would make a list item
    notes = [(record.nodeid, note) for record in ordered(report.tests) for note in record.notes]
    if notes:
        lines += ["Notes:", ""]
        lines += [f"- {code(nodeid)}: {cell(note)}" for nodeid, note in notes]
        lines.append("")
    return "\n".join(lines)
