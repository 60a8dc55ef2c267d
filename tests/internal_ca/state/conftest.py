"""Fixtures for state tests: one real PostgreSQL server per session, a fresh database per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from postgres_server import PgTarget, PostgresServer, find_pg_tool


@pytest.fixture(scope="session")
def pg_server(request: pytest.FixtureRequest) -> Iterator[PostgresServer]:
    if find_pg_tool("initdb") is None:
        pytest.skip("PostgreSQL is not installed (no initdb on PATH or in /usr/lib/postgresql)")
    server = PostgresServer()
    request.addfinalizer(server.stop)
    server.start()
    yield server


@pytest.fixture
def pg(pg_server: PostgresServer, monkeypatch: pytest.MonkeyPatch) -> PgTarget:
    """A fresh database; the test's environment points every tool at it, as a user's would."""
    target = PgTarget(pg_server, pg_server.database())
    for name, value in target.env().items():
        monkeypatch.setenv(name, value)
    return target
