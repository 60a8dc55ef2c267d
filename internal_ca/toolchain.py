"""Running the cdktf CLI and Terraform with a quiet, offline-safe environment."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import OperationError
from .project import Project
from .provider_source import STANDIN, cli_config_env, explain_init_failure
from .state_lock import lock_timeout_env


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
    return subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        text=True,
        capture_output=capture,
        check=False,
    )


def synth(project: Project, env: dict[str, str]) -> list[str]:
    """`cdktf synth`; returns the stack names. A validation error is shown as it is."""
    done = run([project.bin("cdktf"), "synth"], cwd=project.root, env=env)
    if done.returncode != 0:
        raise OperationError("synth failed: " + _last_error_line(done.stdout + done.stderr))
    return project.stacks()


def terraform_init(project: Project, stack: str, env: dict[str, str], mode: str) -> None:
    """Init one stack's working directory, turning provider-install failures into advice.

    With a real provider (registry or mirror) the dependency lock file is kept in
    locks/<stack>.terraform.lock.hcl, which is committed: cdktf.out/ is regenerated and
    git-ignored, and the lock file is what pins the provider's checksums for the whole team.
    The stand-in's checksums would be wrong for everyone else, so they are never recorded.
    """
    kept = project.root / "locks" / f"{stack}.terraform.lock.hcl"
    working = project.stack_dir(stack) / ".terraform.lock.hcl"
    if mode != STANDIN and kept.is_file():
        shutil.copyfile(kept, working)
    done = run(
        ["terraform", "init", "-input=false", "-no-color"],
        cwd=project.stack_dir(stack),
        env=env,
    )
    if done.returncode == 0:
        if mode != STANDIN and working.is_file():
            kept.parent.mkdir(exist_ok=True)
            shutil.copyfile(working, kept)
        return
    output = done.stdout + done.stderr
    reason = explain_init_failure(output, mode)
    raise OperationError(
        reason or f"terraform init failed for stack {stack!r}: " + _last_error_line(output)
    )


def _last_error_line(output: str) -> str:
    """The most useful line of a tool's output.

    A Python exception raised by the app (a ValueError naming the bad field) wins; then
    Terraform's first "Error:" with its summary; then the last line.
    """
    lines = [line.strip(" │╷╵\t") for line in output.splitlines()]
    lines = [line.strip() for line in lines if line.strip()]
    exceptions = [line for line in lines if _PYTHON_EXCEPTION.match(line)]
    if exceptions:
        return exceptions[-1]
    for index, line in enumerate(lines):
        if line.startswith("Error:"):
            detail = lines[index + 1] if line == "Error:" and index + 1 < len(lines) else ""
            return f"{line} {detail}".strip()
    return lines[-1] if lines else "no output"


_PYTHON_EXCEPTION = re.compile(r"^[A-Za-z_.]*(Error|Exception): \S")
