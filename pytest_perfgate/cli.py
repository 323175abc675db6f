"""The ``perfgate`` command: one subcommand per module in ``pytest_perfgate.commands``."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TextIO, cast

from .commands import COMMANDS, CommandError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="perfgate", description="Read, compare and merge pytest-perfgate reports."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (help_text, configure) in COMMANDS.items():
        configure(subparsers.add_parser(name, help=help_text, description=help_text))
    return parser


class _ReaderMayLeave:
    """Standard output that goes to /dev/null once its reader has gone (``perfgate show R | head -1``).

    The command then runs to its end, so its exit status keeps its meaning."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except BrokenPipeError:
            self.to_devnull()
            return len(text)

    def flush(self) -> None:
        try:
            self.stream.flush()
        except BrokenPipeError:
            self.to_devnull()

    def to_devnull(self) -> None:
        """Point the stream's file descriptor at /dev/null: what is still buffered goes nowhere."""
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, self.stream.fileno())
        finally:
            os.close(devnull)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


@contextlib.contextmanager
def _quiet_when_the_reader_leaves() -> Iterator[None]:
    stdout = _ReaderMayLeave(sys.stdout)
    with contextlib.redirect_stdout(cast(TextIO, stdout)):
        try:
            yield
        finally:
            stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 a gate failed, 2 bad input)."""
    with _quiet_when_the_reader_leaves():
        parser = build_parser()
        arguments = parser.parse_args(argv)
        run: Callable[[argparse.Namespace], int] = arguments.run
        try:
            return run(arguments)
        except CommandError as error:
            print(f"perfgate {arguments.command}: error: {error}", file=sys.stderr)
            return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
