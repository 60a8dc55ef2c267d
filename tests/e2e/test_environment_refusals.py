"""Inherited variables that would move state or log keys stop every command before it writes.

Through the real binary in a fresh project: each refusal is one line, and afterwards no state,
plan, lock file or synthesized stack exists anywhere in the project.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from e2e_project import TempProject, service_line

pytestmark = [pytest.mark.e2e, pytest.mark.conformance]

# Every command that opens a workspace, with arguments that get it past its own checks.
COMMANDS = [
    ("plan", "--initial"),
    ("deploy", "--auto-approve", "--initial"),
    ("inventory",),
    ("verify",),
    ("export", "out", "--no-crl"),
    ("crl",),
    ("unlock",),
    ("recover",),
    ("migrate-state",),
    ("revoke", "app", "--reason", "superseded"),
    ("demo",),
]


@pytest.fixture
def project(tmp_path: Path) -> TempProject:
    project = TempProject(tmp_path / "project")
    project.write_app(service_line("app", "app.internal.example"))
    return project


def written(project: TempProject) -> list[str]:
    """What a refused command must not have left: anything but the app and cdktf.json."""
    left = [
        path.relative_to(project.root).as_posix()
        for path in project.root.rglob("*")
        if path.name not in {"main.py", "cdktf.json"}
    ]
    return sorted(left)


def last_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = done.stderr.strip().splitlines()
    assert lines, done.stdout
    return lines[-1]


def test_another_workspace_and_state_argument_are_refused_by_plan_and_deploy(
    project: TempProject,
) -> None:
    moved = {"TF_WORKSPACE": "other", "TF_CLI_ARGS_plan": "-state=elsewhere"}
    for command in (("plan", "--initial"), ("deploy", "--auto-approve", "--initial")):
        done = project.cli(*command, check=False, env=moved)
        assert done.returncode == 1, done.stdout + done.stderr
        assert done.stderr.count("\n") == 1, done.stderr
        assert last_line(done).startswith("internal-ca: TF_CLI_ARGS_plan is set;")
        assert "-state=elsewhere" not in done.stderr
    done = project.cli("plan", "--initial", check=False, env={"TF_WORKSPACE": "other"})
    assert last_line(done) == (
        "internal-ca: TF_WORKSPACE='other' is set; it selects another Terraform workspace, "
        "so another state; expected it unset"
    )
    assert written(project) == []


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: command[0])
def test_every_command_refuses_another_workspace(
    project: TempProject, command: tuple[str, ...]
) -> None:
    done = project.cli(*command, check=False, env={"TF_WORKSPACE": "other"})
    assert done.returncode == 1, done.stdout + done.stderr
    assert last_line(done).startswith("internal-ca: TF_WORKSPACE='other' is set;")
    assert written(project) == []  # refused before any command starts, demo's copy included


def test_a_data_dir_is_refused(project: TempProject, tmp_path: Path) -> None:
    done = project.cli("plan", "--initial", check=False, env={"TF_DATA_DIR": str(tmp_path)})
    assert last_line(done).startswith(f"internal-ca: TF_DATA_DIR={str(tmp_path)!r} is set;")
    assert written(project) == []


def test_arguments_for_every_terraform_command_are_refused_unechoed(project: TempProject) -> None:
    arguments = "-backend-config=password=hunter2"
    done = project.cli("deploy", "--auto-approve", check=False, env={"TF_CLI_ARGS": arguments})
    assert last_line(done).startswith("internal-ca: TF_CLI_ARGS is set;")
    assert "hunter2" not in done.stdout + done.stderr
    assert written(project) == []


def test_a_registry_deploy_refuses_an_inherited_cli_config(
    project: TempProject, tmp_path: Path
) -> None:
    """The README's `export TF_CLI_CONFIG_FILE=...` for a bare `cdktf deploy` on the stand-in."""
    config = tmp_path / "terraformrc"
    config.write_text("provider_installation {\n  direct {}\n}\n")
    done = project.cli(
        "deploy",
        "--auto-approve",
        "--initial",
        check=False,
        env={"CA_TLS_PROVIDER": "registry", "TF_CLI_CONFIG_FILE": str(config)},
    )
    assert done.returncode == 1
    assert last_line(done).startswith(f"internal-ca: TF_CLI_CONFIG_FILE={str(config)!r} is set;")
    assert written(project) == []


@pytest.mark.parametrize("name", ["TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_SDK_PROTO"])
@pytest.mark.parametrize("level", ["DEBUG", "trace", "json"])
def test_logs_that_show_keys_are_refused(project: TempProject, name: str, level: str) -> None:
    done = project.cli("deploy", "--auto-approve", "--initial", check=False, env={name: level})
    assert done.returncode == 1
    message = last_line(done)
    assert message.startswith(f"internal-ca: {name}={level!r} is set;")
    assert "log private keys" in message
    assert "--allow-debug-log" in message
    assert written(project) == []


def test_allow_debug_log_lets_terraform_log(project: TempProject, tmp_path: Path) -> None:
    log = tmp_path / "terraform.log"
    done = project.cli(
        "--allow-debug-log",
        "plan",
        "--initial",
        check=False,
        env={"TF_LOG": "DEBUG", "TF_LOG_PATH": str(log)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[DEBUG]" in log.read_text()
    log.unlink()


# Item 13: the CLI as a new user or an attacker runs it.


def run_cli(root: Path, *args: str, **streams: Any) -> subprocess.CompletedProcess[str]:
    done: subprocess.CompletedProcess[str] = subprocess.run(
        [sys.executable, "-m", "internal_ca", *args],
        cwd=root,
        text=True,
        capture_output="stdout" not in streams,
        check=False,
        timeout=120,
        **streams,
    )
    return done


def closing(fd: int) -> Callable[[], None]:
    """For preexec_fn: the child starts with this descriptor closed, as `<&-` or `>&-` do."""
    return lambda: os.close(fd)


def test_a_malformed_app_command_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "cdktf.json").write_text(json.dumps({"app": 'python "main.py'}))
    done = run_cli(tmp_path, "plan", stdin=subprocess.DEVNULL)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().endswith(
        "is not a command line (No closing quotation); expected "
        'the command that runs main.py, e.g. ".venv/bin/python main.py"'
    )


def test_an_app_command_with_a_nul_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "cdktf.json").write_text(json.dumps({"app": "python\u0000 main.py"}))
    done = run_cli(tmp_path, "plan", stdin=subprocess.DEVNULL)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and '"app" holds a NUL character' in done.stderr


def test_a_project_file_that_is_not_text_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "cdktf.json").write_bytes(b"\xff\xfe{}")
    done = run_cli(tmp_path, "inventory", stdin=subprocess.DEVNULL)
    assert done.returncode == 1
    project_file = tmp_path / "cdktf.json"
    assert done.stderr == (
        f"internal-ca: {project_file} is not UTF-8 text; expected cdktf's project file\n"
    )


def test_a_missing_terraform_is_one_line(project: TempProject) -> None:
    env = project.env()
    env["PATH"] = str(Path(sys.executable).parent)  # python, but no terraform and no node
    done = subprocess.run(
        [sys.executable, "-m", "internal_ca", "plan", "--initial"],
        cwd=project.root,
        env=env,
        text=True,
        capture_output=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "internal-ca: cannot use terraform: No such file or directory"
    )


def _plan_json(tmp_path: Path) -> Path:
    path = tmp_path / "plan.json"
    plan = {"format_version": "1.2", "planned_values": {"root_module": {}}, "resource_changes": []}
    path.write_text(json.dumps(plan))
    return path


def test_closed_stdin_is_no_terminal(project: TempProject) -> None:
    done = run_cli(project.root, "deploy", env=project.env(), preexec_fn=closing(0))
    assert done.returncode == 1
    assert done.stderr == (
        "internal-ca: no terminal to ask for approval; review `make plan` and run with "
        "AUTO_APPROVE=1\n"
    )


def test_closed_stdout_is_refused(tmp_path: Path) -> None:
    plan = _plan_json(tmp_path)
    done = run_cli(
        tmp_path,
        "plan",
        "--plan-json",
        str(plan),
        stdout=None,
        stderr=subprocess.PIPE,
        preexec_fn=closing(1),
    )
    assert done.returncode == 1
    assert done.stderr == (
        "internal-ca: standard output is closed; expected it open (redirect it to /dev/null "
        "to discard the report)\n"
    )


def test_a_full_stdout_is_not_success(tmp_path: Path) -> None:
    plan = _plan_json(tmp_path)
    with open("/dev/full", "w") as full:
        done = run_cli(
            tmp_path, "plan", "--plan-json", str(plan), stdout=full, stderr=subprocess.PIPE
        )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("internal-ca: ")
    assert "No space left on device" in done.stderr
