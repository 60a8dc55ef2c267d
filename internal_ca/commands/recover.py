"""`internal-ca recover`: put back the latest good local state after a killed deploy.

A deploy killed mid-apply can leave Terraform's local state empty (it truncates the file
before rewriting it). Deploying again on that would mint a new CA, so every command refuses
and names this one. It restores the newest good copy of the state's own lineage (the
pre-apply snapshot, or Terraform's own .backup when newer), keeps the damaged file for
inspection, and lists the certificates the interrupted apply issued that the restored copy
lacks, by serial, so they can be revoked: the next deploy issues those services again. A
copy of another lineage is another state, with another CA: it is never restored.
"""

from __future__ import annotations

import argparse
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
            "newest good copy of the same lineage from state/history/<stack>/ (or Terraform's "
            ".backup when newer), keep the damaged file beside it, and list each certificate "
            "the interrupted apply issued that the restored state lacks, by serial, with the "
            "command to revoke it. Then run `internal-ca deploy`: it issues those services "
            "again. A CA that existed before the apply is in the restored copy and is never "
            "made again; a copy of another lineage (another state) is never restored."
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
                "nothing to recover (a lost database is restored from pg_dump)"
            )
            continue
        recover(workspace.project, stack)
    return 0


def recover(project: Project, stack: str) -> None:
    current = history.state_file(project, stack)
    problem = history.state_problem(project, stack)
    if problem is None:
        _check_whole(project, stack, current)
        return
    choice = history.choose(project, stack)
    good = choice.good
    if good is None:
        if history.first_apply_interrupted(project, stack):
            _first_apply(project, stack, current)
            return
        raise OperationError(
            f"stack {stack}: {problem}, and there is no good copy{_lineage_note(choice)} in "
            f"{history.stack_history(project, stack)} or a .backup; nothing was changed. "
            "Restore it from your backups"
        )
    data = good.path.read_bytes()
    _set_aside(stack, current)
    write_atomic(current, data, secret=True)
    restored = history.whole_state(current)
    if restored is None or restored["lineage"] != good.lineage:
        raise OperationError(f"stack {stack}: {current} did not read back whole after restoring")
    print(f"stack {stack}: restored {current} from {good.path} (Terraform serial {good.serial})")
    if choice.ignored:
        names = ", ".join(copy.path.name for copy in choice.ignored)
        print(
            f"stack {stack}: ignored {len(choice.ignored)} cop"
            f"{'y' if len(choice.ignored) == 1 else 'ies'} of another lineage ({names}): the "
            f"state's lineage is {choice.lineage}, read from {choice.source}"
        )
    _report_lost(project, stack, _ids_in(stack, current))
    print("Next: `internal-ca deploy` issues again what the interrupted apply had issued.")


def _check_whole(project: Project, stack: str, current: Path) -> None:
    """No restore is needed; a journal left by an unfinished apply is still read."""
    if not current.exists():
        print(f"stack {stack}: no local state and no snapshot of it (never deployed here)")
        if history.journal_paths(project, stack):
            _report_lost(project, stack, set())
        print(f"stack {stack}: nothing to recover")
        return
    print(f"stack {stack}: state is whole; nothing to restore")
    if not history.journal_paths(project, stack):
        return
    state = history.whole_state(current)
    started_from = history.journal_lineage(project, stack)
    if state is not None and started_from not in (None, state["lineage"]):
        _set_journal_aside(project, stack)
        print(
            f"stack {stack}: set aside the journal of an unfinished apply on another lineage "
            f"({started_from}); its certificates belong to another state"
        )
        return
    if not _report_lost(project, stack, _ids_in(stack, current)):
        print(f"stack {stack}: every certificate the unfinished apply issued is in the state")


def _first_apply(project: Project, stack: str, current: Path) -> None:
    """The killed apply was the stack's first: there never was a state to restore."""
    _set_aside(stack, current)
    count = len(history.issued(project, stack))
    print(
        f"stack {stack}: the interrupted apply was the stack's first, so there is no older "
        f"state to restore; the {count} certificate(s) it issued chain to a CA that was never "
        "recorded or pinned, which no client trusts until its ca-crt.pem is handed out"
    )
    _set_journal_aside(project, stack)
    print("Next: `internal-ca deploy --initial` deploys the stack from the start.")


def _set_aside(stack: str, current: Path) -> None:
    """Keep the damaged file beside the state; refuse before restoring if it cannot move."""
    if not current.exists():
        return
    kept = history.stamped_path(current.parent, f"{current.name}.damaged-")
    try:
        current.rename(kept)
    except OSError as error:
        raise OperationError(
            f"stack {stack}: cannot keep the damaged state as {kept} ({error.strerror}); "
            "nothing was restored"
        ) from None
    print(f"stack {stack}: kept the damaged state as {kept} (it may hold keys: delete it)")


def _lineage_note(choice: history.Choice) -> str:
    if not choice.ignored:
        return ""
    return (
        f" of its lineage {choice.lineage} (read from {choice.source}); "
        f"{len(choice.ignored)} cop{'y' if len(choice.ignored) == 1 else 'ies'} of another "
        "lineage, another state with another CA, were not restored"
    )


def _ids_in(stack: str, path: Path) -> set[str]:
    """Resource ids (for certificates, the decimal serial) in a whole state file."""
    document = history.whole_state(path)
    state = None if document is None else parse_state(stack, document, str(path))
    if state is None:
        return set()
    return {str(state.attribute(address, "id")) for address in state.addresses}


def _report_lost(project: Project, stack: str, restored_ids: set[str]) -> bool:
    """Name the certificates the last unfinished apply issued that the state lacks.

    The journal is then set aside, so a second run does not report them again. Returns
    whether any was named.
    """
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
    _set_journal_aside(project, stack)
    return bool(lost)


def _set_journal_aside(project: Project, stack: str) -> None:
    for journal in history.journal_paths(project, stack):
        try:
            journal.rename(history.stamped_path(journal.parent, f"{journal.name}.recovered-"))
        except OSError as error:
            print(
                f"stack {stack}: could not set aside {journal} ({error.strerror}); "
                "the next `internal-ca recover` names the same certificates again"
            )
