"""Fixtures shared by the plugin's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pg_server
import pytest


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
