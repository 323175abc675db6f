"""The default history store: one SQLite file (WAL, busy timeout); each run is one ``BEGIN
IMMEDIATE`` transaction, so two sessions writing at once wait for each other."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .model import HistoryError
from .sql import Store

#: How long a writer waits for another one to finish its transaction.
BUSY_TIMEOUT_S = 60.0


class SQLiteStore(Store):
    dialect = "sqlite"

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self.name = str(path)
        self.connection = connection

    @classmethod
    def open(cls, path: Path, *, readonly: bool = False) -> SQLiteStore:
        if readonly:
            return cls._open_readonly(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise HistoryError(f"history store {path}: cannot create its folder: {error}") from None
        try:
            connection = _connect(path, "mode=rwc")
        except sqlite3.Error as error:
            raise HistoryError(f"history store {path}: cannot open: {error}") from None
        store = cls(path, connection)
        try:
            store._enable_wal()
            store.migrate()
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def _open_readonly(cls, path: Path) -> SQLiteStore:
        """Read-only; where even that needs a write (a WAL file's index on a read-only mount), the file
        is read as immutable (what a writer left in its WAL and did not check in is then not seen)."""
        if not path.is_file():
            raise HistoryError(f"history store {path}: no such file")
        first: sqlite3.Error | None = None
        for query in ("mode=ro", "mode=ro&immutable=1"):
            try:
                connection = _connect(path, query)
            except sqlite3.Error as error:
                first = first or error
                continue
            store = cls(path, connection)
            try:
                connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.Error as error:
                first = first or error
                store.close()
                continue
            try:
                store.check_readable()
            except BaseException:
                store.close()
                raise
            return store
        raise _error(path, "cannot read", first or sqlite3.Error("cannot open"))

    def _enable_wal(self) -> None:
        """Switch to WAL (once per file: it persists). The switch does not wait for the busy
        timeout where another session is creating the file, so it is retried until then."""
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                self.connection.execute("PRAGMA journal_mode=WAL").fetchall()
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise self.error("cannot open for writing", error) from None
                time.sleep(0.02)
            except sqlite3.Error as error:
                raise self.error("cannot open for writing", error) from None

    def error(self, what: str, error: BaseException) -> HistoryError:
        return _error(self.path, what, error)

    def close(self) -> None:
        self.connection.close()

    def _errors(self) -> tuple[type[BaseException], ...]:
        return (sqlite3.Error,)

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        cursor = self.connection.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        try:
            yield cursor
        except BaseException:
            if self.connection.in_transaction:
                self.connection.rollback()
            raise
        else:
            cursor.execute("COMMIT")
        finally:
            cursor.close()

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        cursor = self.connection.cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    def _table_exists(self, cursor: Any, table: str) -> bool:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
        return cursor.fetchone() is not None


def _connect(path: Path, query: str) -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}?{query}"
    return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)


def _error(path: Path, what: str, error: BaseException) -> HistoryError:
    text = str(error)
    if "readonly" in text.replace(" ", "") or (path.exists() and not os.access(path, os.W_OK)):
        text += " (the file is read-only)"
    elif "not a database" in text:
        text += " (the file is not a perfgate history)"
    return HistoryError(f"history store {path}: {what}: {text}")
