"""Opening the history store: a file path, ``sqlite:///path`` or a ``postgresql://`` URL.

Also the names every caller of the store uses (:class:`Run`, :class:`Result`, :class:`HistoryError`).
"""

from __future__ import annotations

from pathlib import Path

from ..config.patterns import matches_part as matches
from ..measure.machine import Machine
from .model import HistoryError, Result, Run
from .redact import redact
from .sql import Store, like_patterns

__all__ = [
    "DEFAULT_PATH",
    "HistoryError",
    "Machine",
    "Result",
    "Run",
    "Store",
    "is_url",
    "like_patterns",
    "matches",
    "open_store",
    "resolve_location",
]

#: Where ``--perfgate-history`` without a URL and ``perfgate history`` without ``--db`` look.
DEFAULT_PATH = Path(".perfgate") / "history.sqlite"


def is_url(location: str) -> bool:
    return "://" in location


def resolve_location(value: str | None, rootdir: Path, invocation_dir: Path) -> str:
    """The store an option names: a URL or absolute path as given, a relative path from where pytest
    was invoked, and nothing (``--perfgate-history`` alone) the default under the rootdir."""
    if not value:
        return str(rootdir / DEFAULT_PATH)
    if is_url(value) or Path(value).is_absolute():
        return value
    return str(invocation_dir / value)


def open_store(location: str | Path, *, readonly: bool = False) -> Store:
    """Open the store at a file path, ``sqlite:///path`` or a ``postgresql://`` URL.

    Writable stores are created (with their folder) and migrated in place; read-only ones must
    exist. Raises :class:`HistoryError` naming the store.
    """
    text = str(location)
    if text.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgresStore

        return PostgresStore.open(text, readonly=readonly)
    if text.startswith("sqlite://"):
        text = text[len("sqlite://") :] or "/"
    elif is_url(text):
        raise HistoryError(
            f"history store {redact(text)}: unsupported URL; give a file path, sqlite:///PATH "
            "or postgresql://USER@HOST:PORT/DATABASE"
        )
    from .sqlite import SQLiteStore

    return SQLiteStore.open(Path(text), readonly=readonly)
