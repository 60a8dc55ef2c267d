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
def test_a_provider_mirror_is_used_and_its_lock_file_kept(project: TempProject) -> None:
    """A `terraform providers mirror`-style folder; here it holds the stand-in's executable."""
    from tls_standin.install import write_cli_config

    write_cli_config(project.root / "mirror-source")
    mirror = project.root / "mirror-source" / "mirror"
    assert (mirror / "registry.terraform.io" / "hashicorp" / "tls" / "4.1.0").is_dir()
    project.deploy(CA_TLS_PROVIDER="mirror", CA_TLS_PROVIDER_MIRROR=str(mirror))
    lock = project.root / "locks" / "internal-ca.terraform.lock.hcl"
    assert 'provider "registry.terraform.io/hashicorp/tls"' in lock.read_text()
    assert 'version     = "4.1.0"' in lock.read_text()
    assert not (project.root / ".internal-ca" / "standin").exists()
    assert "app" in project.services()
