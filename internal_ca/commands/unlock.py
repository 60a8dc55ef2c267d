"""`internal-ca unlock`: show who holds a stack's state lock and, with --yes, release it.

A crashed or killed Terraform needs no unlock: pg advisory locks and local file locks both
die with the process. What remains is a live but stuck session (a hung deploy, a laptop that
went to sleep mid-apply). Terraform's own `force-unlock` cannot drop a pg advisory lock held
by another session, so this ends that session instead, after showing who it is.
"""

from __future__ import annotations

import argparse
import json

from internal_ca.errors import OperationError
from internal_ca.state.local import state_path
from internal_ca.state.pg import end_sessions, lock_holders
from internal_ca.terraform.project import Project
from internal_ca.terraform.workspace import open_workspace
from stacks.backend_config import LOCAL, backend_choice


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "unlock",
        help="show who holds the state lock; with --yes, release it",
        description=(
            "Show the database session that holds a stack's state lock (pg backend) or the "
            "lock info of a local state file. With --yes, end that session so the lock is "
            "released. Only do this when the deploy that holds it is gone or stuck: a killed "
            "deploy releases its lock by itself."
        ),
    )
    parser.add_argument("--stack", default=None, help="only this stack (default: every stack)")
    parser.add_argument(
        "--yes", action="store_true", help="release the lock by ending the holding session"
    )
    parser.set_defaults(handler=unlock_command)


def unlock_command(args: argparse.Namespace) -> int:
    workspace = open_workspace(args.stack, init=False)
    for stack in workspace.stacks:
        _unlock(workspace.project, stack, release=args.yes)
    return 0


def _unlock(project: Project, stack: str, *, release: bool) -> None:
    try:
        choice = backend_choice(stack)
    except ValueError as error:
        raise OperationError(str(error)) from None
    if choice.kind == LOCAL or choice.pg is None:
        _local(project, stack)
        return
    holders = lock_holders(choice.pg)
    if not holders:
        print(f"stack {stack}: no session holds the state lock; nothing to release")
        return
    for holder in holders:
        print(
            f"stack {stack}: state locked by database session {holder.pid} "
            f"(user {holder.user}, from {holder.client}, connected since {holder.since}, "
            f"{holder.state or 'unknown state'})"
        )
    if not release:
        print(
            "If that deploy is stuck or gone, run `internal-ca unlock --yes` to end the "
            "session and release the lock; then deploy again."
        )
        return
    end_sessions(choice.pg, [holder.pid for holder in holders])
    left = lock_holders(choice.pg)
    if left:
        raise OperationError(
            f"the lock on stack {stack} is still held by session {left[0].pid}; "
            "ending it needs a superuser or the same database role"
        )
    print(f"stack {stack}: lock released")


def _local(project: Project, stack: str) -> None:
    """Local locks are OS file locks: nothing to release by hand, but show the stale info."""
    info_path = state_path(project, stack).with_name(f".{stack}.tfstate.lock.info")
    print(
        f"stack {stack} uses local state: its lock is a file lock that the operating system "
        "releases when the Terraform process ends, so there is nothing to unlock."
    )
    if info_path.exists():
        try:
            info = json.loads(info_path.read_text())
        except (OSError, json.JSONDecodeError):
            info = {}
        print(
            f"{info_path} names the last holder: {info.get('Who', '?')}, "
            f"{info.get('Operation', '?')} since {info.get('Created', '?')}. If that process "
            "is still running, wait for it or stop it."
        )
