"""Crash safety for local state: a snapshot before every apply, a journal during it.

Terraform's local backend truncates the state file before rewriting it, so a deploy killed
at the wrong moment leaves a 0-byte state. The state is not replaced by a home-made store;
it is protected from outside:
- before each apply, the state is copied atomically into state/history/ (0600 in 0700),
  named by time and Terraform serial, keeping the newest few;
- while Terraform applies, each "Creation complete … [id=SERIAL]" line it prints is appended
  to a journal beside the snapshots, so certificates issued by an apply that was then lost
  are known by serial (and can be revoked);
- `internal-ca recover` restores the newest good copy (the snapshot, or Terraform's own
  .backup when it is newer and of the same lineage); the next deploy re-creates what was lost.
Snapshots hold every key, exactly as the state does, and live beside it.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ca_constructs import naming
from internal_ca.errors import OperationError
from internal_ca.files.atomic import write_atomic
from internal_ca.terraform.project import Project

HISTORY_DIR = "history"
KEEP_SNAPSHOTS = 20
_CREATED = re.compile(r"^([A-Za-z0-9_]+\.[A-Za-z0-9_-]+): Creation complete after \S+ \[id=(\S+)\]")


@dataclass(frozen=True)
class Snapshot:
    path: Path
    serial: int
    lineage: str


def history_dir(project: Project) -> Path:
    return project.state_dir / HISTORY_DIR


def state_file(project: Project, stack: str) -> Path:
    return project.state_dir / f"{stack}.tfstate"


def journal_path(project: Project, stack: str) -> Path:
    return history_dir(project) / f"{stack}.apply-journal"


def _private_history(project: Project) -> Path:
    folder = history_dir(project)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def whole_state(path: Path) -> dict[str, Any] | None:
    """The parsed state file (it holds keys), or None if it is not a whole Terraform state."""
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    if not isinstance(data.get("serial"), int) or not isinstance(data.get("lineage"), str):
        return None
    return data


def _parse(path: Path) -> Snapshot | None:
    """A state file's serial and lineage, or None if it is not a whole Terraform state."""
    data = whole_state(path)
    return None if data is None else Snapshot(path, data["serial"], data["lineage"])


def snapshot(project: Project, stack: str) -> Snapshot | None:
    """Copy the stack's state into state/history/ before an apply; None if there is none."""
    current = state_file(project, stack)
    if not current.exists():
        return None
    parsed = _parse(current)
    if parsed is None:
        raise OperationError(
            f"state file {current} is damaged; nothing was applied. Run `internal-ca recover`"
        )
    folder = _private_history(project)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    path = folder / f"{stack}-{stamp}-serial{parsed.serial}.tfstate"
    write_atomic(path, current.read_text(), secret=True)
    _prune(project, stack)
    return Snapshot(path, parsed.serial, parsed.lineage)


def _prune(project: Project, stack: str) -> None:
    snapshots = sorted(history_dir(project).glob(f"{stack}-*.tfstate"), key=os.path.getmtime)
    for old in snapshots[:-KEEP_SNAPSHOTS]:
        old.unlink(missing_ok=True)


def start_journal(project: Project, stack: str) -> Path:
    """A fresh journal for this apply; lines are appended as Terraform reports them."""
    path = journal_path(project, stack)
    _private_history(project)
    write_atomic(path, "", secret=True)
    return path


def journal_line(journal: Path, line: str) -> None:
    """Record a resource Terraform created (address and id), durably, as soon as it says so."""
    found = _CREATED.match(line.strip())
    if found is None:
        return
    with journal.open("a", encoding="ascii") as handle:
        handle.write(f"{found.group(1)} {found.group(2)}\n")
        handle.flush()
        os.fsync(handle.fileno())


def end_journal(journal: Path) -> None:
    """The apply finished and its outcome was checked: nothing left to recover."""
    journal.unlink(missing_ok=True)


def journaled(project: Project, stack: str) -> list[tuple[str, str]]:
    """(address, id) of what the last unfinished apply created, in order."""
    path = journal_path(project, stack)
    if not path.exists():
        return []
    entries = []
    for line in path.read_text().splitlines():
        address, _, ident = line.partition(" ")
        if address and ident:
            entries.append((address, ident))
    return entries


def issued(project: Project, stack: str) -> list[tuple[str, str]]:
    """The certificates (address, serial in decimal) the last unfinished apply issued."""
    kinds = (f"{naming.LOCALLY_SIGNED_CERT}.", f"{naming.SELF_SIGNED_CERT}.")
    return [entry for entry in journaled(project, stack) if entry[0].startswith(kinds)]


def state_problem(project: Project, stack: str) -> str | None:
    """Why the stack's local state cannot be used as it is, or None when it is fine."""
    current = state_file(project, stack)
    if current.exists():
        return None if _parse(current) is not None else f"{current} is {_damage(current)}"
    if list(history_dir(project).glob(f"{stack}-*.tfstate")):
        return f"{current} is missing, but {history_dir(project)} holds snapshots of it"
    return None


def _damage(path: Path) -> str:
    """What is wrong with a state file, in a few words; never its content."""
    try:
        data = path.read_bytes()
    except OSError as error:
        return f"unreadable ({error.strerror})"
    if not data:
        return "empty (0 bytes)"
    try:
        json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return "not valid JSON"
    return "not a Terraform state"


def latest_good(project: Project, stack: str) -> Snapshot | None:
    """The newest whole copy: a snapshot, or Terraform's .backup if newer, same lineage."""
    snapshots = [
        parsed
        for path in history_dir(project).glob(f"{stack}-*.tfstate")
        if (parsed := _parse(path)) is not None
    ]
    backup = _parse(state_file(project, stack).with_name(f"{stack}.tfstate.backup"))
    if not snapshots:
        return backup
    best = max(snapshots, key=lambda item: (item.serial, item.path.stat().st_mtime))
    if backup is not None and backup.lineage == best.lineage and backup.serial > best.serial:
        return backup
    return best
