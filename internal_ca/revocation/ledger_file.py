"""The ledger file on disk: read it, and change it under a lock, atomically.

`internal-ca revoke` is a read-modify-write of a committed file. Two runs at once (two
operators, or a script revoking several serials in parallel) must both land, so the whole
read-modify-write holds an exclusive lock on a lock file beside the project's private files;
the ledger itself is replaced by rename, so a reader never sees half a file, and the lock
cannot live on the ledger (a rename gives it a new inode).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ca_constructs import naming
from ca_constructs.ledger import Ledger, read_ledger_file, serialise
from internal_ca.errors import OperationError
from internal_ca.files.atomic import public_dir, write_atomic
from internal_ca.terraform.project import Project

_LOCKS = "locks"


def ledger_path(project: Project, stack: str) -> Path:
    return project.root / naming.ledger_file(stack)


def load_ledger(project: Project, stack: str) -> Ledger:
    """The committed ledger of `stack`; empty when the file does not exist yet."""
    try:
        return read_ledger_file(ledger_path(project, stack), stack)
    except ValueError as error:
        raise OperationError(str(error)) from None


@contextmanager
def _locked(project: Project, stack: str) -> Iterator[None]:
    folder = project.private_dir / _LOCKS
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(folder / f"revocations-{stack}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def update_ledger(project: Project, stack: str, change: Callable[[Ledger], Ledger]) -> Path:
    """Apply `change` to the ledger as it is now, under the lock, and write it; the path."""
    path = ledger_path(project, stack)
    with _locked(project, stack):
        ledger = load_ledger(project, stack)
        updated = change(ledger)
        public_dir(path.parent)  # committed and public, whatever the umask
        write_atomic(path, serialise(updated), secret=False)
    return path
