"""What the subcommands share: :class:`CommandError` (exit status 2), :func:`load` of a report, and the
report files (``--markdown``, ``--html``) written by the plugin's own renderers."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

from ..reports.collector import OUTPUTS
from ..reports.files import ReportPathError, check_writable, write_atomically
from ..reports.model import Report
from ..reports.reader import ReportError, read_report

#: The report files a command can write from a JSON report, by option, as the plugin's
#: ``--perfgate-markdown`` and ``--perfgate-html`` write them.
FILE_OPTIONS = ("markdown", "html")


class CommandError(Exception):
    """Bad input to a command: printed as ``perfgate CMD: error: ...`` with exit status 2, no traceback."""


def load(path: str) -> Report:
    """A JSON report, or a :class:`CommandError` naming the file (and the field) at fault."""
    try:
        return read_report(path)
    except ReportError as error:
        raise CommandError(str(error)) from None


def add_file_options(parser: argparse.ArgumentParser, what: str) -> None:
    """``--markdown PATH`` and ``--html PATH``: ``what`` also written as those reports."""
    parser.add_argument(
        "--markdown",
        metavar="PATH",
        help=f"also write {what} as Markdown, as --perfgate-markdown does: PATH is replaced, so "
        'append it to a CI step summary with cat PATH >> "$GITHUB_STEP_SUMMARY"',
    )
    parser.add_argument(
        "--html",
        metavar="PATH",
        help=f"also write {what} as one self-contained HTML page, as --perfgate-html does",
    )


def output_paths(arguments: argparse.Namespace, **given: str | None) -> dict[str, Path]:
    """The report files asked for (``given`` first, then ``--markdown``/``--html``), each checked
    before anything is written: a :class:`CommandError` names a file that cannot be written."""
    named = {**given, **{name: getattr(arguments, name, None) for name in FILE_OPTIONS}}
    paths = {name: Path(value) for name, value in named.items() if value}
    seen: dict[Path, str] = {}
    for name, path in paths.items():
        other = seen.setdefault(path.resolve(), name)
        if other != name:
            raise CommandError(f"{path}: given for both the {other} and the {name} report")
        try:
            check_writable(path)
        except ReportPathError as error:
            raise CommandError(str(error)) from None
    return paths


def write_files(report: Report, paths: Mapping[str, Path]) -> None:
    """Write ``report`` to each path (name -> path, names of :data:`.collector.OUTPUTS`), atomically,
    with the renderer the plugin uses for that report file."""
    for name, path in paths.items():
        try:
            write_atomically(path, OUTPUTS[name](report))
        except ReportPathError as error:
            raise CommandError(str(error)) from None
