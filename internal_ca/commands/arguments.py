"""Argument types shared by the subcommands: bad input stops at parsing, before any work.

argparse calls these while it reads the command line, so a bad value ends the command with
exit status 2 and one line ("internal-ca plan: error: argument --output: ...") before the app
is synthesized or anything is planned. Each message names the value and what was expected.
Numbers are finite and bounded; paths are checked for what the command will do with them
(write a file, create a folder, read a plan), so a folder given as a file, a missing parent,
a device or a FIFO is refused instead of failing, or hanging, after a long plan.
"""

from __future__ import annotations

import argparse
import math
import os
import stat
from collections.abc import Callable
from pathlib import Path

from internal_ca.plan.run import MAX_PLAN_BYTES

MAX_PLAN_JSON_BYTES: int = MAX_PLAN_BYTES
"""The plan reader's own limit, checked here before a byte is read."""

MAX_COUNT = 100_000
"""Far above any CA's certificate count, far below what would overflow anything."""

MAX_DAYS = 36_525
"""A hundred years: longer than any certificate here lives, and far from datetime's limits."""


def whole_number(
    *, low: int = 0, high: int = MAX_COUNT, unit: str = "whole number"
) -> Callable[[str], int]:
    """An argparse type: a decimal integer from `low` to `high`, both included."""

    def parse(text: str) -> int:
        expected = f"expected a {unit} from {low} to {high}"
        try:
            value = int(text.strip(), 10)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{_shown(text)} is not a whole number; {expected}"
            ) from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{_shown(text)} is out of range; {expected}")
        return value

    parse.__name__ = unit
    return parse


def days(text: str) -> float:
    """An argparse type: a finite number of days from 0 to MAX_DAYS (fractions allowed)."""
    expected = f"expected a number of days from 0 to {MAX_DAYS}"
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{_shown(text)} is not a number; {expected}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{_shown(text)} is not a finite number; {expected}")
    if not 0 <= value <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f"{_shown(text)} is out of range; {expected}")
    return value + 0.0  # "-0" becomes 0.0, so messages never say "within -0 days"


def output_file(text: str) -> Path:
    """An argparse type: a file the command may create or replace, in a writable folder."""
    path = _path(text, "a file to write")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a folder; expected a file to write")
    if path.is_symlink() and not path.exists():
        raise argparse.ArgumentTypeError(
            f"{text!r} is a symbolic link to nothing; expected a file to write"
        )
    if path.exists():
        if not path.is_file():
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a regular file (a device, FIFO or socket); "
                "expected a file to write"
            )
        if not os.access(path, os.W_OK):
            raise argparse.ArgumentTypeError(f"{text!r} is not writable; expected a file to write")
    parent = path.parent
    if not parent.is_dir():
        what = "is not a folder" if parent.exists() else "does not exist"
        raise argparse.ArgumentTypeError(
            f"{text!r}: {str(parent)!r} {what}; expected a file in an existing folder"
        )
    _writable_folder(parent, text, "a file in a writable folder")
    return path


def output_folder(text: str) -> Path:
    """An argparse type: a folder to write into; missing folders (and parents) are created."""
    path = _path(text, "a folder to write into")
    if path.is_symlink() and not path.exists():
        raise argparse.ArgumentTypeError(
            f"{text!r} is a symbolic link to nothing; expected a folder to write into"
        )
    if path.exists():
        if not path.is_dir():
            raise argparse.ArgumentTypeError(
                f"{text!r} exists and is not a folder; expected a folder to write into"
            )
        _writable_folder(path, text, "a folder to write into")
        return path
    existing = next(parent for parent in path.absolute().parents if parent.exists())
    if not existing.is_dir():
        raise argparse.ArgumentTypeError(
            f"{text!r}: {str(existing)!r} is not a folder; expected a folder to write into"
        )
    _writable_folder(existing, text, "a folder that can be created")
    return path


def plan_json_file(text: str) -> Path:
    """An argparse type: a regular, readable file of at most MAX_PLAN_JSON_BYTES.

    Only stat() is used, which never blocks: opening a FIFO would wait for a writer, and
    reading a device such as /dev/zero would never end.
    """
    expected = "expected a `terraform show -json` file"
    path = _path(text, expected.removeprefix("expected "))
    try:
        info = path.stat()
    except FileNotFoundError:
        raise argparse.ArgumentTypeError(f"{text!r} does not exist; {expected}") from None
    except OSError as error:
        raise argparse.ArgumentTypeError(
            f"{text!r} cannot be read ({error.strerror}); {expected}"
        ) from None
    if stat.S_ISDIR(info.st_mode):
        raise argparse.ArgumentTypeError(f"{text!r} is a folder; {expected}")
    if not stat.S_ISREG(info.st_mode):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a regular file (a device, FIFO or socket); {expected}"
        )
    if info.st_size > MAX_PLAN_JSON_BYTES:
        raise argparse.ArgumentTypeError(
            f"{text!r} is {info.st_size} bytes, over the limit of {MAX_PLAN_JSON_BYTES}; {expected}"
        )
    if not os.access(path, os.R_OK):
        raise argparse.ArgumentTypeError(f"{text!r} is not readable; {expected}")
    return path


def crl_folder(text: str) -> Path:
    """An existing, readable folder, so a typo cannot pass as "no CRLs"."""
    expected = "expected the folder `internal-ca crl` wrote"
    path = _path(text, expected.removeprefix("expected "))
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{_shown(text)} does not exist; {expected}")
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{_shown(text)} is not a folder; {expected}")
    if not os.access(path, os.R_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{_shown(text)} is not readable; {expected}")
    return path


def _shown(text: str) -> str:
    """The value as typed, quoted; cut short so a pasted megabyte stays a one-line error."""
    return repr(text) if len(text) <= 40 else repr(text[:40]) + "..."


def _path(text: str, expected: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is an empty path; expected {expected}")
    return Path(text)


def _writable_folder(folder: Path, text: str, expected: str) -> None:
    if not os.access(folder, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(
            f"{text!r}: folder {str(folder)!r} is not writable; expected {expected}"
        )
