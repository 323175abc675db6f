"""The SQL both history backends share; they differ only in connecting and locking."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

from ..config.patterns import matches_part as matches
from . import packing, rows, schema
from .model import HistoryError, Result, Run


def like_patterns(pattern: str) -> tuple[str, str]:
    """SQL LIKE patterns (escape ``\\``) that together match at least what :func:`matches` does:
    the pattern as a part of the node id, and as a glob."""
    escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%", _glob_like(escaped)


def _glob_like(escaped: str) -> str:
    escaped = re.sub(r"\[[^\]]*\]?", "%", escaped)
    return "%" + escaped.replace("*", "%").replace("?", "_")


class Store(ABC):
    """A history store: SQL shared by the backends, which differ in connecting and locking."""

    dialect: str
    #: Why each result the last :meth:`append_run` could not store was left out (the others were stored).
    dropped: tuple[str, ...] = ()
    #: How messages name the store (a path, or a URL without its password).
    name: str

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""

    @abstractmethod
    def _transaction(self) -> AbstractContextManager[Any]:
        """A write transaction holding the store's write lock; yields a DB-API cursor."""

    @abstractmethod
    def _cursor(self) -> AbstractContextManager[Any]:
        """A cursor for reading."""

    @abstractmethod
    def _table_exists(self, cursor: Any, table: str) -> bool:
        """Whether the table exists."""

    @abstractmethod
    def _errors(self) -> tuple[type[BaseException], ...]:
        """The driver's exceptions that mean the store failed."""

    def _sql(self, text: str) -> str:
        """The statement in the driver's parameter style (written with ``?``)."""
        return text

    def _cannot_hold(self, text: str) -> str | None:
        """Why the store cannot hold this text (None: it can)."""
        return None

    def _storable(self, results: Sequence[Result]) -> tuple[list[Result], tuple[str, ...]]:
        """The results the store can hold, and why each other one cannot be stored."""
        kept, dropped = [], []
        for result in results:
            texts = (result.nodeid, result.target, result.verdict, result.stat)
            reason = next(filter(None, (self._cannot_hold(text) for text in texts if text)), None)
            if reason is None:
                kept.append(result)
            else:
                dropped.append(f"{result.nodeid!r} not recorded: {reason}")
        return kept, tuple(dropped)

    def error(self, what: str, error: BaseException) -> HistoryError:
        return HistoryError(f"history store {self.name}: {what}: {error}")

    # -- schema -------------------------------------------------------------------------------

    def _version(self, cursor: Any) -> int:
        if not self._table_exists(cursor, "meta"):
            return 0
        cursor.execute(self._sql("SELECT value FROM meta WHERE key = ?"), ("schema_version",))
        row = cursor.fetchone()
        try:
            return 0 if row is None else rows.schema_version(row[0])
        except rows.BadValue as error:
            raise HistoryError(f"history store {self.name}: {error}") from None

    def _refuse_newer(self, version: int) -> None:
        if version > schema.schema_version():
            raise HistoryError(
                f"history store {self.name} has schema version {version}, newer than this "
                f"pytest-perfgate understands ({schema.schema_version()}); upgrade pytest-perfgate"
            )

    def migrate(self) -> None:
        """Create the schema, or bring an older one up to date in place (one transaction)."""
        try:
            with self._transaction() as cursor:
                version = self._version(cursor)
                self._refuse_newer(version)
                if version == schema.schema_version():
                    return
                for statement in schema.statements(self.dialect, version):
                    cursor.execute(statement)
                cursor.execute(self._sql("DELETE FROM meta WHERE key = ?"), ("schema_version",))
                cursor.execute(
                    self._sql("INSERT INTO meta (key, value) VALUES (?, ?)"),
                    ("schema_version", str(schema.schema_version())),
                )
        except self._errors() as error:
            raise self.error("cannot create or migrate the schema", error) from None

    def check_readable(self) -> bool:
        """True when the store holds the current schema, False when it holds none yet."""
        try:
            with self._cursor() as cursor:
                version = self._version(cursor)
        except self._errors() as error:
            raise self.error("cannot read", error) from None
        self._refuse_newer(version)
        if 0 < version < schema.READABLE_FROM:
            raise HistoryError(
                f"history store {self.name} has the older schema version {version}; append a run "
                "(pytest --perfgate-history) to migrate it in place"
            )
        return version > 0

    # -- writing ------------------------------------------------------------------------------

    def append_run(self, run: Run) -> int:
        """Add the run and all its results in one transaction; returns the run's id.

        A result the store cannot hold (PostgreSQL text takes no NUL byte) is left out, and
        :attr:`dropped` says why; the others are stored.
        """
        results, self.dropped = self._storable(run.results)
        machine = run.machine
        values = (
            run.started_at,
            run.commit,
            run.branch,
            None if run.dirty is None else int(run.dirty),
            machine.hostname,
            machine.cpu,
            machine.cores,
            machine.os,
            machine.python,
            run.perfgate,
        )
        columns = ", ".join(packing.RUN_COLUMNS)
        marks = ", ".join("?" for _ in packing.RUN_COLUMNS)
        result_columns = ", ".join(("run_id", *packing.RESULT_COLUMNS))
        result_marks = ", ".join("?" for _ in range(len(packing.RESULT_COLUMNS) + 1))
        try:
            with self._transaction() as cursor:
                cursor.execute(
                    self._sql(f"INSERT INTO runs ({columns}) VALUES ({marks}) RETURNING id"), values
                )
                run_id = int(cursor.fetchone()[0])
                cursor.executemany(
                    self._sql(f"INSERT INTO results ({result_columns}) VALUES ({result_marks})"),
                    [(run_id, *packing.result_row(result)) for result in results],
                )
                cursor.executemany(
                    self._sql("INSERT INTO details (run_id, nodeid, rounds, record) VALUES (?, ?, ?, ?)"),
                    [(run_id, *packing.details_row(result)) for result in results],
                )
        except self._errors() as error:
            raise self.error("cannot append the run", error) from None
        return run_id

    def accept(self, levels: Sequence[tuple[str, int]], accepted_at: str) -> None:
        """Record that each (test, run id)'s level as of that run is accepted (one transaction)."""
        try:
            with self._transaction() as cursor:
                cursor.executemany(
                    self._sql("INSERT INTO accepts (nodeid, run_id, accepted_at) VALUES (?, ?, ?)"),
                    [(nodeid, run_id, accepted_at) for nodeid, run_id in levels],
                )
        except self._errors() as error:
            raise self.error("cannot record the acceptance", error) from None

    # -- reading ------------------------------------------------------------------------------

    def accepted(self, nodeid: str) -> list[int]:
        """The runs as of which the test's level was accepted (``perfgate history --accept``), in order."""
        try:
            with self._cursor() as cursor:
                if not self._table_exists(cursor, "accepts"):
                    return []  # a store of an older schema, read as it is
                cursor.execute(
                    self._sql("SELECT run_id FROM accepts WHERE nodeid = ? ORDER BY run_id"), (nodeid,)
                )
                return [int(row[0]) for row in cursor.fetchall()]
        except self._errors() as error:
            raise self.error("cannot read the accepted steps", error) from None

    def runs(
        self,
        test_pattern: str | None = None,
        last: int | None = None,
        *,
        exact: bool = False,
        rounds: bool = False,
        records: bool = False,
    ) -> list[Run]:
        """The last ``last`` runs holding a test that matches ``test_pattern``, oldest first.

        A pattern is a part of a node id or a glob (``exact``: the node id itself). Each run
        carries only the matching results; ``rounds``/``records`` also load the raw rounds / the
        whole records (with their rounds; slower).
        """
        if not self.check_readable() or (test_pattern is not None and self._cannot_hold(test_pattern)):
            return []
        if last is not None and last >= 2**62:
            last = None  # more runs than any store holds (and more than SQL integers take)
        where, parameters = "1 = 1", []
        if test_pattern is not None and exact:
            where, parameters = "results.nodeid = ?", [test_pattern]
        elif test_pattern is not None:
            where = "(results.nodeid LIKE ? ESCAPE '\\' OR results.nodeid LIKE ? ESCAPE '\\')"
            parameters = list(like_patterns(test_pattern))
        detailed = rounds or records
        runs_query, results_query = packing.queries(where, last is not None, detailed)
        try:
            with self._cursor() as cursor:
                cursor.execute(self._sql(runs_query), [*parameters, *([] if last is None else [last])])
                run_rows = cursor.fetchall()
                if not run_rows:
                    return []
                cursor.execute(self._sql(results_query), [run_rows[0][0], *parameters])
                result_rows = cursor.fetchall()
        except self._errors() as error:
            raise self.error("cannot read the runs", error) from None
        keep = (
            (lambda nodeid: nodeid == test_pattern)
            if exact
            else (lambda nodeid: matches(nodeid, test_pattern))
        )
        chosen = [
            row for row in result_rows if test_pattern is None or not isinstance(row[1], str) or keep(row[1])
        ]
        return self._build(run_rows, chosen, detailed, records)

    def _build(
        self, run_rows: Sequence[Any], result_rows: Sequence[Any], detailed: bool, records: bool
    ) -> list[Run]:
        """The runs from their rows and their results' rows; a bad value is a :class:`HistoryError`."""
        by_run: dict[int, list[Result]] = {}
        place = ""
        try:
            for row in result_rows:
                place = f"run {row[0]}, test {row[1]!r}"
                by_run.setdefault(row[0], []).append(packing.result(row, detailed, records, self.name))
            found = []
            for row in run_rows:
                place = f"run {row[0]}"
                if row[0] in by_run:
                    found.append(packing.run(row, tuple(by_run[row[0]])))
        except rows.BadValue as error:
            raise HistoryError(f"history store {self.name}: {place}: {error}") from None
        return found
