"""The environment and runner for cdktf and Terraform: quiet, offline-safe, never echoing."""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from internal_ca.state.lock import lock_timeout_env
from internal_ca.terraform import diagnostics
from internal_ca.terraform.environment import check_inherited, is_tool_argument_variable
from internal_ca.terraform.project import Project
from internal_ca.terraform.provider_source import STANDIN, cli_config_env

_STOP_GRACE_SECONDS = 60.0
"""How long an interrupted Terraform may take to finish its in-flight writes."""
_SELF_STOP_NOTICE_SECONDS = 5.0
"""How long Terraform has to show it got an interrupt of its own before it is sent ours."""
_STOPPING_NOTICE = "Interrupt received."
"""The line Terraform prints as soon as it begins a graceful stop."""
_POLL_SECONDS = 0.05
_IGNORING_HANGUP = ("/bin/sh", "-c", 'trap "" HUP; exec "$0" "$@"')
"""Runs its arguments as a command with SIGHUP ignored (see `_start`); exec keeps the pid."""


def tool_env(project: Project, mode: str) -> dict[str, str]:
    """The environment for cdktf and terraform: no version checks, no Node noise.

    Refuses first an inherited variable that would move state, add arguments, swap the
    provider or log keys (internal_ca.terraform.environment), before anything is written.
    """
    check_inherited(os.environ, real_provider=mode != STANDIN)
    env = {name: value for name, value in os.environ.items() if not is_tool_argument_variable(name)}
    path = [str(project.bin("x").parent), str(Path(sys.executable).parent), env.get("PATH", "")]
    env.update(
        {
            "PATH": os.pathsep.join(path),
            # Terraform and cdktf both phone home for version checks without this.
            "CHECKPOINT_DISABLE": "1",
            "CDKTF_DISABLE_PLUGIN_CACHE_ENV": "1",
            # jsii runs on the Node 22 from node_modules; this silences the banner on older Nodes.
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
            "NODE_OPTIONS": "--no-deprecation",
            "TF_IN_AUTOMATION": "1",
        }
    )
    env.pop("TERRAFORM_CONFIG", None)  # every mode writes its own CLI config, set below
    env.update(cli_config_env(project, mode))
    # Every command that takes the state lock waits for a colleague's deploy instead of failing.
    env.update(lock_timeout_env(env))
    return env


def run(
    args: Sequence[str | Path],
    *,
    cwd: Path,
    env: dict[str, str],
    capture: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run a tool; with `capture`, its output is returned (and never printed here)."""
    pipe = subprocess.PIPE if capture else None
    process = _start(args, cwd=cwd, env=env, stdout=pipe, stderr=pipe)
    try:
        stdout, stderr = process.communicate()
    except BaseException as error:
        _stop_for(process, error)
        raise
    return subprocess.CompletedProcess(
        [str(arg) for arg in args], process.returncode, stdout, stderr
    )


def stream(
    args: Sequence[str | Path],
    *,
    cwd: Path,
    env: dict[str, str],
    out: TextIO = sys.stdout,
    on_line: Callable[[str], None] | None = None,
) -> tuple[int, str]:
    """Run a tool, showing its progress line by line through the one redaction filter.

    Returns the exit status and the redacted output, for the caller's one-line reason.
    Terraform ends an apply with every output's value; those are certificates at best and
    the reason `terraform output` is never shown, so that section is left out. A thread
    reads the output, so `on_line` (the apply journal) still sees every line while an
    interrupted Terraform finishes what is in flight; those lines are shown after it stops.
    """
    shown: list[str] = []
    process = _start(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None
    stopping = threading.Event()
    lines: queue.SimpleQueue[str | Exception | None] = queue.SimpleQueue()
    reader = threading.Thread(
        target=_read, args=(process.stdout, lines, on_line, stopping), daemon=True
    )
    reader.start()
    in_outputs = [False]
    try:
        while (item := lines.get()) is not None:
            if isinstance(item, Exception):
                raise item
            _show(item, in_outputs, shown, out)
        return process.wait(), "".join(shown)
    except BaseException as error:
        _stop_for(process, error, stopping)
        reader.join(timeout=_STOP_GRACE_SECONDS)
        with contextlib.suppress(OSError):  # the output may be what failed
            while not lines.empty():
                item = lines.get()
                if isinstance(item, str):
                    _show(item, in_outputs, shown, out)
        raise
    finally:
        # A second interrupt can end the stop early: then Terraform may still be writing,
        # and the reader is left to the end of its output rather than waited for here.
        if process.poll() is not None:
            reader.join(timeout=_STOP_GRACE_SECONDS)
        if not reader.is_alive():
            process.stdout.close()


def _start(
    args: Sequence[str | Path],
    *,
    cwd: Path,
    env: dict[str, str],
    stdout: int | None,
    stderr: int | None,
) -> subprocess.Popen[str]:
    """Start a tool with SIGHUP ignored, so only our one SIGINT stops Terraform.

    A closed terminal or a dropped SSH session sends SIGHUP to the whole process group.
    Terraform (Go) does not handle SIGHUP, so it would die at once, possibly halfway
    through rewriting the state file; Go keeps a signal that was ignored at start ignored.
    This process catches the SIGHUP and stops Terraform with one SIGINT instead (`stop`).
    The disposition is set by `/bin/sh` (`trap '' HUP`, kept across its `exec`), about
    4 ms a run: a `preexec_fn` would run Python in the forked child while other threads
    (a reader of an earlier run) may hold its locks, and changing this process's own
    handler around the fork would drop a SIGHUP that arrives meanwhile.
    """
    argv = [str(arg) for arg in args]
    program = argv[0] if os.sep in argv[0] else shutil.which(argv[0], path=env.get("PATH"))
    if program is None or not os.access(program, os.X_OK):
        # As Popen would say: the shell's "not found" would be exit 127, not an exception.
        raise FileNotFoundError(2, "No such file or directory", argv[0])
    return subprocess.Popen(
        [*_IGNORING_HANGUP, program, *argv[1:]],
        cwd=cwd,
        env=env,
        text=True,
        stdout=stdout,
        stderr=stderr,
    )


def _read(
    pipe: TextIO,
    lines: queue.SimpleQueue[str | Exception | None],
    on_line: Callable[[str], None] | None,
    stopping: threading.Event,
) -> None:
    """Pass the tool's lines on, and note when it says it got an interrupt of its own.

    The pipe is read to its end whatever happens, so the tool never blocks on a full pipe;
    a failing `on_line` is reported once and not called again.
    """
    callback = on_line
    try:
        for line in pipe:
            if callback is not None:
                try:
                    callback(line)
                except Exception as error:
                    callback = None
                    lines.put(error)
            if line.startswith(_STOPPING_NOTICE):
                stopping.set()
            lines.put(line)
    except (OSError, ValueError):
        pass  # the pipe was closed under us: this process is leaving
    finally:
        lines.put(None)


def _show(line: str, in_outputs: list[bool], shown: list[str], out: TextIO) -> None:
    if line.startswith("Outputs:"):
        in_outputs[0] = True
    if not in_outputs[0]:
        text = diagnostics.redact(line)
        shown.append(text)
        out.write(text)
        out.flush()


def _stop_for(
    process: subprocess.Popen[str], error: BaseException, stopping: threading.Event | None = None
) -> None:
    """Stop a child because this process is unwinding with `error`.

    Whatever the cause (Ctrl-C, SIGTERM, SIGHUP, a failure here), Terraform gets at most
    one interrupt; see `stop`. It was started with SIGHUP ignored, so a SIGHUP never
    reached it and ours goes at once. Terraform stops its provider processes itself.
    """
    hangup = getattr(error, "signum", None) == signal.SIGHUP
    stop(process, stopping=stopping, notice=0.0 if hangup else _SELF_STOP_NOTICE_SECONDS)


def stop(
    process: subprocess.Popen[str],
    *,
    stopping: threading.Event | None = None,
    grace: float = _STOP_GRACE_SECONDS,
    notice: float = _SELF_STOP_NOTICE_SECONDS,
) -> None:
    """Stop a child by its own pid with at most one SIGINT, so Terraform can persist state.

    A signal to the whole process group (Ctrl-C in a terminal, SIGTERM from a CI runner,
    systemd or `timeout`) reaches Terraform too, and Terraform takes a second interrupt as
    "exit now", even halfway through writing the state file. So it gets `notice` seconds to
    show it got one of its own (it says "Interrupt received." on `stopping`, or exits);
    only then is SIGINT sent. It is killed if it has not stopped after `grace`.
    """
    if process.poll() is not None:
        return
    if not _stops_by_itself(process, stopping, notice):
        process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _stops_by_itself(
    process: subprocess.Popen[str], stopping: threading.Event | None, notice: float
) -> bool:
    deadline = time.monotonic() + notice
    while process.poll() is None and not (stopping is not None and stopping.is_set()):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(_POLL_SECONDS, left))
    return True
