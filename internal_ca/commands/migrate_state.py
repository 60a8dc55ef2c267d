"""`internal-ca migrate-state`: copy local state into the pg backend, serials and all.

Switching backends without moving the state would be the worst kind of silent failure: the
new, empty state would make the next deploy issue a new CA and a new key for every service.
So the synth refuses pg while a local state file is still in state/, and this command moves
it: it refuses to overwrite a non-empty pg state, pushes the file, reads it back and checks
that every resource and certificate serial arrived, then renames the local copy.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from internal_ca.errors import OperationError
from internal_ca.state.local import check_local_state, ensure_state_dir, state_path
from internal_ca.terraform import diagnostics
from internal_ca.terraform.project import Project
from internal_ca.terraform.toolchain import run
from internal_ca.terraform.workspace import open_workspace
from stacks.backend_config import PG, backend_choice

MIGRATING_VAR = "INTERNAL_CA_MIGRATING"
MIGRATED_SUFFIX = ".migrated"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "migrate-state",
        help="move local state (state/STACK.tfstate) into the pg backend",
        description=(
            "With INTERNAL_CA_BACKEND=pg, INTERNAL_CA_PG_CONN_STR and PGPASSWORD set, copy each "
            "stack's local state into PostgreSQL, check that every certificate serial arrived, "
            f"and rename the local file to STACK.tfstate{MIGRATED_SUFFIX} (still secret: "
            "delete it once your database backups are in place). Refuses to overwrite a pg "
            "state that already holds resources."
        ),
    )
    parser.add_argument("--stack", default=None, help="migrate only this stack (default: all)")
    parser.set_defaults(handler=migrate_command)


def migrate_command(args: argparse.Namespace) -> int:
    # Init happens in _migrate, with -reconfigure: the backend is changing on purpose.
    workspace = open_workspace(args.stack, env_overrides={MIGRATING_VAR: "1"}, init=False)
    project, env = workspace.project, workspace.env
    ensure_state_dir(project)
    for stack in workspace.stacks:
        try:
            choice = backend_choice(stack, env)
        except ValueError as error:
            raise OperationError(str(error)) from None
        if choice.kind != PG:
            raise OperationError("set INTERNAL_CA_BACKEND=pg (and INTERNAL_CA_PG_CONN_STR) first")
        _migrate(project, stack, env)
    return 0


def _migrate(project: Project, stack: str, env: dict[str, str]) -> None:
    local = state_path(project, stack)
    if not local.exists():
        raise OperationError(f"no local state at {local} to migrate")
    check_local_state(project, stack)
    before = _certificates(json.loads(local.read_text()))
    workdir = project.stack_dir(stack)
    _terraform(["init", "-input=false", "-no-color", "-reconfigure"], workdir, env, stack)
    remote = json.loads(_terraform(["state", "pull"], workdir, env, stack) or "{}")
    if remote.get("resources"):
        raise OperationError(
            f"the pg state of stack {stack} already holds {len(remote['resources'])} resources; "
            f"not overwriting it with {local}"
        )
    _terraform(["state", "push", "-no-color", str(local.resolve())], workdir, env, stack)
    after = _certificates(json.loads(_terraform(["state", "pull"], workdir, env, stack)))
    if after != before:
        raise OperationError(
            f"the pg state of stack {stack} does not match {local} after the push; "
            "the local file was kept, do not deploy until this is resolved"
        )
    kept = local.with_name(local.name + MIGRATED_SUFFIX)
    local.rename(kept)
    print(
        f"stack {stack}: moved {len(before)} resources into PostgreSQL, every serial preserved; "
        f"the local copy is now {kept} (it holds private keys: delete it once backed up)"
    )


def _terraform(args: list[str], workdir: Path, env: dict[str, str], stack: str) -> str:
    """Run terraform; its output may hold state, so it is returned and never shown."""
    done = run(["terraform", *args], cwd=workdir, env=env)
    if done.returncode != 0:
        raise diagnostics.failure(
            f"terraform {args[0]} {args[1]} failed for stack {stack}", done.stderr
        )
    return done.stdout


def _certificates(state: dict[str, Any]) -> dict[str, str]:
    """Every resource instance's address and id: for certificates, the id is the serial."""
    found: dict[str, str] = {}
    for resource in state.get("resources", []):
        if resource.get("mode") != "managed":
            continue
        for index, instance in enumerate(resource.get("instances", [])):
            address = f"{resource['type']}.{resource['name']}[{index}]"
            found[address] = str(instance.get("attributes", {}).get("id"))
    return found
