"""Crash safety for local state: a snapshot before every apply, a journal during it.

Terraform's local backend truncates the state file before rewriting it, so a deploy killed
at the wrong moment leaves a 0-byte state. The state is not replaced by a home-made store;
it is protected from outside:
- before each apply, the state is copied atomically into state/history/<stack>/ (0600 in
  0700), named by UTC time and Terraform serial, keeping the newest few distinct copies (a
  state already kept byte for byte as the newest copy is not copied again);
- while Terraform applies, each "Creation complete … [id=SERIAL]" line it prints is appended
  to a journal beside the snapshots (headed by the state's lineage), so certificates issued
  by an apply that was then lost are known by serial (and can be revoked);
- `internal-ca recover` restores the newest good copy of the state's own lineage (the
  snapshot, or Terraform's own .backup when newer); the next deploy re-creates what was lost.
Each stack has a folder of its own, so no stack can read, restore or prune another's copies
(an earlier layout named them `<stack>-<time>-serial<N>.tfstate` side by side; those are
still read, by an exact parse of the name, never by prefix). Snapshots hold every key,
exactly as the state does, and live beside it.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ca_constructs import naming
from internal_ca.errors import OperationError
from internal_ca.files.atomic import write_atomic
from internal_ca.terraform.project import Project

HISTORY_DIR = "history"
KEEP_SNAPSHOTS = 20
_JOURNAL = "apply-journal"
_LINEAGE_HEADER = "# lineage "
_CREATED = re.compile(r"^([A-Za-z0-9_]+\.[A-Za-z0-9_-]+): Creation complete after \S+ \[id=(\S+)\]")
_STAMP = "%Y%m%dT%H%M%SZ"
_SNAPSHOT = re.compile(r"^(\d{8}T\d{6}Z(?:-\d+)?)-serial(\d+)\.tfstate$")
_LEGACY_SNAPSHOT = re.compile(r"^(.+)-(\d{8}T\d{6}Z)-serial(\d+)\.tfstate$")
# Terraform writes "lineage" near the top of the file, so a state cut short mid-write
# usually still names it.
_LINEAGE_FIELD = re.compile(rb'"lineage"\s*:\s*"([0-9A-Za-z-]{1,64})"')


@dataclass(frozen=True)
class Snapshot:
    path: Path
    serial: int
    lineage: str


@dataclass(frozen=True)
class Choice:
    """What `recover` may restore for one stack, and why.

    `lineage` is the state's last known lineage and `source` says where it was read;
    `good` is the newest whole copy of that lineage (None if there is none); `ignored` are
    this stack's whole copies of any other lineage, never restored.
    """

    lineage: str | None
    source: str
    good: Snapshot | None
    ignored: tuple[Snapshot, ...]


def history_dir(project: Project) -> Path:
    return project.state_dir / HISTORY_DIR


def stack_history(project: Project, stack: str) -> Path:
    """The stack's own folder of snapshots and journal."""
    if not stack or stack in (".", "..") or "/" in stack or os.sep in stack:
        raise OperationError(f"stack name {stack!r} cannot name a folder; expected a plain name")
    return history_dir(project) / stack


def state_file(project: Project, stack: str) -> Path:
    return project.state_dir / f"{stack}.tfstate"


def journal_path(project: Project, stack: str) -> Path:
    return stack_history(project, stack) / _JOURNAL


def _legacy_journal(project: Project, stack: str) -> Path:
    return history_dir(project) / f"{stack}.apply-journal"


def journal_paths(project: Project, stack: str) -> list[Path]:
    """The stack's journal files that exist, the current layout's first."""
    paths = (journal_path(project, stack), _legacy_journal(project, stack))
    return [path for path in paths if path.is_file()]


def _private_history(project: Project, stack: str) -> Path:
    folder = stack_history(project, stack)
    for path in (project.state_dir, history_dir(project), folder):
        path.mkdir(mode=0o700, exist_ok=True)
        path.chmod(0o700)
    return folder


def stamped_path(folder: Path, prefix: str, suffix: str = "") -> Path:
    """`folder/<prefix><UTC stamp><suffix>`, never a path already taken.

    Two copies made in the same second get `<stamp>`, `<stamp>-2`, `<stamp>-3`…, so a
    second one never replaces the first.
    """
    stamp = time.strftime(_STAMP, time.gmtime())
    path, count = folder / f"{prefix}{stamp}{suffix}", 2
    while path.exists() or path.is_symlink():
        path, count = folder / f"{prefix}{stamp}-{count}{suffix}", count + 1
    return path


def whole_state(path: Path) -> dict[str, Any] | None:
    """The parsed state file (it holds keys), or None if it is not a whole Terraform state."""
    try:
        return _whole(path.read_bytes())
    except OSError:
        return None


def _whole(raw: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
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


def snapshot_files(project: Project, stack: str) -> list[Path]:
    """Every snapshot file of exactly this stack, whole or not, oldest first."""
    found: list[Path] = []
    folder = stack_history(project, stack)
    if folder.is_dir():
        found += [path for path in folder.iterdir() if _SNAPSHOT.match(path.name)]
    found += list(_legacy_snapshots(project, stack))
    return sorted(found, key=_age)


def _legacy_snapshots(project: Project, stack: str) -> Iterator[Path]:
    """Snapshots of the earlier flat layout whose name parses to exactly this stack."""
    folder = history_dir(project)
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        parsed = _LEGACY_SNAPSHOT.match(path.name)
        if parsed is not None and parsed.group(1) == stack and path.is_file():
            yield path


def _age(path: Path) -> tuple[float, str, int]:
    """Oldest first: by time, then by stamp and same-second counter (`-2` after none, `-10`
    after `-9`), so copies with equal file times still sort as they were taken."""
    found = _SNAPSHOT.match(path.name)
    stamp, _, counter = found[1].partition("-") if found else (path.name, "", "")
    try:
        mtime = path.stat().st_mtime
    except OSError:
        mtime = 0.0
    return (mtime, stamp, int(counter or 1))


def snapshot(project: Project, stack: str) -> Snapshot | None:
    """Copy the stack's state into its history folder before an apply; None if there is none.

    A deploy snapshots after its checked apply and again before the next one: the same
    state twice. When the newest copy already holds these very bytes it is returned as it
    is, so the kept copies are KEEP_SNAPSHOTS distinct states, not half as many.
    """
    current = state_file(project, stack)
    if not current.exists():
        return None
    try:
        raw = current.read_bytes()  # bytes: a subject may be UTF-8
    except OSError:
        raw = b""  # unreadable: refused as damaged below
    data = _whole(raw)
    if data is None:
        raise OperationError(
            f"state file {current} is damaged; nothing was applied. Run `internal-ca recover`"
        )
    serial, lineage = data["serial"], data["lineage"]
    same = _newest_if_same(project, stack, raw, serial, lineage)
    if same is not None:
        return same
    folder = _private_history(project, stack)
    path = stamped_path(folder, "", f"-serial{serial}.tfstate")
    write_atomic(path, raw, secret=True)
    _prune(project, stack)
    return Snapshot(path, serial, lineage)


def _newest_if_same(
    project: Project, stack: str, raw: bytes, serial: int, lineage: str
) -> Snapshot | None:
    """The stack's newest snapshot if it is this state (lineage, serial and every byte)."""
    files = snapshot_files(project, stack)
    newest = _parse(files[-1]) if files else None
    if newest is None or (newest.serial, newest.lineage) != (serial, lineage):
        return None
    try:
        return newest if newest.path.read_bytes() == raw else None
    except OSError:
        return None


def _prune(project: Project, stack: str) -> None:
    for old in snapshot_files(project, stack)[:-KEEP_SNAPSHOTS]:
        old.unlink(missing_ok=True)


def start_journal(project: Project, stack: str) -> Path:
    """A fresh journal for this apply, headed by the lineage of the state it starts from."""
    _private_history(project, stack)
    for stale in journal_paths(project, stack):
        stale.unlink(missing_ok=True)
    path = journal_path(project, stack)
    current = _parse(state_file(project, stack))
    header = "" if current is None else f"{_LINEAGE_HEADER}{current.lineage}\n"
    write_atomic(path, header, secret=True)
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


def _journal_lines(project: Project, stack: str) -> list[str]:
    paths = journal_paths(project, stack)
    return paths[0].read_text(errors="replace").splitlines() if paths else []


def journaled(project: Project, stack: str) -> list[tuple[str, str]]:
    """(address, id) of what the last unfinished apply created, in order."""
    entries = []
    for line in _journal_lines(project, stack):
        if line.startswith("#"):
            continue
        address, _, ident = line.partition(" ")
        if address and ident:
            entries.append((address, ident))
    return entries


def journal_lineage(project: Project, stack: str) -> str | None:
    """The lineage of the state the last unfinished apply started from, if it was recorded."""
    for line in _journal_lines(project, stack):
        if line.startswith(_LINEAGE_HEADER):
            return line.removeprefix(_LINEAGE_HEADER).strip() or None
    return None


def first_apply_interrupted(project: Project, stack: str) -> bool:
    """The unfinished apply started from no state at all: nothing older exists to restore."""
    return (
        journal_path(project, stack).is_file()
        and journal_lineage(project, stack) is None
        and not snapshot_files(project, stack)
    )


def issued(project: Project, stack: str) -> list[tuple[str, str]]:
    """The certificates (address, serial in decimal) the last unfinished apply issued."""
    kinds = (f"{naming.LOCALLY_SIGNED_CERT}.", f"{naming.SELF_SIGNED_CERT}.")
    return [entry for entry in journaled(project, stack) if entry[0].startswith(kinds)]


def state_problem(project: Project, stack: str) -> str | None:
    """Why the stack's local state cannot be used as it is, or None when it is fine."""
    current = state_file(project, stack)
    if current.exists():
        return None if _parse(current) is not None else f"{current} is {_damage(current)}"
    if snapshot_files(project, stack):
        return f"{current} is missing, but {stack_history(project, stack)} holds snapshots of it"
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


def _damaged_lineage(path: Path) -> str | None:
    """The lineage a damaged state file still names, if any (it may be cut short)."""
    try:
        found = _LINEAGE_FIELD.search(path.read_bytes()[:4096])
    except OSError:
        return None
    return None if found is None else found.group(1).decode("ascii")


def choose(project: Project, stack: str) -> Choice:
    """The newest whole copy of the state's last known lineage, and the copies left aside.

    The lineage is read, in order, from the damaged file itself, from the journal of the
    interrupted apply (written from the state as it started), and last from the newest
    snapshot: each snapshot is this very file taken before an apply, so the newest carries
    the lineage it had last; an older lineage is from before the stack was started over.
    """
    current = state_file(project, stack)
    copies = [parsed for path in snapshot_files(project, stack) if (parsed := _parse(path))]
    lineage, source = _damaged_lineage(current), f"the damaged {current.name}"
    if lineage is None:
        lineage, source = journal_lineage(project, stack), "the journal of the interrupted apply"
    if lineage is None and copies:
        lineage, source = copies[-1].lineage, f"the newest snapshot {copies[-1].path.name}"
    backup = _parse(current.with_name(f"{current.name}.backup"))
    if lineage is None:
        # Nothing else to compare with: only a .backup exists, and it is the only witness.
        return Choice(None, "nothing", backup, ())
    candidates = [copy for copy in copies if copy.lineage == lineage]
    ignored = tuple(copy for copy in copies if copy.lineage != lineage)
    if backup is not None and backup.lineage == lineage:
        candidates.append(backup)
    elif backup is not None:
        ignored += (backup,)
    good = max(candidates, key=lambda item: (item.serial, _age(item.path)), default=None)
    return Choice(lineage, source, good, ignored)


def latest_good(project: Project, stack: str) -> Snapshot | None:
    """The newest whole copy of the state's own lineage: a snapshot or Terraform's .backup."""
    return choose(project, stack).good
