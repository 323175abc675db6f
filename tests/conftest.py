"""Fixtures shared by the plugin's tests."""

from __future__ import annotations

from collections.abc import Iterator

# Imported once here: hypothesis's pytest plugin imports it at the end of every in-process pytester
# run, and pytester drops modules the outer session had not imported, so each run paid ~2 s for it.
import hypothesis  # noqa: F401
import pg_server
import pytest

# The concurrency gate (loaded lazily by the plugin) pickles multiprocessing objects; a copy of
# multiprocessing imported inside one pytester run and dropped after it would not match the next.
import pytest_perfgate.gates.concurrent  # noqa: F401


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[pg_server.Server]:
    """One throwaway PostgreSQL server for the whole session (skips, saying why, where none can run)."""
    try:
        server = pg_server.start()
    except pg_server.Unavailable as reason:
        pytest.skip(f"no PostgreSQL server: {reason}")
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: pg_server.Server) -> str:
    """A fresh, empty database on that server."""
    return postgres_server.database()
