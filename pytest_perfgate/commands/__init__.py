"""Subcommands of the ``perfgate`` command.

Each module defines ``configure(parser)``, which adds its arguments and sets ``run`` (a function of
the parsed arguments returning the exit status) with ``parser.set_defaults(run=...)``. Register it here.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable


class CommandError(Exception):
    """Bad input to a command: printed as ``perfgate CMD: error: ...`` with exit status 2, no traceback."""


Configure = Callable[[argparse.ArgumentParser], None]

#: name -> (one-line help, configure function)
COMMANDS: dict[str, tuple[str, Configure]] = {}


def _register() -> None:
    from . import calibrate

    COMMANDS["calibrate"] = (calibrate.HELP, calibrate.configure)


_register()
