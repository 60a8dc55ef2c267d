"""SIGTERM and SIGHUP end plan and deploy cleanly: no temp folder, no child left, non-zero;
sent to the whole process group, they leave the state file whole."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from e2e_project import STACK, TempProject, copy_project, descendants, redact, service_line

from internal_ca.terraform import toolchain

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


def _is_terraform_apply(command: str) -> bool:
    """Terraform itself, not the shell that starts it with SIGHUP ignored and then execs it."""
    argv = command.split()
    return len(argv) > 1 and argv[0].endswith("terraform") and argv[1] == "apply"


_CHILD_STATUS = """
import os, sys, threading
from pathlib import Path
from internal_ca.terraform import toolchain

# subprocess runs the fork hooks only when it will run Python in the forked child (a
# preexec_fn), which is unsafe while other threads may hold locks the child then needs.
forks = []
os.register_at_fork(before=lambda: forks.append("PYTHON RUNS IN THE FORKED CHILD\\n"))
done = {}
def start():
    done["run"] = toolchain.run(["cat", "/proc/self/status"], cwd=Path.cwd(), env=dict(os.environ))
worker = threading.Thread(target=start)
worker.start()
worker.join()
sys.stdout.write("".join(forks) + done["run"].stdout)
"""


def test_a_tool_starts_with_sighup_ignored_and_no_python_in_the_forked_child() -> None:
    """Started from a worker thread, as while a reader thread of an earlier run is alive."""
    checked = subprocess.run(
        [sys.executable, "-c", _CHILD_STATUS], capture_output=True, text=True, check=True
    )
    assert "PYTHON RUNS IN THE FORKED CHILD" not in checked.stdout
    ignored = next(line for line in checked.stdout.splitlines() if line.startswith("SigIgn:"))
    assert int(ignored.split()[1], 16) & (1 << (signal.SIGHUP - 1))


def test_a_missing_tool_is_still_a_file_not_found_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        toolchain.run(["no-such-tool-here"], cwd=tmp_path, env={"PATH": str(tmp_path)})


def _sighup_ignored(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status").read_text()
    ignored = next(line for line in status.splitlines() if line.startswith("SigIgn:"))
    return bool(int(ignored.split()[1], 16) & (1 << (signal.SIGHUP - 1)))


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM])
def test_a_signal_to_the_whole_group_stops_terraform_with_one_interrupt(
    deployed: TempProject, tmp_path: Path, signum: signal.Signals
) -> None:
    """A closed terminal (SIGHUP) or a CI runner (SIGTERM) signals every process at once.

    Terraform must neither die of SIGHUP (it does not handle it) nor get a second interrupt
    from us after its own SIGTERM ("exit now"): either can cut the state file short.
    """
    project = copy_project(deployed, tmp_path / "project")
    project.write_app(
        service_line("web", "web.internal.example") + service_line("api", "api.internal.example")
    )
    run = project.start("deploy", "--auto-approve")
    deadline = time.monotonic() + 120
    applying: list[int] = []
    while not applying:
        assert run.poll() is None, "the command ended before Terraform applied"
        assert time.monotonic() < deadline, "Terraform never started applying"
        time.sleep(0.02)
        applying = [pid for pid, command in descendants(run.pid) if _is_terraform_apply(command)]
    hangup_ignored = _sighup_ignored(applying[0])
    os.killpg(run.pid, signum)
    output, _ = run.communicate(timeout=120)
    if signum == signal.SIGHUP:
        assert hangup_ignored, "Terraform was started with SIGHUP at its default: it dies of it"
    assert run.returncode == 128 + signum, redact(output)[-2000:]
    assert "Two interrupts received" not in output
    state = json.loads((project.root / "state" / f"{STACK}.tfstate").read_text())
    assert isinstance(state["serial"], int) and isinstance(state["lineage"], str)
