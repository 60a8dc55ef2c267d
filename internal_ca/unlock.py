"""`internal-ca unlock`: show who holds a stack's state lock and, with --yes, release it.

A crashed or killed Terraform needs no unlock: pg advisory locks and local file locks both
die with the process. What remains is a live but stuck session (a hung deploy, a laptop that
went to sleep mid-apply). Terraform's own `force-unlock` cannot drop a pg advisory lock held
by another session, so this ends that session instead, after showing who it is.
"""

from __future__ import annotations

import argparse
import json

from .backend_config import LOCAL, backend_choice
from .errors import OperationError
from .project import find_project
from .state_files import state_path
from .state_pg import end_sessions, lock_holders


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
    parser.add_argument("--stack", default="internal-ca", help="stack name (default: %(default)s)")
    parser.add_argument(
        "--yes", action="store_true", help="release the lock by ending the holding session"
    )
    parser.set_defaults(handler=unlock_command)


def unlock_command(args: argparse.Namespace) -> int:
    try:
        choice = backend_choice(args.stack)
    except ValueError as error:
        raise OperationError(str(error)) from None
    if choice.kind == LOCAL or choice.pg is None:
        return _local(args.stack)
    holders = lock_holders(choice.pg)
    if not holders:
        print(f"stack {args.stack}: no session holds the state lock; nothing to release")
        return 0
    for holder in holders:
        print(
            f"stack {args.stack}: state locked by database session {holder.pid} "
            f"(user {holder.user}, from {holder.client}, connected since {holder.since}, "
            f"{holder.state or 'unknown state'})"
        )
    if not args.yes:
        print(
            "If that deploy is stuck or gone, run `internal-ca unlock --yes` to end the "
            "session and release the lock; then deploy again."
        )
        return 0
    end_sessions(choice.pg, [holder.pid for holder in holders])
    left = lock_holders(choice.pg)
    if left:
        raise OperationError(
            f"the lock on stack {args.stack} is still held by session {left[0].pid}; "
            "ending it needs a superuser or the same database role"
        )
    print(f"stack {args.stack}: lock released")
    return 0


def _local(stack: str) -> int:
    """Local locks are OS file locks: nothing to release by hand, but show the stale info."""
    project = find_project()
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
    return 0
