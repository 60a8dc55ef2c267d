"""Where a stack keeps its state: the CA's database, with every private key in plain text.

Local state is the default so that one person needs nothing else. It lives in `state/`
(git-ignored) beside cdktf.json; the deploy runner creates that folder with mode 0700 and
runs Terraform under umask 077, so the state file is 0600.

A team sets INTERNAL_CA_BACKEND=pg (see stacks/backend_config.py): state then lives in
PostgreSQL, locked with advisory locks. The synthesized block names host, database and schema
but never a password, which Terraform reads from PGPASSWORD or PG_CONN_STR when it runs.
"""

from __future__ import annotations

import os
from pathlib import Path

from cdktf import LocalBackend, PgBackend, TerraformStack

from .backend_config import LOCAL, backend_choice

STATE_DIR = "state"


def local_state_path(stack_name: str) -> str:
    """Relative to the stack's working directory, cdktf.out/stacks/<stack>/."""
    return f"../../../{STATE_DIR}/{stack_name}.tfstate"


def configure_backend(stack: TerraformStack, stack_name: str) -> None:
    choice = backend_choice(stack_name)
    if choice.kind == LOCAL or choice.pg is None:
        LocalBackend(stack, path=local_state_path(stack_name))
        return
    _refuse_unmigrated_local_state(stack_name)
    PgBackend(stack, conn_str=choice.pg.conn_str or "", schema_name=choice.pg.schema_name)
    if choice.pg.conn_str is None:
        # No conn_str in the JSON at all: Terraform then takes the whole of PG_CONN_STR.
        stack.add_override("terraform.backend.pg.conn_str", None)


def _refuse_unmigrated_local_state(stack_name: str) -> None:
    """An empty pg state beside a full local one would re-issue the CA and every key."""
    local = Path(STATE_DIR) / f"{stack_name}.tfstate"
    if local.exists() and os.environ.get("INTERNAL_CA_MIGRATING") != "1":
        raise ValueError(
            f"INTERNAL_CA_BACKEND=pg but {local} still holds the local state; run "
            "`internal-ca migrate-state` to move it into PostgreSQL first"
        )
