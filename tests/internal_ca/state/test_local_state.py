"""Local state, the default: private on disk, never in git, and never silently replaced."""

from __future__ import annotations

import secrets
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from e2e_project import REPO, TempProject, service_line

STATE = Path("state") / "internal-ca.tfstate"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


@pytest.mark.parametrize(
    "path", ["state/internal-ca.tfstate", "state/x", "y/terraform.tfstate.backup"]
)
def test_repo_ignores_state_files(path: str) -> None:
    done = subprocess.run(["git", "check-ignore", "-q", path], cwd=REPO, check=False)
    assert done.returncode == 0


@pytest.mark.e2e
@pytest.mark.conformance
def test_deploy_writes_state_0600_in_a_0700_folder(tmp_path: Path) -> None:
    project = TempProject(tmp_path / "p")
    project.write_app(service_line("web", "web.example"))
    project.deploy()
    project.write_app(service_line("web", "web.example") + service_line("api", "api.example"))
    project.deploy()

    assert _mode(project.root / "state") == 0o700
    snapshots = list((project.root / "state" / "history").iterdir())
    assert snapshots  # the second deploy snapshotted the first one's state
    for path in (project.root / "state").rglob("*"):
        assert _mode(path) == (0o700 if path.is_dir() else 0o600), path


@pytest.mark.e2e
@pytest.mark.conformance
def test_deploy_refuses_when_git_tracks_a_state_file(tmp_path: Path) -> None:
    project = TempProject(tmp_path / "p")
    project.write_app(service_line("web", "web.example"))
    project.deploy()
    _git(project.root, "init", "-q")
    _git(project.root, "add", "-f", str(STATE))
    _git(project.root, "commit", "-q", "-m", "oops")
    before = (project.root / STATE).read_bytes()

    refused = project.cli("deploy", "--auto-approve", check=False)
    assert refused.returncode == 1
    assert "state/internal-ca.tfstate is tracked by git" in refused.stderr
    assert (project.root / STATE).read_bytes() == before


@pytest.fixture(scope="module")
def deployed_twice(tmp_path_factory: pytest.TempPathFactory) -> TempProject:
    """A project whose state has a .backup (Terraform writes one from the second change on)."""
    project = TempProject(tmp_path_factory.mktemp("damaged") / "p")
    project.write_app(service_line("web", "web.example"))
    project.deploy()
    project.write_app(service_line("web", "web.example") + service_line("api", "api.example"))
    project.deploy()
    assert (project.root / "state" / "internal-ca.tfstate.backup").exists()
    return project


@pytest.mark.e2e
@pytest.mark.conformance
@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda good: good[: len(good) // 2], "not valid JSON"),
        (lambda good: b"\x00\xff" * 64, "not valid JSON"),
        (lambda good: b'{"hello": "world"}', "not a Terraform state"),
    ],
    ids=["truncated", "garbage", "not-a-state"],
)
def test_damaged_state_stops_deploy_and_touches_nothing(
    deployed_twice: TempProject, damage: Callable[[bytes], bytes], reason: str
) -> None:
    state = deployed_twice.root / STATE
    backup = state.with_name(state.name + ".backup")
    good = state.read_bytes()
    damaged = damage(good)
    state.write_bytes(damaged)
    backup_bytes = backup.read_bytes()
    try:
        refused = deployed_twice.cli("deploy", "--auto-approve", check=False)
        assert refused.returncode == 1
        assert f"state damaged: {state} is {reason}" in refused.stderr
        assert "Run `internal-ca recover`" in refused.stderr
        assert state.read_bytes() == damaged
        assert backup.read_bytes() == backup_bytes
        assert "PRIVATE KEY" not in refused.stdout + refused.stderr
    finally:
        state.write_bytes(good)


@pytest.mark.e2e
@pytest.mark.conformance
def test_conn_str_with_password_stops_synth_without_echoing_it(tmp_path: Path) -> None:
    project = TempProject(tmp_path / "p")
    project.write_app(service_line("web", "web.example"))
    canary = "canary-" + secrets.token_hex(6)
    refused = project.cli(
        "deploy",
        "--auto-approve",
        check=False,
        env={
            "INTERNAL_CA_BACKEND": "pg",
            "INTERNAL_CA_PG_CONN_STR": f"postgres://ca:{canary}@127.0.0.1:1/x",
        },
    )
    assert refused.returncode == 1
    assert "must not contain a password" in refused.stderr
    assert canary not in refused.stdout + refused.stderr
    for path in (project.root / "cdktf.out").rglob("*"):
        if path.is_file():
            assert canary.encode() not in path.read_bytes(), path
