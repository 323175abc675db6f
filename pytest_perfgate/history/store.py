"""The history store: what a run is, and the interface both backends offer (``open_store``,
``append_run``, ``runs``); every failure is a :class:`HistoryError` naming the store."""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from ..config.patterns import matches_part as matches
from ..measure.machine import Machine
from ..record import Record
from ..stats.summary import statistic
from . import rows, schema
from .redact import redact

#: Where ``--perfgate-history`` without a URL and ``perfgate history`` without ``--db`` look.
DEFAULT_PATH = Path(".perfgate") / "history.sqlite"


class HistoryError(Exception):
    """The history store could not be opened, read or written; the message names the store."""


class Result(NamedTuple):
    """One test's figures in one run (the whole record only when it was asked for).

    A named tuple, not a dataclass: a history holds hundreds of thousands of them.
    """

    nodeid: str
    verdict: str
    target: str | None = None
    stat: str | None = None
    value_s: float | None = None
    budget_s: float | None = None
    ratio: float | None = None
    peak_bytes: int | None = None
    memory_budget_bytes: int | None = None
    rounds: tuple[float, ...] = ()
    record: Record | None = None

    @classmethod
    def from_record(cls, record: Record) -> Result:
        time, memory = record.time, record.memory
        return cls(
            nodeid=record.nodeid,
            verdict=record.verdict,
            target=record.target,
            stat=time.stat if time else None,
            value_s=time.value_s if time else None,
            budget_s=time.budget_s if time else None,
            ratio=time.ratio if time else None,
            peak_bytes=memory.peak_bytes if memory else None,
            memory_budget_bytes=memory.budget_bytes if memory else None,
            rounds=tuple(time.data) if time else (),
            record=record,
        )

    def figure(self, stat: str) -> float | None:
        """The time statistic ``stat`` of this run: the stored one, or computed from the raw rounds."""
        if self.stat == stat and self.value_s is not None:
            return self.value_s
        if self.rounds:
            return statistic(self.rounds, stat)
        return None


@dataclass(frozen=True)
class Run:
    """One pytest session's performance results, with where and on what code they were measured."""

    started_at: str
    commit: str | None = None
    branch: str | None = None
    dirty: bool | None = None
    machine: Machine = field(default_factory=Machine)
    perfgate: str | None = None
    results: tuple[Result, ...] = ()
    id: int | None = None

    def label(self) -> str:
        """``2024-05-07 10:22 UTC, commit abc1234 (main)``: how messages name a run."""
        when = self.started_at.replace("T", " ")[:16] + " UTC"
        if not self.commit:
            return f"{when} (no commit recorded)"
        text = f"{when}, commit {self.commit[:10]}"
        if self.dirty:
            text += " (dirty)"
        if self.branch:
            text += f" ({self.branch})"
        return text


def like_patterns(pattern: str) -> tuple[str, str]:
    """SQL LIKE patterns (escape ``\\``) that together match at least what :func:`matches` does:
    the pattern as a part of the node id, and as a glob."""
    escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%", _glob_like(escaped)


def _glob_like(escaped: str) -> str:
    escaped = re.sub(r"\[[^\]]*\]?", "%", escaped)
    return "%" + escaped.replace("*", "%").replace("?", "_")


_RUN_COLUMNS = (
    "started_at",
    "commit_id",
    "branch",
    "dirty",
    "hostname",
    "cpu",
    "cores",
    "os",
    "python",
    "perfgate",
)
_RESULT_COLUMNS = (
    "nodeid",
    "target",
    "verdict",
    "stat",
    "value_s",
    "budget_s",
    "ratio",
    "peak_bytes",
    "memory_budget_bytes",
)


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
        columns = ", ".join(_RUN_COLUMNS)
        marks = ", ".join("?" for _ in _RUN_COLUMNS)
        result_columns = ", ".join(("run_id", *_RESULT_COLUMNS))
        result_marks = ", ".join("?" for _ in range(len(_RESULT_COLUMNS) + 1))
        try:
            with self._transaction() as cursor:
                cursor.execute(
                    self._sql(f"INSERT INTO runs ({columns}) VALUES ({marks}) RETURNING id"), values
                )
                run_id = int(cursor.fetchone()[0])
                cursor.executemany(
                    self._sql(f"INSERT INTO results ({result_columns}) VALUES ({result_marks})"),
                    [(run_id, *_result_row(result)) for result in results],
                )
                cursor.executemany(
                    self._sql("INSERT INTO details (run_id, nodeid, rounds, record) VALUES (?, ?, ?, ?)"),
                    [(run_id, *_details_row(result)) for result in results],
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
        runs_query, results_query = _queries(where, last is not None, detailed)
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
                by_run.setdefault(row[0], []).append(_result(row, detailed, records, self.name))
            found = []
            for row in run_rows:
                place = f"run {row[0]}"
                if row[0] in by_run:
                    found.append(_run(row, tuple(by_run[row[0]])))
        except rows.BadValue as error:
            raise HistoryError(f"history store {self.name}: {place}: {error}") from None
        return found


def _queries(where: str, limited: bool, detailed: bool) -> tuple[str, str]:
    """The queries of :meth:`Store.runs`: its runs (the last ones, if ``limited``), and their results."""
    limit = " LIMIT ?" if limited else ""
    run_columns = ", ".join(_RUN_COLUMNS)
    runs_query = (
        f"SELECT id, {run_columns} FROM runs WHERE id IN (SELECT DISTINCT run_id FROM results "
        f"WHERE {where} ORDER BY run_id DESC{limit}) ORDER BY id"
    )
    result_columns = ", ".join(f"results.{column}" for column in _RESULT_COLUMNS)
    results_query = (
        f"SELECT results.run_id, {result_columns}"
        + (
            ", details.rounds, details.record FROM results LEFT JOIN details ON "
            "details.run_id = results.run_id AND details.nodeid = results.nodeid"
            if detailed
            else " FROM results"
        )
        + f" WHERE results.run_id >= ? AND {where} ORDER BY results.run_id, results.id"
    )
    return runs_query, results_query


def _result_row(result: Result) -> tuple[object, ...]:
    return (
        result.nodeid,
        result.target,
        result.verdict,
        result.stat,
        result.value_s,
        result.budget_s,
        result.ratio,
        result.peak_bytes,
        result.memory_budget_bytes,
    )


def _details_row(result: Result) -> tuple[object, ...]:
    record = result.record
    data: dict[str, Any] = record.to_dict() if record is not None else {"nodeid": result.nodeid}
    if data.get("time"):
        data["time"]["data"] = []  # the rounds have their own column
    return (result.nodeid, rows.pack_rounds(result.rounds), json.dumps(data, separators=(",", ":")))


def _result(row: Sequence[Any], detailed: bool, with_record: bool, store: str) -> Result:
    """A result from ``run_id, <result columns>[, rounds, record]`` (positional: a history has many)."""
    nodeid, target, verdict, stat, value_s, budget_s, ratio, peak, budget = rows.result_columns(row[1:10])
    if not detailed:
        return Result(nodeid, verdict, target, stat, value_s, budget_s, ratio, peak, budget)
    rounds = rows.unpack_rounds(row[10])
    record = rows.record_of(row[11], rounds, store) if with_record and row[11] else None
    return Result(nodeid, verdict, target, stat, value_s, budget_s, ratio, peak, budget, rounds, record)


def _run(row: Sequence[Any], results: tuple[Result, ...]) -> Run:
    started_at, commit, branch, dirty, hostname, cpu, cores, os_name, python, perfgate = rows.run_columns(
        row[1:]
    )
    return Run(
        id=int(row[0]),
        started_at=started_at,
        commit=commit,
        branch=branch,
        dirty=dirty,
        machine=Machine(hostname, cpu, cores, os_name, python),
        perfgate=perfgate,
        results=results,
    )


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
