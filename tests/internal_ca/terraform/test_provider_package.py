"""Which hashicorp/tls package a stack runs: Terraform's `h1:` checksum and the proof per mode.

The checksum is computed here from Go's dirhash "Hash1" description and checked against what
terraform itself writes into .terraform.lock.hcl for the stand-in's mirror package.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from e2e_project import REPO

from internal_ca.errors import OperationError
from internal_ca.terraform.project import Project
from internal_ca.terraform.provider_source import (
    TLS_ADDRESS,
    locked_hashes,
    package_hash,
    uses_tls,
    verify_installed,
)
from tls_standin.install import write_cli_config

STACK = "internal-ca"


def _init_with_standin(project: Project) -> Path:
    """`terraform init` of a tls-only stack with the stand-in from the project's private folder."""
    config = write_cli_config(project.private_dir / "standin")
    stack_dir = project.stack_dir(STACK)
    stack_dir.mkdir(parents=True)
    required = {"tls": {"source": "hashicorp/tls", "version": "4.1.0"}}
    document = {"terraform": {"required_providers": required}}
    (stack_dir / "cdk.tf.json").write_text(json.dumps(document))
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(config), "CHECKPOINT_DISABLE": "1"}
    done = subprocess.run(
        ["terraform", "init", "-input=false", "-no-color"],
        cwd=stack_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return stack_dir / ".terraform.lock.hcl"


@pytest.fixture(scope="module")
def standin_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Path]:
    project = Project(tmp_path_factory.mktemp("standin-project"), REPO)
    return project, _init_with_standin(project)


def _installed(project: Project) -> Path:
    [package] = (project.stack_dir(STACK) / ".terraform" / "providers" / TLS_ADDRESS).glob("*/*")
    return package


def test_package_hash_is_the_checksum_terraform_writes(
    standin_project: tuple[Project, Path],
) -> None:
    project, lock = standin_project
    recorded = locked_hashes(lock)
    assert recorded, "terraform recorded no h1: checksum for hashicorp/tls"
    assert package_hash(_installed(project)) in recorded
    mirror = project.private_dir / "standin" / "mirror" / TLS_ADDRESS / "4.1.0" / "linux_amd64"
    assert package_hash(mirror) in recorded


def test_package_hash_covers_names_and_contents(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "f").write_text("one")
    before = package_hash(tmp_path / "a")
    (tmp_path / "a" / "f").write_text("two")
    changed_content = package_hash(tmp_path / "a")
    (tmp_path / "a" / "f").rename(tmp_path / "a" / "g")
    renamed = package_hash(tmp_path / "a")
    assert len({before, changed_content, renamed}) == 3


def test_locked_hashes_reads_only_the_tls_block(tmp_path: Path) -> None:
    lock = tmp_path / "lock.hcl"
    lock.write_text(
        'provider "registry.terraform.io/hashicorp/random" {\n  hashes = ["h1:other="]\n}\n'
        f'provider "{TLS_ADDRESS}" {{\n  version = "4.1.0"\n'
        '  hashes = [\n    "h1:mine=",\n    "zh:abc",\n  ]\n}\n'
    )
    assert locked_hashes(lock) == {"h1:mine="}


def test_standin_mode_accepts_the_installed_standin(
    standin_project: tuple[Project, Path],
) -> None:
    project, lock = standin_project
    verify_installed(project, STACK, "standin", lock)


@pytest.mark.parametrize("mode", ["registry", "mirror"])
def test_real_modes_refuse_the_installed_standin(
    standin_project: tuple[Project, Path], mode: str
) -> None:
    project, lock = standin_project
    with pytest.raises(OperationError, match=f"stand-in.*CA_TLS_PROVIDER={mode}"):
        verify_installed(project, STACK, mode, lock)


def _fake_binary(project: Project, content: bytes) -> Path:
    package = project.stack_dir(STACK) / ".terraform" / "providers" / TLS_ADDRESS / "4.1.0"
    package = package / "linux_amd64"
    package.mkdir(parents=True)
    (package / "terraform-provider-tls_v4.1.0_x5").write_bytes(content)
    return package


def test_real_modes_refuse_a_package_the_lock_file_does_not_record(tmp_path: Path) -> None:
    project = Project(tmp_path, REPO)
    package = _fake_binary(project, b"\x7fELF not the locked build")
    lock = tmp_path / "lock.hcl"
    lock.write_text(f'provider "{TLS_ADDRESS}" {{\n  hashes = ["h1:someoneelse="]\n}}\n')
    with pytest.raises(OperationError, match=r"is not one of the checksums .*locks/internal-ca"):
        verify_installed(project, STACK, "registry", lock)
    lock.write_text(f'provider "{TLS_ADDRESS}" {{\n  hashes = ["{package_hash(package)}"]\n}}\n')
    verify_installed(project, STACK, "mirror", lock)


def test_standin_mode_refuses_another_package(tmp_path: Path) -> None:
    project = Project(tmp_path, REPO)
    write_cli_config(project.private_dir / "standin")
    _fake_binary(project, b"\x7fELF a real provider")
    with pytest.raises(OperationError, match="is not the offline stand-in"):
        verify_installed(project, STACK, "standin", tmp_path / "none.hcl")


def test_a_missing_package_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OperationError, match="left 0 hashicorp/tls packages"):
        verify_installed(Project(tmp_path, REPO), STACK, "registry", tmp_path / "none.hcl")


@pytest.mark.parametrize(
    "config",
    [
        {"terraform": {"required_providers": {"tls": {"source": "hashicorp/tls"}}}},
        {"terraform": {"required_providers": {"x": {"source": f"{TLS_ADDRESS.upper()}"}}}},
        {"resource": {"tls_private_key": {"k": {}}}},
        {"data": {"tls_certificate": {"c": {}}}},
    ],
)
def test_a_stack_that_uses_tls_is_proven(config: dict[str, object]) -> None:
    assert uses_tls(config)


def test_a_stack_without_tls_has_nothing_to_prove() -> None:
    assert not uses_tls({"terraform": {"backend": {"local": {}}}, "resource": {"null": {}}})
