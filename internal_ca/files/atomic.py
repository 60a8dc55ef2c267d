"""Whole-or-nothing file writes: a reader never sees half a key or half a certificate.

Each file is written to a temp file in the same folder (so the rename cannot cross file
systems), flushed to disk, then renamed over the target. Secret files are created with
mode 0600 from the first byte; changing the mode after writing would leave a window in
which the key is readable by others.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from internal_ca.errors import OperationError

SECRET_MODE = 0o600
PUBLIC_MODE = 0o644
PRIVATE_DIR_MODE = 0o700
PUBLIC_DIR_MODE = 0o755


def check_private_dir(path: Path) -> None:
    """Refuse early (before any slow work) a destination that others can read."""
    if not path.exists():
        return
    if not path.is_dir():
        raise OperationError(f"{path} exists and is not a folder")
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise OperationError(
            f"folder {path} has mode {mode:04o}, so others could read the keys; "
            f"run `chmod 700 {path}` or choose a new folder"
        )


def private_dir(path: Path) -> bool:
    """Create `path` as 0700; returns True if it was created here.

    An existing folder is kept as it is when only its owner can use it; a folder that others
    can read is refused rather than changed, because it may be shared on purpose. Missing
    parents are created 0700 too, one by one: `mkdir(parents=True)` would give them the
    umask's mode, which is private only while the umask is 077.
    """
    _make_parents(path, PRIVATE_DIR_MODE)
    if not _make_dir(path, PRIVATE_DIR_MODE):
        check_private_dir(path)
        return False
    return True


def public_dir(path: Path) -> bool:
    """Create `path`, and its missing parents, as 0755 whatever the umask; True if made here.

    For files meant to be read by others (CRLs for a web server, the committed ledger): the
    CLI runs under umask 077, so a plain mkdir would hide them. An existing folder is left
    as its owner set it.
    """
    _make_parents(path, PUBLIC_DIR_MODE)
    if not _make_dir(path, PUBLIC_DIR_MODE):
        if not path.is_dir():
            raise OperationError(f"{path} exists and is not a folder; expected a folder")
        return False
    return True


def _make_parents(path: Path, mode: int) -> None:
    for parent in _missing_parents(path):
        _make_dir(parent, mode)  # one made by someone else meanwhile is theirs: left as it is


def _make_dir(path: Path, mode: int) -> bool:
    """mkdir with exactly `mode`; False if something already exists there."""
    try:
        path.mkdir(mode=mode)
    except FileExistsError:
        return False
    except OSError as error:
        raise OperationError(f"cannot create folder {path}: {error.strerror}") from None
    path.chmod(mode)  # mkdir's mode is filtered by the umask; make it exact
    return True


def _missing_parents(path: Path) -> list[Path]:
    """The folders above `path` that do not exist yet, outermost first."""
    missing: list[Path] = []
    for parent in path.parents:
        if parent.exists() or parent.is_symlink():
            break
        missing.append(parent)
    return missing[::-1]


def write_atomic(path: Path, content: str | bytes, *, secret: bool) -> None:
    """Replace `path` with `content` in one step; secret files are 0600 from creation.

    Text is written as ASCII (PEM, JSON); bytes as they are (a DER CRL).
    """
    mode = SECRET_MODE if secret else PUBLIC_MODE
    data = content.encode("ascii") if isinstance(content, str) else content
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    except OSError as error:
        raise OperationError(f"cannot write {path}: {error.strerror}") from None
    try:
        # The umask (077 in every command) only narrows the mode given to open(); set it
        # exactly, so a public certificate is 0644 and a key stays 0600.
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise OperationError(f"cannot write {path}: {error.strerror}") from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable, so a crash cannot bring back the old file."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
