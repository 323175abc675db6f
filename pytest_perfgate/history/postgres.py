"""The history store on a PostgreSQL server (``postgresql://`` URLs, psycopg 3), shared by many CI
machines; every write is one transaction under an advisory lock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .model import HistoryError
from .redact import redact, scrub
from .sql import Store

if TYPE_CHECKING:
    import psycopg

#: Seconds to wait for the server before giving up.
CONNECT_TIMEOUT_S = 10
#: Arbitrary key of the advisory lock every write transaction (schema or run) holds.
_WRITE_LOCK = 0x70657266676174  # "perfgat"


def _driver() -> Any:
    try:
        import psycopg
    except ImportError:
        return None
    return psycopg


class PostgresStore(Store):
    dialect = "postgresql"

    def __init__(self, url: str, connection: psycopg.Connection[Any], driver: Any) -> None:
        self.url = url
        self.name = redact(url)
        self.connection = connection
        self.driver = driver

    @classmethod
    def open(cls, url: str, *, readonly: bool = False) -> PostgresStore:
        driver = _driver()
        name = redact(url)
        if driver is None:
            raise HistoryError(
                f"history store {name}: PostgreSQL needs psycopg: pip install 'pytest-perfgate[postgres]'"
            )
        try:
            connection = driver.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
        except driver.Error as error:
            raise HistoryError(f"history store {name}: cannot connect: {_first_line(error, url)}") from None
        store = cls(url, connection, driver)
        try:
            if readonly:
                connection.read_only = True
                store.check_readable()
            else:
                store.migrate()
        except BaseException:
            store.close()
            raise
        return store

    def error(self, what: str, error: BaseException) -> HistoryError:
        return HistoryError(f"history store {self.name}: {what}: {_first_line(error, self.url)}")

    def close(self) -> None:
        self.connection.close()

    def _errors(self) -> tuple[type[BaseException], ...]:
        errors: tuple[type[BaseException], ...] = (self.driver.Error,)
        return errors

    def _sql(self, text: str) -> str:
        return text.replace("?", "%s")

    def _cannot_hold(self, text: str) -> str | None:
        return "PostgreSQL text cannot hold its NUL byte" if "\x00" in text else None

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        with self.connection.transaction(), self.connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK,))
            yield cursor

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        with self.connection.transaction(), self.connection.cursor() as cursor:
            yield cursor

    def _table_exists(self, cursor: Any, table: str) -> bool:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", (table,))
        row = cursor.fetchone()
        return bool(row and row[0])


def _first_line(error: BaseException, url: str) -> str:
    """The driver's message, one line, without the URL's passwords."""
    text = str(error).strip()
    return scrub(text.splitlines()[0], url) if text else type(error).__name__
