"""``perfgate show REPORT.json [--markdown PATH] [--html PATH]``: a report as a readable table, and as
the plugin's Markdown and HTML reports."""

from __future__ import annotations

import argparse

from ..reports import terminal
from ..reports.model import INCOMPLETE, Report, counts_line
from .common import add_file_options, load, output_paths, write_files

HELP = "print a JSON report as a table"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("report", metavar="REPORT.json", help="a report written by --perfgate-json")
    add_file_options(parser, "the report")
    parser.set_defaults(run=run)


def machine_line(machine: dict[str, object]) -> str:
    parts = [str(machine[key]) for key in ("cpu", "os") if machine.get(key)]
    if machine.get("cores"):
        parts.insert(1, f"{machine['cores']} cores")
    if machine.get("python"):
        parts.append(f"Python {machine['python']}")
    commit = machine.get("commit")
    if isinstance(commit, str):
        parts.append(f"commit {commit[:12]}" + (f" ({machine['branch']})" if machine.get("branch") else ""))
    return ", ".join(parts) or "unknown"


def header_lines(report: Report, source: str) -> list[str]:
    """What the report is about: when, where, with which settings, and its counts per verdict."""
    when = report.created or "unknown time"
    if report.duration_s is not None:
        when += f", {report.duration_s:g} s"
    lines = [f"perfgate report {source}", f"created: {when}"]
    if not report.complete:
        lines.append(f"INCOMPLETE: {INCOMPLETE}")
    lines.append(f"machine: {machine_line(dict(report.machine))}")
    if report.settings:
        settings = ", ".join(
            f"{key}={report.settings[key]}" for key in ("stat", "mode", "scale") if key in report.settings
        )
        lines.append(f"settings: {settings}, targets={len(report.targets)}")
    lines += [f"merged from: {part.get('path')}" for part in report.merged_from]
    lines += [f"warning: {warning}" for warning in report.warnings]
    lines.append(counts_line(report.counts))
    return lines


def run(arguments: argparse.Namespace) -> int:
    paths = output_paths(arguments)
    report = load(arguments.report)
    write_files(report, paths)
    lines = header_lines(report, arguments.report)
    if report.tests:
        lines += ["", *terminal.table_lines(report.tests), *terminal.notes_lines(report.tests)]
    lines += [f"perfgate: wrote the {name} report to {path}" for name, path in paths.items()]
    print("\n".join(lines))
    return 0
