"""Which backend holds a stack's state, read from the environment at synth time.

The synthesized JSON lands in cdktf.out/, which people copy, attach to bug reports and keep in
CI artifacts. So the pg connection string written there must never carry a password: the
password reaches Terraform at run time from PGPASSWORD (or ~/.pgpass, or a whole PG_CONN_STR).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

BACKEND_VAR = "INTERNAL_CA_BACKEND"
CONN_STR_VAR = "INTERNAL_CA_PG_CONN_STR"
SCHEMA_VAR = "INTERNAL_CA_PG_SCHEMA"
LOCAL = "local"
PG = "pg"
BACKENDS = (LOCAL, PG)

_KEYWORD_PASSWORD = re.compile(r"(^|\s)password\s*=", re.IGNORECASE)
_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class PgSettings:
    """What goes into the synthesized `backend "pg"` block: no secrets."""

    conn_str: str | None
    schema_name: str


@dataclass(frozen=True)
class BackendChoice:
    kind: str
    pg: PgSettings | None = None


def sanitize_schema(stack_name: str) -> str:
    """A stack name as a plain PostgreSQL identifier: `internal-ca` -> `internal_ca`."""
    name = re.sub(r"[^a-z0-9_]", "_", stack_name.lower())
    if not name or name[0].isdigit():
        name = "s_" + name
    return name[:63]


def reject_password(conn_str: str) -> None:
    """Raise if a connection string embeds a password (URL userinfo, query or keyword form)."""
    problem = (
        f"{CONN_STR_VAR} must not contain a password: it would be written to cdktf.out/. "
        "Put the password in PGPASSWORD or ~/.pgpass instead"
    )
    if "://" in conn_str:
        parts = urlsplit(conn_str)
        query = {key.lower() for key in parse_qs(parts.query, keep_blank_values=True)}
        if ":" in parts.netloc.rpartition("@")[0] or "password" in query:
            raise ValueError(problem)
    elif _KEYWORD_PASSWORD.search(conn_str):
        raise ValueError(problem)


def backend_choice(stack_name: str, environ: Mapping[str, str] | None = None) -> BackendChoice:
    """The backend the environment asks for; local state when nothing is set."""
    env = os.environ if environ is None else environ
    kind = (env.get(BACKEND_VAR) or LOCAL).strip().lower()
    if kind not in BACKENDS:
        raise ValueError(f"{BACKEND_VAR}={kind!r} is not known; expected one of {BACKENDS}")
    if kind == LOCAL:
        return BackendChoice(LOCAL)
    conn_str = (env.get(CONN_STR_VAR) or "").strip() or None
    if conn_str is not None:
        reject_password(conn_str)
    schema = (env.get(SCHEMA_VAR) or "").strip() or sanitize_schema(stack_name)
    if not _SCHEMA.match(schema):
        raise ValueError(
            f"{SCHEMA_VAR}={schema!r} is not a plain PostgreSQL schema name "
            "(lower-case letters, digits and _, at most 63)"
        )
    return BackendChoice(PG, PgSettings(conn_str=conn_str, schema_name=schema))
