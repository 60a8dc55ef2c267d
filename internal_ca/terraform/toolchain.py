"""The environment and runner for cdktf and Terraform: quiet, offline-safe, never echoing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from internal_ca.state.lock import lock_timeout_env
from internal_ca.terraform import diagnostics
from internal_ca.terraform.project import Project
from internal_ca.terraform.provider_source import cli_config_env

_STOP_GRACE_SECONDS = 60.0
"""How long an interrupted Terraform may take to finish its in-flight writes."""


def tool_env(project: Project, mode: str) -> dict[str, str]:
    """The environment for cdktf and terraform: no version checks, no Node noise."""
    env = dict(os.environ)
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
    configured = env.get("TF_CLI_CONFIG_FILE")
    if configured and not Path(configured).exists():
        # Terraform only warns about a missing CLI config, but the warning buries real output.
        del env["TF_CLI_CONFIG_FILE"]
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
    process = subprocess.Popen(
        [str(arg) for arg in args], cwd=cwd, env=env, text=True, stdout=pipe, stderr=pipe
    )
    try:
        stdout, stderr = process.communicate()
    except BaseException as error:
        _stop_for(process, error)
        raise
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


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
    the reason `terraform output` is never shown, so that section is left out. If this
    process is interrupted, the tool gets SIGINT (Terraform then finishes what is in flight
    and writes its state) and is killed only if it has not stopped in time.
    """
    shown: list[str] = []
    process = subprocess.Popen(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert process.stdout is not None
        in_outputs = False
        for line in process.stdout:
            if on_line is not None:
                on_line(line)
            if line.startswith("Outputs:"):
                in_outputs = True
            if not in_outputs:
                text = diagnostics.redact(line)
                shown.append(text)
                out.write(text)
                out.flush()
        return process.wait(), "".join(shown)
    except BaseException as error:
        _stop_for(process, error)
        raise
    finally:
        if process.stdout is not None:
            process.stdout.close()


def _stop_for(process: subprocess.Popen[str], error: BaseException) -> None:
    """Stop a child because this process is unwinding with `error`.

    A terminal's Ctrl-C reaches the whole process group, Terraform included; a second SIGINT
    would make Terraform exit at once, mid-write, so it is forwarded only for other causes.
    Terraform stops its provider processes itself when it stops.
    """
    signum = getattr(error, "signum", signal.SIGINT)
    from_terminal = isinstance(error, KeyboardInterrupt) and signum == signal.SIGINT
    stop(process, forward=not from_terminal)


def stop(
    process: subprocess.Popen[str], *, forward: bool = True, grace: float = _STOP_GRACE_SECONDS
) -> None:
    """Stop a child by its own pid: SIGINT first, so Terraform can persist state; then kill."""
    if process.poll() is not None:
        return
    if forward:
        process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
