"""One way to open a project's stacks for Terraform: every command goes through `open_workspace`.

The pipeline, in order: find the project (the nearest cdktf.json); choose the provider source;
build the environment (quiet tools, CLI config, lock timeout); synthesize by running the app
directly, as `cdktf synth` does without its Node CLI around it; drop any file in a stack's
folder that the synth did not write (Terraform would load a planted `*.tf.json`); and run
`terraform init` only when the providers, backend, lock file or provider source changed, then
prove which hashicorp/tls package the stack runs (a changed source installs it afresh).

The process runs under umask 077 from `internal_ca.cli.main`, so everything written here is
private. Temporary folders (plans and state copies, so keys) live under the project's private
folder, never in the system temp folder, and leftovers of a killed run are removed by age.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from internal_ca.errors import OperationError
from internal_ca.terraform import diagnostics
from internal_ca.terraform.project import Project, find_project
from internal_ca.terraform.provider_source import (
    REGISTRY,
    STANDIN,
    explain_init_failure,
    selected_mode,
    uses_tls,
    verify_installed,
)
from internal_ca.terraform.toolchain import run, tool_env

_KEPT_IN_STACK_DIR = frozenset({".terraform", ".terraform.lock.hcl"})
_INIT_STAMP = "internal-ca-init.json"
_SOURCE_STAMP = "internal-ca-source.json"
_TMP = "tmp"
_STALE_TMP_SECONDS = 3600.0


@dataclass(frozen=True)
class Workspace:
    """A synthesized project with its chosen stacks initialised, ready for Terraform."""

    project: Project
    mode: str
    env: dict[str, str]
    all_stacks: tuple[str, ...]
    stacks: tuple[str, ...]

    def stack_dir(self, stack: str) -> Path:
        return self.project.stack_dir(stack)

    def terraform(
        self, stack: str, *args: str | Path, capture: bool = True, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run terraform in the stack's folder; captured output is never printed here."""
        return run(
            ["terraform", *args], cwd=cwd or self.stack_dir(stack), env=self.env, capture=capture
        )

    @contextmanager
    def private_tempdir(self, purpose: str) -> Iterator[Path]:
        """A 0700 folder under the project's private folder, removed whatever happens."""
        yield from _tempdir(self.project, purpose)


def open_workspace(
    stack: str | None = None,
    *,
    project: Project | None = None,
    mode: str | None = None,
    default_mode: str = REGISTRY,
    env_overrides: Mapping[str, str] | None = None,
    init: bool = True,
) -> Workspace:
    """Find, configure, synthesize and (when needed) init: the start of every command."""
    project = project or find_project()
    chosen_mode = mode or selected_mode(default_mode)
    remove_stale_tempdirs(project)
    env = tool_env(project, chosen_mode)
    env.update(env_overrides or {})
    names = synth(project, env)
    if stack is not None and stack not in names:
        raise OperationError(f"stack {stack!r} is not in this app; expected one of {list(names)}")
    chosen = (stack,) if stack else names
    workspace = Workspace(project, chosen_mode, env, names, chosen)
    if init:
        for name in chosen:
            init_if_needed(workspace, name)
    return workspace


def synth(project: Project, env: Mapping[str, str]) -> tuple[str, ...]:
    """Run the app from cdktf.json the way `cdktf synth` does; returns the stack names."""
    config = _config(project)
    app = _app_command(project, config)
    _clear_outdir(project)
    context = config.get("context") or {}
    if not isinstance(context, dict):
        raise OperationError('cdktf.json "context" is not an object; expected {} or a mapping')
    context = {**context, "cdktfRelativeModules": []}
    synth_env = {
        **env,
        "CDKTF_OUTDIR": str(project.outdir),
        "CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS": "true",
        "CDKTF_CONTEXT_JSON": json.dumps(context),
        "SYNTH_HCL_OUTPUT": "false",
    }
    # cdktf.json's "app" is a shell command line, and cdktf runs it with a shell too.
    done = subprocess.run(  # noqa: S602
        app,
        shell=True,
        cwd=project.root,
        env=synth_env,
        text=True,
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise OperationError("synth failed: " + diagnostics.reason(done.stdout + done.stderr))
    names = tuple(project.stacks())
    for name in names:
        _remove_unexpected_files(project, name)
    return names


def _config(project: Project) -> dict[str, object]:
    path = project.root / "cdktf.json"
    try:
        config = json.loads(path.read_text())
    except UnicodeDecodeError:
        raise OperationError(f"{path} is not UTF-8 text; expected cdktf's project file") from None
    except json.JSONDecodeError as error:
        raise OperationError(f"{path} is not valid JSON ({error.msg})") from None
    if not isinstance(config, dict):
        raise OperationError(f"{path} is not a JSON object; expected cdktf's project file")
    return config


def _app_command(project: Project, config: dict[str, object]) -> str:
    app = config.get("app")
    if not isinstance(app, str) or not app.strip():
        raise OperationError(
            f'{project.root / "cdktf.json"} has no "app"; expected the command that runs '
            'main.py, e.g. ".venv/bin/python main.py"'
        )
    try:
        shlex.split(app)  # a malformed command fails here, in Python's words, not the shell's
    except ValueError as error:
        raise OperationError(
            f'{project.root / "cdktf.json"} "app" is not a command line ({error}); expected the '
            'command that runs main.py, e.g. ".venv/bin/python main.py"'
        ) from None
    if "\0" in app:
        raise OperationError(
            f'{project.root / "cdktf.json"} "app" holds a NUL character; expected the command '
            'that runs main.py, e.g. ".venv/bin/python main.py"'
        )
    return app


def _clear_outdir(project: Project) -> None:
    """Start from an empty output folder, keeping only each stack's provider cache and lock."""
    if not project.outdir.exists():
        return
    for entry in project.outdir.iterdir():
        if entry.name == "stacks" and entry.is_dir():
            for stack_dir in entry.iterdir():
                _clear_stack_dir(stack_dir)
        else:
            _remove(entry)


def _clear_stack_dir(stack_dir: Path) -> None:
    if not stack_dir.is_dir() or stack_dir.is_symlink():
        _remove(stack_dir)
        return
    for entry in stack_dir.iterdir():
        if entry.name not in _KEPT_IN_STACK_DIR:
            _remove(entry)


def _remove_unexpected_files(project: Project, stack: str) -> None:
    """After synth a stack's folder holds cdk.tf.json and Terraform's own files, nothing else."""
    expected = {"cdk.tf.json", *_KEPT_IN_STACK_DIR}
    stack_dir = project.stack_dir(stack)
    for entry in stack_dir.iterdir():
        if entry.name not in expected:
            _remove(entry)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def stack_config(project: Project, stack: str) -> dict[str, Any]:
    """A stack's synthesized cdk.tf.json, read in one place; errors give a position, never content.

    The file holds every expression of the stack, keys passed through locals included, so a
    message quotes none of it.
    """
    path = project.stack_dir(stack) / "cdk.tf.json"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise OperationError(f"{path} does not exist; expected the synthesized stack") from None
    except UnicodeDecodeError:
        raise OperationError(f"{path} is not UTF-8 text; expected the synthesized stack") from None
    try:
        config = json.loads(text)
    except json.JSONDecodeError as error:
        raise OperationError(
            f"{path} is not valid JSON (line {error.lineno}, column {error.colno}); expected the "
            "synthesized stack"
        ) from None
    if not isinstance(config, dict):
        raise OperationError(f"{path} is not a JSON object; expected the synthesized stack")
    return config


def init_if_needed(workspace: Workspace, stack: str) -> None:
    """`terraform init` when the providers, backend, lock file or provider source changed.

    With a real provider (registry or mirror) the dependency lock file is kept in
    locks/<stack>.terraform.lock.hcl, which is committed: cdktf.out/ is regenerated and
    git-ignored, and the lock file pins the provider's checksums for the whole team. The
    stand-in's checksums would be wrong for everyone else, so they are never recorded.
    When the provider source changed, the installed packages and the working lock file go
    first (Terraform would otherwise keep any package the lock file accepts, the stand-in
    included); after init, `verify_installed` proves the package before anything runs it.
    Without a committed lock file that proof is against the lock this install just wrote, so
    the recorded checksum is named on stderr for review instead of passing as proven.
    """
    project, mode = workspace.project, workspace.mode
    kept = project.root / "locks" / f"{stack}.terraform.lock.hcl"
    first_lock = mode != STANDIN and not kept.is_file()
    working = project.stack_dir(stack) / ".terraform.lock.hcl"
    data = project.stack_dir(stack) / ".terraform"
    source_path = data / _SOURCE_STAMP
    source = _source_fingerprint(workspace)
    if not (source_path.is_file() and source_path.read_text() == source):
        # Another source's package would be reused if it matches the working lock file.
        _forget_providers(data, working)
    if mode != STANDIN and kept.is_file() and not _same_file(kept, working):
        shutil.copyfile(kept, working)
    config = stack_config(project, stack)
    stamp_path = data / _INIT_STAMP
    stamp = _init_fingerprint(workspace, config, working)
    if not (stamp_path.is_file() and stamp_path.read_text() == stamp):
        done = workspace.terraform(stack, "init", "-input=false", "-no-color")
        if done.returncode != 0:
            output = done.stdout + done.stderr
            explained = explain_init_failure(output, mode)
            if explained:
                raise OperationError(explained)
            raise diagnostics.failure(f"terraform init failed for stack {stack!r}", output)
    try:
        digest = verify_installed(project, stack, mode, working) if uses_tls(config) else None
    except OperationError:
        _forget_providers(data, working)
        raise
    if mode != STANDIN and working.is_file():
        kept.parent.mkdir(exist_ok=True)
        shutil.copyfile(working, kept)
        if first_lock and digest:
            print(
                f"internal-ca: warning: stack {stack}: no committed lock file; recorded "
                f"hashicorp/tls {digest} from this install in locks/{stack}.terraform.lock.hcl: "
                "review and commit it; later runs must match it",
                file=sys.stderr,
            )
    data.mkdir(mode=0o700, exist_ok=True)
    stamp_path.write_text(_init_fingerprint(workspace, config, working))
    source_path.write_text(source)


def _forget_providers(data: Path, working_lock: Path) -> None:
    """The next init installs hashicorp/tls afresh, from the current source only."""
    shutil.rmtree(data / "providers", ignore_errors=True)
    for stamp in (_INIT_STAMP, _SOURCE_STAMP):
        (data / stamp).unlink(missing_ok=True)
    working_lock.unlink(missing_ok=True)


def _source_fingerprint(workspace: Workspace) -> str:
    """Where hashicorp/tls comes from: the mode and the CLI config that installs it."""
    cli_config = Path(workspace.env.get("TF_CLI_CONFIG_FILE") or "/nonexistent")
    parts = {
        "mode": workspace.mode,
        "cli_config": cli_config.read_text() if cli_config.is_file() else "",
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _same_file(one: Path, other: Path) -> bool:
    return other.is_file() and one.read_bytes() == other.read_bytes()


def _init_fingerprint(workspace: Workspace, config: Mapping[str, Any], lock: Path) -> str:
    """What init depends on: the terraform block, the lock file and the provider source.

    `config` is the stack's `stack_config`, read once per init.
    """
    cli_config = Path(workspace.env.get("TF_CLI_CONFIG_FILE") or "/nonexistent")
    parts = {
        "terraform": config.get("terraform", {}),
        "provider": config.get("provider", {}),
        "lock": lock.read_text() if lock.is_file() else "",
        "mode": workspace.mode,
        "cli_config": cli_config.read_text() if cli_config.is_file() else "",
        "pg": workspace.env.get("PG_CONN_STR", ""),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _tempdir(project: Project, purpose: str) -> Iterator[Path]:
    base = project.private_dir / _TMP
    base.mkdir(mode=0o700, parents=True, exist_ok=True)
    base.chmod(0o700)
    path = base / f"{purpose}-{os.getpid()}-{time.time_ns()}"
    path.mkdir(mode=0o700)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def remove_stale_tempdirs(project: Project, max_age: float = _STALE_TMP_SECONDS) -> None:
    """A SIGKILLed run cannot clean up; its folder (plans hold keys) goes at the next start."""
    base = project.private_dir / _TMP
    if not base.is_dir():
        return
    now = time.time()
    for entry in base.iterdir():
        try:
            old = now - entry.stat().st_mtime > max_age
        except FileNotFoundError:
            continue
        if old or not _owner_alive(entry.name):
            shutil.rmtree(entry, ignore_errors=True)


def _owner_alive(name: str) -> bool:
    """Folders are named PURPOSE-PID-NS; a folder whose process is gone is a leftover."""
    parts = name.rsplit("-", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return False
    try:
        os.kill(int(parts[1]), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
