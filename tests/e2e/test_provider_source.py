"""The provider switch: the registry by default, a named mirror, never a silent stand-in."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from e2e_project import TempProject, service_line, standin_only

pytestmark = [pytest.mark.e2e, pytest.mark.conformance]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def project(tmp_path: Path) -> TempProject:
    project = TempProject(tmp_path / "project")
    project.write_app(service_line("app", "app.internal.example"))
    return project


def test_unreachable_registry_stops_deploy_with_the_offline_options(project: TempProject) -> None:
    # Traffic to the registry goes to a closed port on 127.0.0.1, so nothing leaves the machine.
    proxy = f"http://127.0.0.1:{_closed_port()}"
    done = project.cli(
        "deploy",
        "--auto-approve",
        check=False,
        env={"CA_TLS_PROVIDER": "registry", "HTTPS_PROXY": proxy, "https_proxy": proxy},
    )
    assert done.returncode == 1
    message = done.stderr.strip().splitlines()[-1]
    assert message.startswith("internal-ca: the Terraform registry cannot be reached")
    assert "CA_TLS_PROVIDER=mirror" in message
    assert "make demo" in message
    assert not (project.root / ".internal-ca" / "standin").exists()
    assert not (project.root / "state" / "internal-ca.tfstate").exists()


def test_a_mirror_without_the_provider_is_named(project: TempProject, tmp_path: Path) -> None:
    mirror = tmp_path / "empty-mirror"
    mirror.mkdir()
    done = project.cli(
        "deploy",
        "--auto-approve",
        check=False,
        env={"CA_TLS_PROVIDER": "mirror", "CA_TLS_PROVIDER_MIRROR": str(mirror)},
    )
    assert done.returncode == 1
    assert "hashicorp/tls 4.1.0 is not in CA_TLS_PROVIDER_MIRROR" in done.stderr


def test_a_mirror_that_is_not_a_folder_is_refused(project: TempProject, tmp_path: Path) -> None:
    done = project.cli(
        "deploy",
        "--auto-approve",
        check=False,
        env={"CA_TLS_PROVIDER": "mirror", "CA_TLS_PROVIDER_MIRROR": str(tmp_path / "nope")},
    )
    assert done.returncode == 1
    assert "CA_TLS_PROVIDER_MIRROR value" in done.stderr
    assert "is not a folder" in done.stderr


def test_an_unknown_provider_source_is_refused(project: TempProject) -> None:
    done = project.cli("deploy", "--auto-approve", check=False, env={"CA_TLS_PROVIDER": "magic"})
    assert done.returncode == 1
    assert "CA_TLS_PROVIDER value 'magic' is not known" in done.stderr


def test_deploy_without_a_terminal_or_approval_is_refused(project: TempProject) -> None:
    done = project.cli("deploy", check=False)
    assert done.returncode == 1
    assert "AUTO_APPROVE=1" in done.stderr


@standin_only("fills the provider mirror with the stand-in's executable")
def test_a_mirror_holding_the_standin_is_refused(project: TempProject) -> None:
    """A `terraform providers mirror`-style folder holding the stand-in is not the real tls."""
    from tls_standin.install import write_cli_config

    write_cli_config(project.root / "mirror-source")
    mirror = project.root / "mirror-source" / "mirror"
    assert (mirror / "registry.terraform.io" / "hashicorp" / "tls" / "4.1.0").is_dir()
    done = project.cli(
        "deploy",
        "--auto-approve",
        "--initial",
        check=False,
        env={"CA_TLS_PROVIDER": "mirror", "CA_TLS_PROVIDER_MIRROR": str(mirror)},
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "internal-ca: stack 'internal-ca': the installed hashicorp/tls is a launcher script "
        "(the offline stand-in), not HashiCorp's provider binary that CA_TLS_PROVIDER=mirror "
        "asks for"
    )
    # Its checksum is not recorded for the team, and nothing ran on it.
    assert not (project.root / "locks").exists()
    assert not (project.root / "state").exists()
    assert not (project.stack_dir / ".terraform" / "providers").exists()


@standin_only("installs the stand-in first, then switches to a mirror")
def test_switching_the_provider_source_never_reuses_the_installed_standin(
    project: TempProject,
) -> None:
    """The stand-in's package matches the working lock file, so Terraform would keep it."""
    project.deploy(CA_TLS_PROVIDER="standin")
    mirror = project.root / "mirror"
    package = mirror / "registry.terraform.io" / "hashicorp" / "tls" / "4.1.0" / "linux_amd64"
    package.mkdir(parents=True)
    executable = package / "terraform-provider-tls_v4.1.0_x5"
    executable.write_bytes(b"\x7fELF: a package that is not the stand-in, and cannot run")
    executable.chmod(0o755)
    done = project.cli(
        "plan",
        check=False,
        env={"CA_TLS_PROVIDER": "mirror", "CA_TLS_PROVIDER_MIRROR": str(mirror)},
    )
    # The mirror's package was installed and run (and fails to start); the stand-in never ran.
    assert done.returncode == 1, done.stdout
    installed = project.stack_dir / ".terraform" / "providers" / "registry.terraform.io"
    installed = installed / "hashicorp" / "tls" / "4.1.0" / "linux_amd64"
    assert installed.resolve() == package.resolve()
    assert (
        "tls_standin" not in (project.root / "locks" / "internal-ca.terraform.lock.hcl").read_text()
    )
    # And back: the stand-in mode installs and proves its own package again.
    project.cli("plan", env={"CA_TLS_PROVIDER": "standin"})
