"""`internal-ca recover`: put back the latest good local state after a killed deploy.

A deploy killed mid-apply can leave Terraform's local state empty (it truncates the file
before rewriting it). Deploying again on that would mint a new CA, so every command refuses
and names this one. It restores the newest good copy (the pre-apply snapshot, or Terraform's
own .backup when newer), keeps the damaged file for inspection, and lists the certificates
the interrupted apply issued that the restored copy lacks, by serial, so they can be
revoked: the next deploy issues those services again.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from internal_ca.certs.serials import openssl_hex
from internal_ca.errors import OperationError
from internal_ca.files.atomic import write_atomic
from internal_ca.state import history
from internal_ca.state.read import parse_state, uses_local_state
from internal_ca.terraform.project import Project
from internal_ca.terraform.workspace import open_workspace


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "recover",
        help="restore the latest good local state after a killed deploy",
        description=(
            "When a deploy was killed and the local state is damaged or missing, restore the "
            "newest good copy from state/history/ (or Terraform's .backup when newer), keep "
            "the damaged file beside it, and list each certificate the interrupted apply "
            "issued that the restored state lacks, by serial, with the command to revoke it. "
            "Then run `internal-ca deploy`: it issues those services again. A CA that existed "
            "before the apply is in the restored copy and is never made again."
        ),
    )
    parser.add_argument("--stack", default=None, help="only this stack (default: every stack)")
    parser.set_defaults(handler=recover_command)


def recover_command(args: argparse.Namespace) -> int:
    workspace = open_workspace(args.stack, init=False)
    for stack in workspace.stacks:
        if not uses_local_state(stack, workspace.env):
            print(
                f"stack {stack}: state is in PostgreSQL, which writes it in one transaction; "
                "nothing to recover"
            )
            continue
        recover(workspace.project, stack)
    return 0


def recover(project: Project, stack: str) -> None:
    problem = history.state_problem(project, stack)
    if problem is None:
        print(f"stack {stack}: state is whole; nothing to recover")
        _report_lost(project, stack, restored_ids=_ids_in(history.state_file(project, stack)))
        return
    good = history.latest_good(project, stack)
    if good is None:
        raise OperationError(
            f"stack {stack}: {problem}, and there is no good copy in "
            f"{history.history_dir(project)} or a .backup; restore it from your backups"
        )
    current = history.state_file(project, stack)
    if current.exists():
        kept = current.with_name(f"{current.name}.damaged-{time.strftime('%Y%m%dT%H%M%SZ')}")
        current.rename(kept)
        print(f"stack {stack}: kept the damaged state as {kept} (it may hold keys: delete it)")
    write_atomic(current, good.path.read_text(), secret=True)
    print(f"stack {stack}: restored {current} from {good.path} (Terraform serial {good.serial})")
    _report_lost(project, stack, restored_ids=_ids_in(current))
    print("Next: `internal-ca deploy` issues again what the interrupted apply had issued.")


def _ids_in(path: Path) -> set[str]:
    """Resource ids (for certificates, the decimal serial) in a state file."""
    state = parse_state(path.stem, json.loads(path.read_text()), str(path))
    if state is None:
        return set()
    return {str(state.attribute(address, "id")) for address in state.addresses}


def _report_lost(project: Project, stack: str, restored_ids: set[str]) -> None:
    """Certificates the last unfinished apply issued that the state no longer holds."""
    lost = [
        (address, ident)
        for address, ident in history.issued(project, stack)
        if ident not in restored_ids
    ]
    for address, ident in lost:
        serial = openssl_hex(ident)
        owner = address.partition(".")[2]
        print(
            f"stack {stack}: {address} serial {serial} was issued by the interrupted apply and "
            "is not in the state; it stays valid until it expires unless revoked: "
            f"`internal-ca revoke {owner} --serial {serial} --reason superseded`"
        )
    journal = history.journal_path(project, stack)
    if journal.exists():
        stamp = time.strftime("%Y%m%dT%H%M%SZ")
        journal.rename(journal.with_name(f"{journal.name}.recovered-{stamp}"))
