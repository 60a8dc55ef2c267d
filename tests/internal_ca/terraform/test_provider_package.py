"""Which hashicorp/tls package a stack runs: Terraform's `h1:` checksum and the proof per mode.

The checksum is computed here from Go's dirhash "Hash1" description and checked against what
terraform itself writes into .terraform.lock.hcl for the stand-in's mirror package. Package
folders are named by platform: the tests read it from `terraform version -json`, never assume it.
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
    MIRROR,
    TLS_ADDRESS,
    cli_config_env,
    is_standin_package,
    locked_hashes,
    package_hash,
    uses_tls,
    verify_installed,
)
from internal_ca.terraform.workspace import Workspace, init_if_needed
from tls_standin.install import write_cli_config

STACK = "internal-ca"
TLS_ONLY = {
    "terraform": {"required_providers": {"tls": {"source": "hashicorp/tls", "version": "4.1.0"}}}
}


def _terraform_env(**extra: str) -> dict[str, str]:
    """The test's environment without inherited Terraform settings, which would change init."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("TF_")}
    return {**env, "CHECKPOINT_DISABLE": "1", **extra}


def _platform() -> str:
    """The OS_ARCH folder Terraform installs packages into on this machine."""
    done = subprocess.run(
        ["terraform", "version", "-json"],
        env=_terraform_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    platform = json.loads(done.stdout)["platform"]
    assert isinstance(platform, str)
    return platform


def _init_with_standin(project: Project) -> Path:
    """`terraform init` of a tls-only stack with the stand-in from the project's private folder."""
    config = write_cli_config(project.private_dir / "standin")
    stack_dir = project.stack_dir(STACK)
    stack_dir.mkdir(parents=True)
    (stack_dir / "cdk.tf.json").write_text(json.dumps(TLS_ONLY))
    done = subprocess.run(
        ["terraform", "init", "-input=false", "-no-color"],
        cwd=stack_dir,
        env=_terraform_env(TF_CLI_CONFIG_FILE=str(config)),
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
    [mirror] = (project.private_dir / "standin" / "mirror" / TLS_ADDRESS / "4.1.0").glob("*")
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
    return _package(package / _platform(), content)


def _package(folder: Path, content: bytes) -> Path:
    """An unpacked provider package holding one executable with `content`."""
    folder.mkdir(parents=True)
    executable = folder / "terraform-provider-tls_v4.1.0_x5"
    executable.write_bytes(content)
    executable.chmod(0o755)
    return folder


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


def test_the_standin_is_recognised_by_its_launcher(standin_project: tuple[Project, Path]) -> None:
    project, _lock = standin_project
    assert is_standin_package(_installed(project))  # a link into the stand-in's mirror


@pytest.mark.parametrize("head", [b"#!/bin/sh\nexec other-provider\n", b"#!/usr/bin/env python3\n"])
def test_any_launcher_script_is_not_hashicorps_binary(tmp_path: Path, head: bytes) -> None:
    assert is_standin_package(_package(tmp_path / "package", head))


def test_a_compiled_binary_is_not_the_standin(tmp_path: Path) -> None:
    assert not is_standin_package(_package(tmp_path / "package", b"\x7fELF\x02\x01#!"))


def _mirror_workspace(project: Project, monkeypatch: pytest.MonkeyPatch) -> tuple[Workspace, Path]:
    """A mirror-mode workspace whose mirror holds a package that is not the stand-in.

    `terraform init` only hashes and links the package, so a fake binary installs.
    """
    mirror = project.root / "mirror"
    package = _package(mirror / TLS_ADDRESS / "4.1.0" / _platform(), b"\x7fELF a release build")
    monkeypatch.setenv("CA_TLS_PROVIDER_MIRROR", str(mirror))
    env = _terraform_env(**cli_config_env(project, MIRROR))
    project.stack_dir(STACK).mkdir(parents=True)
    (project.stack_dir(STACK) / "cdk.tf.json").write_text(json.dumps(TLS_ONLY))
    return Workspace(project, MIRROR, env, (STACK,), (STACK,)), package


def test_a_first_real_install_names_the_checksum_it_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without a committed lock the proof is against the lock init just wrote: say so."""
    project = Project(tmp_path, REPO)
    workspace, package = _mirror_workspace(project, monkeypatch)
    init_if_needed(workspace, STACK)
    kept = tmp_path / "locks" / f"{STACK}.terraform.lock.hcl"
    digest = package_hash(package)
    assert locked_hashes(kept) == {digest}
    assert capsys.readouterr().err == (
        f"internal-ca: warning: stack {STACK}: no committed lock file; recorded hashicorp/tls "
        f"{digest} from this install in locks/{STACK}.terraform.lock.hcl: review and commit it; "
        "later runs must match it\n"
    )
    # Once the lock is in locks/, later runs are checked against it and say nothing.
    init_if_needed(workspace, STACK)
    assert capsys.readouterr().err == ""


def test_a_committed_lock_is_proof_and_gives_no_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = Project(tmp_path, REPO)
    workspace, package = _mirror_workspace(project, monkeypatch)
    kept = tmp_path / "locks" / f"{STACK}.terraform.lock.hcl"
    kept.parent.mkdir()
    kept.write_text(
        f'provider "{TLS_ADDRESS}" {{\n  version     = "4.1.0"\n  constraints = "4.1.0"\n'
        f'  hashes = [\n    "{package_hash(package)}",\n  ]\n}}\n'
    )
    init_if_needed(workspace, STACK)
    assert capsys.readouterr().err == ""
