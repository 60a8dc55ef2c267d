"""SIGTERM and SIGHUP end plan and deploy cleanly: no temp folder, no child left, non-zero."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from e2e_project import TempProject, copy_project, descendants, service_line

pytestmark = [pytest.mark.e2e, pytest.mark.conformance]


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> TempProject:
    project = TempProject(tmp_path_factory.mktemp("signals") / "project")
    project.write_app(service_line("web", "web.internal.example"))
    project.deploy()
    return project


def _terraform_among(running: list[tuple[int, str]]) -> bool:
    """Is `terraform plan` or `terraform apply` among these (pid, command line) pairs?"""
    for _, command in running:
        argv = command.split()
        if len(argv) > 1 and argv[0].endswith("terraform") and argv[1] in ("plan", "apply"):
            return True
    return False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
@pytest.mark.parametrize("command", [("plan",), ("deploy", "--auto-approve")])
def test_a_signal_leaves_no_temp_folder_and_no_child(
    deployed: TempProject, tmp_path: Path, signum: signal.Signals, command: tuple[str, ...]
) -> None:
    project = copy_project(deployed, tmp_path / "project")
    project.write_app(
        service_line("web", "web.internal.example") + service_line("api", "api.internal.example")
    )
    tmp = project.root / ".internal-ca" / "tmp"
    run = subprocess.Popen(
        [sys.executable, "-m", "internal_ca", *command],
        cwd=project.root,
        env=project.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + 120
    children: list[tuple[int, str]] = []
    # Signal it while Terraform runs and the temp folder (plan file, state copies) exists.
    while not (tmp.is_dir() and any(tmp.iterdir()) and _terraform_among(children)):
        assert run.poll() is None, "the command ended before Terraform ran"
        assert time.monotonic() < deadline, "Terraform never started"
        time.sleep(0.02)
        children = descendants(run.pid)
    run.send_signal(signum)
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == 128 + signum, stderr[-2000:]
    assert f"interrupted ({signum.name})" in stderr
    assert list(tmp.iterdir()) == []
    alive = [pid for pid, _ in children if Path(f"/proc/{pid}").exists()]
    assert alive == []
