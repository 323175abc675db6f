"""What the subcommands share: :class:`CommandError` (exit status 2) and :func:`load` of a report."""

from __future__ import annotations

from ..reports.model import Report
from ..reports.reader import ReportError, read_report


class CommandError(Exception):
    """Bad input to a command: printed as ``perfgate CMD: error: ...`` with exit status 2, no traceback."""


def load(path: str) -> Report:
    """A JSON report, or a :class:`CommandError` naming the file (and the field) at fault."""
    try:
        return read_report(path)
    except ReportError as error:
        raise CommandError(str(error)) from None
