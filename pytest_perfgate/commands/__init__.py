"""Subcommands of the ``perfgate`` command: each module's ``configure(parser)`` adds its arguments
and sets ``run`` (arguments -> exit status); it is registered in :data:`COMMANDS`."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from . import calibrate, compare, history, merge, show
from .common import CommandError, load

__all__ = ["COMMANDS", "CommandError", "load"]

Configure = Callable[[argparse.ArgumentParser], None]

#: name -> (one-line help, configure function)
COMMANDS: dict[str, tuple[str, Configure]] = {
    "show": (show.HELP, show.configure),
    "compare": (compare.HELP, compare.configure),
    "merge": (merge.HELP, merge.configure),
    "history": (history.HELP, history.configure),
    "calibrate": (calibrate.HELP, calibrate.configure),
}
