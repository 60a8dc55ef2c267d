"""Local state files: the CA's database, so they are checked before anything runs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from internal_ca.errors import OperationError
from internal_ca.state import history
from internal_ca.terraform.project import Project


def ensure_state_dir(project: Project) -> None:
    """state/ is 0700; Terraform runs under umask 077, so the state inside is 0600."""
    project.state_dir.mkdir(mode=0o700, exist_ok=True)
    project.state_dir.chmod(0o700)
    for path in project.state_dir.glob("*.tfstate*"):
        path.chmod(0o600)


def refuse_tracked_state(project: Project) -> None:
    """State holds every private key in plain text: never deploy from a repo that tracks it."""
    try:
        done = subprocess.run(
            ["git", "ls-files", "--", "*.tfstate", "*.tfstate.*", "state/"],
            cwd=project.root,
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        return
    tracked = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode == 0 and tracked:
        raise OperationError(
            f"state file {tracked[0]} is tracked by git, and state holds private keys in plain "
            "text; run `git rm --cached` on it, rotate the keys it exposed, then deploy"
        )


def check_local_state(project: Project, stack: str) -> None:
    """A damaged state file would make Terraform re-issue everything: stop instead."""
    load_local_state(project, stack)


def load_local_state(project: Project, stack: str) -> object | None:
    """The parsed state file (it holds keys: keep it in memory), or None if there is none.

    A damaged or vanished state is never taken for "nothing deployed": the next deploy
    would mint a new CA. It is refused, naming the command that restores it.
    """
    path = state_path(project, stack)
    data = history.whole_state(path)
    if data is not None and "version" in data and "resources" in data:
        return data  # the usual case in one read: a state holds every certificate
    problem = history.state_problem(project, stack)
    recover = (
        "nothing was changed. Run `internal-ca recover` to restore the latest good copy, "
        "then `internal-ca deploy` re-creates what was lost"
    )
    if history.latest_good(project, stack) is None and not history.first_apply_interrupted(
        project, stack
    ):
        recover = (
            f"nothing was changed. No good copy exists in {history.stack_history(project, stack)} "
            "or a .backup; restore the state from your backups"
        )
    if problem is not None:
        raise OperationError(
            f"state damaged: {problem}{_recovery_facts(project, stack)}; {recover}"
        )
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise OperationError(f"state damaged: {path} is not valid JSON; {recover}") from None
    if not isinstance(data, dict) or "version" not in data or "resources" not in data:
        raise OperationError(f"state damaged: {path} is not a Terraform state; {recover}")
    return data


def _recovery_facts(project: Project, stack: str) -> str:
    """Which copy `recover` would restore, and what the interrupted apply was creating."""
    good = history.latest_good(project, stack)
    facts = f"; the latest good copy is {good.path} (serial {good.serial})" if good else ""
    created = [address for address, _ in history.issued(project, stack)]
    if created:
        facts += f"; the interrupted apply had issued {', '.join(created)}"
    return facts


def state_path(project: Project, stack: str) -> Path:
    return history.state_file(project, stack)
