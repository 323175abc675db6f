"""Report files: where they go (checked when pytest starts) and how they are written (atomically)."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


class ReportPathError(ValueError):
    """A report path that cannot be written; the message names the path and why."""


def resolve(text: str, base: Path) -> Path:
    """``~`` and environment variables expanded, relative to ``base`` (the invocation directory)."""
    path = Path(os.path.expandvars(os.path.expanduser(text)))
    return path if path.is_absolute() else base / path


def check_writable(path: Path) -> None:
    """Raise :class:`ReportPathError` when ``path`` is a directory or its directory cannot take a file."""
    if path.is_dir():
        raise ReportPathError(f"{path} is a directory; give a file name")
    parent = path.parent
    if not parent.exists():
        raise ReportPathError(f"{path}: directory {parent} does not exist")
    if not parent.is_dir():
        raise ReportPathError(f"{path}: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ReportPathError(f"{path}: directory {parent} is not writable")
    if path.exists() and not os.access(path, os.W_OK):
        raise ReportPathError(f"{path} is not writable")


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) so that a reader sees the old file or the whole new one, never a part.

    The text goes to a temporary file in the same directory, which then replaces ``path``. Raises
    :class:`ReportPathError` naming the path when that fails.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException as error:  # an interrupt too: no temporary file is left behind
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise ReportPathError(f"cannot write {path}: {error.strerror or error}") from None
        raise
