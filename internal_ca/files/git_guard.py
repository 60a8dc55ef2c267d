"""Keys must not land where `git add .` would pick them up.

A folder inside a git work tree is refused for key files unless git already ignores those
file names (the project's .gitignore covers demo/ and *-private-key.pem), or the user says
--force on purpose.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from internal_ca.errors import OperationError


def refuse_keys_in_work_tree(folder: Path, key_names: Sequence[str], force: bool) -> None:
    """Raise unless every key file in `folder` would be ignored by git (or there is no git)."""
    if force or not key_names:
        return
    anchor = _nearest_existing(folder.resolve())
    top = _git(anchor, "rev-parse", "--show-toplevel")
    if top is None:
        return
    for name in key_names:
        target = folder.resolve() / name
        ignored = _git(Path(top), "check-ignore", "-q", "--", str(target))
        if ignored is None:
            raise OperationError(
                f"{folder} is inside the git work tree {top} and git does not ignore {name}; "
                "a key there is one `git add` away from the repository. Choose a folder "
                "outside it, add the folder to .gitignore, or pass --force"
            )


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.is_dir():
            return candidate
    return Path("/")


def _git(cwd: Path, *args: str) -> str | None:
    """stdout of a successful git command; None when it fails or git is not installed."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None
