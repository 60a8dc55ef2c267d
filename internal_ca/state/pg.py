"""Talking to the pg backend's own tables with psql, for unlock and migration checks.

Terraform's pg backend keeps each workspace as one row of <schema>.states and locks it with a
session-level advisory lock whose key is that row's id. A session-level lock dies with its
database session, so a killed Terraform releases it; only a live but stuck session keeps it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass

from internal_ca.errors import OperationError
from stacks.backend_config import CONN_STR_VAR, PgSettings

# SQL text below only ever embeds a schema name checked by backend_config and integers.
WORKSPACE = "default"


@dataclass(frozen=True)
class LockHolder:
    """A database session holding a stack's state lock; no secrets in any field."""

    pid: int
    user: str
    client: str
    application: str
    since: str
    state: str


def psql_rows(settings: PgSettings, sql: str) -> list[list[str]]:
    """Rows of one query; the password comes from PGPASSWORD/~/.pgpass as for Terraform."""
    return [line.split("\t") for line in _psql(settings, sql).splitlines() if line.strip()]


def state_document(settings: PgSettings) -> str | None:
    """The default workspace's state JSON (it holds keys: parse it in memory), or None."""
    if state_row_id(settings) is None:
        return None
    query = f"SELECT data FROM {settings.schema_name}.states WHERE name = '{WORKSPACE}'"  # noqa: S608 - validated schema
    text = _psql(settings, query)
    return text or None


def _psql(settings: PgSettings, sql: str) -> str:
    """One query's unaligned output; psql's own errors never hold row data."""
    psql = shutil.which("psql")
    if psql is None:
        raise OperationError("psql is not installed; install the PostgreSQL client tools")
    target = settings.conn_str or os.environ.get("PG_CONN_STR")
    command = [psql, "-X", "-A", "-t", "-q", "-F", "\t", "-v", "ON_ERROR_STOP=1"]
    if target:
        command += ["-d", target]
    env = dict(os.environ, PGCONNECT_TIMEOUT=os.environ.get("PGCONNECT_TIMEOUT", "10"))
    done = subprocess.run(
        [*command, "-c", sql], text=True, capture_output=True, check=False, env=env
    )
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()
        raise OperationError(
            "cannot query the pg backend (set "
            f"{CONN_STR_VAR} and PGPASSWORD): " + (detail[-1] if detail else "psql failed")
        )
    return done.stdout


def state_row_id(settings: PgSettings) -> int | None:
    """The states row id (= advisory lock key) of the default workspace, if it exists."""
    schema = settings.schema_name
    rows = psql_rows(
        settings,
        f"SELECT CASE WHEN to_regclass('{schema}.states') IS NULL THEN NULL ELSE 1 END",
    )
    if not rows or not rows[0] or rows[0][0] != "1":
        return None
    rows = psql_rows(settings, f"SELECT id FROM {schema}.states WHERE name = '{WORKSPACE}'")  # noqa: S608 - validated schema, integers
    return int(rows[0][0]) if rows else None


def lock_holders(settings: PgSettings) -> list[LockHolder]:
    """Sessions that hold the advisory lock on this stack's state row, in this database."""
    row_id = state_row_id(settings)
    if row_id is None:
        return []
    high, low = row_id >> 32, row_id & 0xFFFFFFFF
    rows = psql_rows(
        settings,
        "SELECT l.pid, coalesce(a.usename, ''), coalesce(host(a.client_addr), 'local socket'), "  # noqa: S608 - validated schema, integers
        "coalesce(a.application_name, ''), coalesce(a.backend_start::text, ''), "
        "coalesce(a.state, '') "
        "FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        f"AND l.classid = {high} AND l.objid = {low} AND l.objsubid = 1 "
        "AND l.pid <> pg_backend_pid() ORDER BY l.pid",
    )
    return [LockHolder(int(r[0]), r[1], r[2], r[3], r[4], r[5]) for r in rows]


def end_sessions(settings: PgSettings, pids: list[int]) -> None:
    """pg_terminate_backend: the only way to drop another session's advisory lock."""
    if not pids:
        return
    listed = ", ".join(str(pid) for pid in pids)
    psql_rows(settings, f"SELECT pg_terminate_backend(pid) FROM unnest(ARRAY[{listed}]) pid")  # noqa: S608 - validated schema, integers
