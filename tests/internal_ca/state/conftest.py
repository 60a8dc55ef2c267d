"""Fixtures for state tests: a local project with a state folder, small Terraform states,
and one real PostgreSQL server per session with a fresh database per test."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from postgres_server import PgTarget, PostgresServer, find_pg_tool

from internal_ca.terraform.project import Project


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A project whose private state folder exists, as after a first deploy."""
    (tmp_path / "state").mkdir(mode=0o700)
    return Project(tmp_path, tmp_path)


def _state_text(serial: int, lineage: str = "L", cert_id: str | None = None) -> str:
    """A small Terraform state with one certificate, `tls_locally_signed_cert.web`.

    Its id (a certificate's decimal serial) is `cert_id`, by default 1000 + `serial`.
    "lineage" comes third, so a copy cut short after 80 characters still names it.
    """
    ident = str(1000 + serial) if cert_id is None else cert_id
    resource = {
        "mode": "managed",
        "type": "tls_locally_signed_cert",
        "name": "web",
        "instances": [{"attributes": {"id": ident}}],
    }
    document = {"version": 4, "serial": serial, "lineage": lineage, "resources": [resource]}
    return json.dumps(document, indent=2)


@pytest.fixture(scope="session")
def state_text() -> Callable[..., str]:
    """The `_state_text` helper (test modules cannot import conftest under importlib mode)."""
    return _state_text


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
