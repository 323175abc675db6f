"""Subcommands of the ``perfgate`` command: each module's ``configure(parser)`` adds its arguments
and sets ``run`` (arguments -> exit status); it is registered below."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from ..reports.model import Report
from ..reports.reader import ReportError, read_report


class CommandError(Exception):
    """Bad input to a command: printed as ``perfgate CMD: error: ...`` with exit status 2, no traceback."""


def load(path: str) -> Report:
    """A JSON report, or a :class:`CommandError` naming the file and what is wrong with it."""
    try:
        return read_report(path)
    except ReportError as error:
        raise CommandError(str(error)) from None


Configure = Callable[[argparse.ArgumentParser], None]

#: name -> (one-line help, configure function)
COMMANDS: dict[str, tuple[str, Configure]] = {}

# The subcommands import CommandError and load from here, so they are registered below them.
from . import calibrate, compare, history, merge, show  # noqa: E402

COMMANDS.update(
    {
        "show": (show.HELP, show.configure),
        "compare": (compare.HELP, compare.configure),
        "merge": (merge.HELP, merge.configure),
        "history": (history.HELP, history.configure),
        "calibrate": (calibrate.HELP, calibrate.configure),
    }
)
