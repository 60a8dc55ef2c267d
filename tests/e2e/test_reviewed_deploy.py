"""Deploy applies exactly the reviewed plan: the summary, the guard and the CA pin at deploy."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cert_checks import sha256_fingerprint
from e2e_project import PEM_PRIVATE_KEY, TempProject, copy_project, redact, service_line

pytestmark = [pytest.mark.e2e, pytest.mark.conformance]

SERVICES = [f"svc{index}" for index in range(4)]
GUARD_TRIPPED = 3


def _app(version: int = 1, names: list[str] = SERVICES, **props: object) -> str:
    return "".join(
        service_line(name, f"{name}.internal.example", key_version=version, **props)
        for name in names
    )


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> TempProject:
    project = TempProject(tmp_path_factory.mktemp("reviewed") / "project")
    project.write_app(_app())
    project.deploy()
    return project


def _state_bytes(project: TempProject) -> bytes:
    return (project.root / "state" / "internal-ca.tfstate").read_bytes()


def _refused(project: TempProject, *flags: str) -> str:
    before = _state_bytes(project)
    serials = project.serials()
    done = project.cli("deploy", "--auto-approve", *flags, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == GUARD_TRIPPED, redact(output)[-3000:]
    assert _state_bytes(project) == before
    assert project.serials() == serials
    assert PEM_PRIVATE_KEY not in output
    return output


def test_the_first_deploy_pins_the_ca(deployed: TempProject) -> None:
    pin = deployed.root / "pins" / "internal-ca" / "ca-crt.pem"
    assert pin.read_text().strip() == deployed.outputs()["ca"]["cert_pem"].strip()
    assert pin.stat().st_mode & 0o777 == 0o644


def test_a_mass_reissue_is_refused_and_its_flag_lets_it_through(
    deployed: TempProject, tmp_path: Path
) -> None:
    project = copy_project(deployed, tmp_path / "mass")
    project.write_app(_app(version=2))
    output = _refused(project, "--max-reissue", "3")
    assert "more than --max-reissue 3" in output
    _refused(project, "--max-reissue", "3", "--allow-destroy", "--allow-ca-replacement")
    project.deploy("--max-reissue", "4")
    assert set(project.serials()) == set(SERVICES)


def test_a_removal_is_refused_and_its_flag_lets_it_through(
    deployed: TempProject, tmp_path: Path
) -> None:
    project = copy_project(deployed, tmp_path / "remove")
    project.write_app(_app(names=SERVICES[1:]))
    output = _refused(project)
    assert "remove 1 certificate (svc0)" in output
    _refused(project, "--max-reissue", "100", "--allow-ca-replacement")
    project.deploy("--allow-destroy")
    assert set(project.serials()) == set(SERVICES[1:])


def test_a_ca_replacement_is_refused_and_its_flag_lets_it_through(
    deployed: TempProject, tmp_path: Path
) -> None:
    project = copy_project(deployed, tmp_path / "rotate")
    old_pin = (project.root / "pins" / "internal-ca" / "ca-crt.pem").read_text()
    project.write_app(
        _app(),
        ca='stack = CaStack(app, "internal-ca", ca_subject=DistinguishedName('
        'country="GB", organization="Test Org", common_name="Test CA 2"), '
        'ca_key=ecdsa("P256"), prevent_ca_destroy=False)\nca = stack.ca\n',
    )
    output = _refused(project, "--allow-destroy", "--max-reissue", "100")
    assert "CA 'ca'" in output
    project.deploy("--allow-ca-replacement", "--max-reissue", "100")
    new_pin = (project.root / "pins" / "internal-ca" / "ca-crt.pem").read_text()
    assert new_pin != old_pin
    assert new_pin.strip() == project.outputs()["ca"]["cert_pem"].strip()


@pytest.mark.parametrize("how", ["moved", "empty"])
def test_lost_state_is_refused_naming_the_pinned_fingerprint(
    deployed: TempProject, tmp_path: Path, how: str
) -> None:
    project = copy_project(deployed, tmp_path / how)
    state = project.root / "state"
    if how == "moved":
        shutil.move(state, tmp_path / "elsewhere")
    else:
        shutil.rmtree(state / "history", ignore_errors=True)
        (state / "internal-ca.tfstate").write_text(
            '{"version": 4, "serial": 1, "lineage": "x", "resources": [], "outputs": {}}'
        )
    pinned = sha256_fingerprint(project.root / "pins" / "internal-ca" / "ca-crt.pem")
    for command in (("plan",), ("deploy", "--auto-approve")):
        done = project.cli(*command, check=False)
        output = done.stdout + done.stderr
        assert done.returncode == GUARD_TRIPPED, redact(output)[-3000:]
        assert pinned in output
        assert "the plan would create CA 'ca'" in output
    if how == "moved":
        assert not (state / "internal-ca.tfstate").exists()


def test_initial_is_refused_once_a_pin_exists(deployed: TempProject, tmp_path: Path) -> None:
    project = copy_project(deployed, tmp_path / "again")
    done = project.cli("deploy", "--auto-approve", "--initial", check=False)
    assert done.returncode == 1
    assert "already has a CA pinned" in done.stderr


def test_a_foreign_ca_in_state_is_refused(deployed: TempProject, tmp_path: Path) -> None:
    other = TempProject(tmp_path / "other")
    other.write_app(_app())
    other.deploy()
    project = copy_project(deployed, tmp_path / "foreign")
    shutil.copyfile(
        other.root / "state" / "internal-ca.tfstate",
        project.root / "state" / "internal-ca.tfstate",
    )
    done = project.cli("plan", check=False)
    output = done.stdout + done.stderr
    assert done.returncode == GUARD_TRIPPED
    assert sha256_fingerprint(project.root / "pins" / "internal-ca" / "ca-crt.pem") in output
    assert sha256_fingerprint(other.root / "pins" / "internal-ca" / "ca-crt.pem") in output
    inventory = project.cli("inventory", check=False)
    assert inventory.returncode != 0
    assert "pins" in inventory.stderr


def test_what_is_applied_is_what_was_approved(deployed: TempProject, tmp_path: Path) -> None:
    """main.py changed while the deploy waits for approval: the change cannot reach the apply."""
    project = copy_project(deployed, tmp_path / "approve")
    project.write_app(_app() + service_line("late", "late.internal.example"))
    controller, terminal = os.openpty()
    deploy = subprocess.Popen(
        [sys.executable, "-m", "internal_ca", "deploy"],
        cwd=project.root,
        env=project.env(),
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    os.close(terminal)
    assert deploy.stdout is not None
    seen = b""
    deadline = time.monotonic() + 120
    while b"Apply exactly this plan?" not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([deploy.stdout], [], [], 1)
        if ready:
            seen += os.read(deploy.stdout.fileno(), 65536)
    assert b"Apply exactly this plan?" in seen, redact(seen.decode(errors="replace"))[-2000:]
    assert b"issue      late" in seen
    # Too late: the plan file was made from the app as it was.
    project.write_app(_app() + service_line("sneaky", "sneaky.internal.example"))
    os.write(controller, b"yes\n")
    rest, _ = deploy.communicate(timeout=300)
    os.close(controller)
    output = (seen + rest).decode(errors="replace")
    assert deploy.returncode == 0, redact(output)[-3000:]
    assert "issue      late" in output and "sneaky" not in output
    assert set(project.serials()) == {*SERVICES, "late"}


def test_offline_read_only_commands_need_no_provider(deployed: TempProject, tmp_path: Path) -> None:
    """With the registry selected (and unreachable here), the read-only commands still work."""
    registry = {"CA_TLS_PROVIDER": "registry"}
    for command in (("inventory",), ("verify",), ("export", str(tmp_path / "out"))):
        done = deployed.cli(*command, env=registry, check=False)
        assert done.returncode == 0, redact(done.stdout + done.stderr)[-2000:]
    assert (tmp_path / "out" / "ca-crt.pem").exists()


def test_a_ca_deployed_before_pins_is_pinned_by_the_next_deploy(
    deployed: TempProject, tmp_path: Path
) -> None:
    """Upgrading: a stack with state but no pin is pinned by its next deploy, even a no-op."""
    project = copy_project(deployed, tmp_path / "upgrade")
    shutil.rmtree(project.root / "pins")
    done = project.cli("deploy", "--auto-approve")
    assert "Nothing to deploy." in done.stdout
    pin = project.root / "pins" / "internal-ca" / "ca-crt.pem"
    assert sha256_fingerprint(pin) == sha256_fingerprint(
        deployed.root / "pins" / "internal-ca" / "ca-crt.pem"
    )
