"""Wall time and peak memory of a command and every process it starts.

tracemalloc sees only Python objects, and the jsii kernel and the cdktf CLI are Node
processes, so the peak comes from the kernel: `wait4` returns the rusage of the child
together with its reaped descendants, whose `ru_maxrss` is the largest resident set any one
of them reached.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PEM_PRIVATE_KEY = "PRIVATE KEY-----"


class BenchError(RuntimeError):
    """A measured command failed; the message holds a redacted tail of its output."""


@dataclass(frozen=True)
class Run:
    """One measured command: seconds of wall time and the largest process's peak RSS in MiB."""

    wall_s: float
    peak_rss_mib: float
    returncode: int
    launches: int = 0


def redact(text: str) -> str:
    """Tool output can hold key material (never in ours, but be sure): withhold it whole."""
    if PEM_PRIVATE_KEY in text:
        return "[output withheld: it contains a PEM private key block]"
    return text


def launch_count(log: Path | None) -> int:
    if log is None or not log.exists():
        return 0
    return len(log.read_text().splitlines())


def run_measured(
    args: Sequence[str | Path],
    *,
    cwd: Path,
    env: dict[str, str],
    log: Path,
    ok_codes: Sequence[int] = (0,),
    launch_log: Path | None = None,
    timeout_s: float = 900,
) -> Run:
    """Run `args`, output to `log` (in a private temp dir), and measure it; raise on failure."""
    if launch_log is not None:
        launch_log.write_text("")
    with log.open("w") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [str(arg) for arg in args],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        # A hung step must not eat the whole budget of a run: stop its process group.
        timer = threading.Timer(timeout_s, os.killpg, (proc.pid, signal.SIGKILL))
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except KeyboardInterrupt:
            # The child has its own session, so Ctrl-C does not reach it: pass it on.
            os.killpg(proc.pid, signal.SIGINT)
            raise
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    if code not in ok_codes:
        tail = redact(log.read_text())[-3000:]
        raise BenchError(f"{' '.join(map(str, args))} exited {code} in {cwd}:\n{tail}")
    return Run(wall, usage.ru_maxrss / 1024, code, launch_count(launch_log))


def peak_rss_mib(pid: int | None = None) -> float:
    """VmHWM of a live process (default: this one), for processes nobody will reap."""
    path = Path(f"/proc/{pid or os.getpid()}/status")
    for line in path.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_pids() -> list[int]:
    """Direct children of this process (the jsii kernel's Node process, during a synth)."""
    pids: list[int] = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        children = task / "children"
        if children.exists():
            pids.extend(int(pid) for pid in children.read_text().split())
    return pids


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
