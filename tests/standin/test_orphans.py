"""A stand-in whose Terraform was SIGKILLed exits and removes its socket folder.

A killed Terraform cannot ask its plugins to shut down, so each stand-in watches for its
parent's death itself; without that it served on, and kept its `tls-standin-<pid>-…`
folder in TMPDIR, until someone killed it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from e2e_project import descendants

from tls_standin.handshake import SOCKET_DIR_PREFIX

KEYS = 40
BOUND_SECONDS = 30.0
"""Far above the stand-in's own poll interval and its 2-second shutdown."""


def _standins_of(pid: int) -> list[int]:
    return [child for child, command in descendants(pid) if "tls_standin" in command]


def _socket_folders(tmpdir: Path) -> list[Path]:
    return [path for path in tmpdir.iterdir() if path.name.startswith(SOCKET_DIR_PREFIX)]


def _alive(pid: int) -> bool:
    """Running, not merely a zombie waiting for its (new) parent to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _serving(pid: int) -> bool:
    """Has the stand-in set its SIGTERM handler, which it does once it serves?"""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) & (1 << (signal.SIGTERM - 1)))


def _ready(moment: str, standins: list[int], tmpdir: Path) -> bool:
    if moment == "starting":  # mid-handshake: its folder made, its line not yet written
        return bool(standins and _socket_folders(tmpdir))
    return any(_serving(pid) for pid in standins)


@pytest.mark.parametrize("moment", ["starting", "serving"])
def test_the_standin_exits_and_cleans_up_when_terraform_is_killed(
    make_workspace: Callable[[dict[str, Any]], Any], required_providers: dict[str, Any], moment: str
) -> None:
    # RSA 4096 keys one at a time keep an apply, and its stand-in, busy for a while.
    ws = make_workspace(
        {
            "terraform": required_providers,
            "resource": {
                "tls_private_key": {
                    f"k{index}": {"algorithm": "RSA", "rsa_bits": 4096} for index in range(KEYS)
                }
            },
        }
    )
    terraform = subprocess.Popen(
        ["terraform", "apply", "-auto-approve", "-input=false", "-no-color", "-parallelism=1"],
        cwd=ws.path,
        env=ws.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    standins: list[int] = []
    try:
        deadline = time.monotonic() + BOUND_SECONDS
        while not _ready(moment, standins, ws.tmpdir):
            assert terraform.poll() is None, "the apply ended before a stand-in was serving"
            assert time.monotonic() < deadline, "no stand-in started serving"
            time.sleep(0.05)
            standins = _standins_of(terraform.pid)
        os.kill(terraform.pid, signal.SIGKILL)
        terraform.wait()
        deadline = time.monotonic() + BOUND_SECONDS
        while any(_alive(pid) for pid in standins) or _socket_folders(ws.tmpdir):
            if time.monotonic() > deadline:
                left = [pid for pid in standins if _alive(pid)]
                pytest.fail(
                    f"{BOUND_SECONDS:.0f}s after Terraform was killed: stand-ins still running "
                    f"{left}, socket folders left {[p.name for p in _socket_folders(ws.tmpdir)]}"
                )
            time.sleep(0.1)
    finally:
        if terraform.poll() is None:  # once reaped, its pid may be another process's
            terraform.kill()
            terraform.wait()
        for pid in standins:
            if _alive(pid) and _is_standin(pid):  # an exited stand-in's pid may be reused
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


def _is_standin(pid: int) -> bool:
    try:
        return b"tls_standin" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
