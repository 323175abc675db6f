"""SQLite repository of strategies (standard library ``sqlite3``, WAL journal).

Each strategy is one row: its unique name, its creation time (UTC microseconds since the epoch,
so that range queries compare integers) and its definition as JSON. The name has a unique index;
the creation time is indexed together with the name, which orders ties.
:meth:`StrategyRepository.save` commits every call; :meth:`StrategyRepository.save_many` writes a
whole batch in one transaction.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from types import TracebackType

from trading.strategy import Strategy

SCHEMA = """
CREATE TABLE IF NOT EXISTS strategies (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    definition TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS idx_strategies_name ON strategies (name);
CREATE INDEX IF NOT EXISTS idx_strategies_created ON strategies (created_us, name);
"""

UPSERT_SQL = """
INSERT INTO strategies (name, created_us, definition) VALUES (?, ?, ?)
ON CONFLICT (name) DO UPDATE SET
    created_us = excluded.created_us,
    definition = excluded.definition
"""
GET_BY_NAME_SQL = "SELECT definition FROM strategies WHERE name = ?"
CREATED_BETWEEN_SQL = (
    "SELECT definition FROM strategies WHERE created_us >= ? AND created_us < ? ORDER BY created_us, name"
)

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

PathLike = str | os.PathLike[str]


def to_epoch_us(moment: datetime) -> int:
    """Microseconds since the Unix epoch of a timezone-aware datetime."""
    if moment.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware, got {moment!r}")
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _row(strategy: Strategy) -> tuple[str, int, str]:
    strategy.validate()
    definition = json.dumps(strategy.to_dict(), separators=(",", ":"))
    return strategy.name, to_epoch_us(strategy.created_at), definition


class StrategyRepository:
    """Strategies stored in the SQLite file at ``path`` (created if missing)."""

    def __init__(self, path: PathLike) -> None:
        self.path = os.fspath(path)
        self._conn = sqlite3.connect(self.path, isolation_level=None)
        mode = self._conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            self._conn.close()
            raise RuntimeError(f"{self.path}: could not enable WAL journal mode (got {mode!r})")
        self._conn.executescript(SCHEMA)

    # -- lifecycle ------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __enter__(self) -> StrategyRepository:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- writes ---------------------------------------------------------------------------------

    def save(self, strategy: Strategy) -> None:
        """Insert or replace ``strategy`` (by name) and commit."""
        row = _row(strategy)
        with self._transaction():
            self._conn.execute(UPSERT_SQL, row)

    def save_many(self, strategies: Iterable[Strategy]) -> int:
        """Insert or replace every strategy in one transaction; returns how many were written.

        Every strategy is validated before anything is written, so a bad one writes nothing.
        """
        rows = [_row(s) for s in strategies]
        with self._transaction():
            self._conn.executemany(UPSERT_SQL, rows)
        return len(rows)

    def _transaction(self) -> _Transaction:
        return _Transaction(self._conn)

    # -- reads ----------------------------------------------------------------------------------

    def get_by_name(self, name: str) -> Strategy | None:
        """The strategy called ``name``, or None."""
        row = self._conn.execute(GET_BY_NAME_SQL, (name,)).fetchone()
        return None if row is None else Strategy.from_dict(json.loads(row[0]))

    def find_created_between(self, start: datetime, end: datetime) -> list[Strategy]:
        """Strategies created at or after ``start`` and before ``end``, oldest first."""
        params = (to_epoch_us(start), to_epoch_us(end))
        rows = self._conn.execute(CREATED_BETWEEN_SQL, params).fetchall()
        return [Strategy.from_dict(json.loads(r[0])) for r in rows]

    def count(self) -> int:
        """Number of stored strategies."""
        return int(self._conn.execute("SELECT COUNT(*) FROM strategies").fetchone()[0])

    def journal_mode(self) -> str:
        """The connection's journal mode (``"wal"``)."""
        return str(self._conn.execute("PRAGMA journal_mode").fetchone()[0])

    def query_plan(self, sql: str, params: tuple[object, ...] = ()) -> list[str]:
        """The ``detail`` column of ``EXPLAIN QUERY PLAN`` for ``sql``."""
        rows = self._conn.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
        return [str(r[3]) for r in rows]


class _Transaction:
    """``BEGIN`` ... ``COMMIT`` (``ROLLBACK`` on error) on an autocommit connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> None:
        self._conn.execute("BEGIN")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._conn.execute("ROLLBACK" if exc_type is not None else "COMMIT")


# ------------------------------------------------------------------------------------------------
# Workloads comparing the two ways of saving
# ------------------------------------------------------------------------------------------------


def save_batch(make_path: Callable[[], PathLike], strategies: list[Strategy]) -> int:
    """Save ``strategies`` into a fresh database from ``make_path()`` in one transaction."""
    with StrategyRepository(make_path()) as repo:
        repo.save_many(strategies)
        return repo.count()


def save_row_by_row(make_path: Callable[[], PathLike], strategies: list[Strategy]) -> int:
    """Save ``strategies`` into a fresh database from ``make_path()``, one commit per row."""
    with StrategyRepository(make_path()) as repo:
        for strategy in strategies:
            repo.save(strategy)
        return repo.count()
