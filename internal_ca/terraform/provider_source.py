"""Where Terraform gets hashicorp/tls from: the registry, a mirror, or the offline stand-in.

The stand-in is test and offline infrastructure only. It is used when asked for by name
(`CA_TLS_PROVIDER=standin`, which the tests and `make demo` set) and never swapped in
silently when the registry cannot be reached. Every mode installs through a CLI config of its
own (registry mode's turns off ~/.terraformrc and the implied local mirrors), and after init
`verify_installed` proves which package a stack will run: its `h1:` checksum must be in the
lock file, and the real modes refuse the stand-in (`is_standin_package`, which `make
conformance` uses too).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from internal_ca.errors import OperationError
from internal_ca.terraform.project import Project

REGISTRY = "registry"
MIRROR = "mirror"
STANDIN = "standin"
MODES = (REGISTRY, MIRROR, STANDIN)
TLS_ADDRESS = "registry.terraform.io/hashicorp/tls"
_TLS_SOURCES = frozenset({"hashicorp/tls", TLS_ADDRESS})

OFFLINE_OPTIONS = (
    "offline options: point CA_TLS_PROVIDER=mirror CA_TLS_PROVIDER_MIRROR=DIR at a folder made "
    "with `terraform providers mirror DIR` on a connected machine, or try the project with "
    "`make demo`, which uses the offline stand-in (not for production certificates)"
)


def selected_mode(default: str = REGISTRY) -> str:
    mode = os.environ.get("CA_TLS_PROVIDER", default) or default
    if mode not in MODES:
        raise OperationError(
            f"CA_TLS_PROVIDER value {mode!r} is not known; expected one of {', '.join(MODES)}"
        )
    return mode


def cli_config_env(project: Project, mode: str) -> dict[str, str]:
    """Environment variables that make Terraform install tls from the chosen source."""
    if mode == REGISTRY:
        return {"TF_CLI_CONFIG_FILE": str(_write_registry_config(project))}
    if mode == MIRROR:
        mirror = os.environ.get("CA_TLS_PROVIDER_MIRROR", "")
        if not mirror or not Path(mirror).is_dir():
            raise OperationError(
                f"CA_TLS_PROVIDER_MIRROR value {mirror!r} is not a folder; expected the output "
                "folder of `terraform providers mirror`"
            )
        return {"TF_CLI_CONFIG_FILE": str(_write_mirror_config(project, Path(mirror)))}
    return {"TF_CLI_CONFIG_FILE": str(_standin_cli_config(project.private_dir / "standin"))}


def _standin_cli_config(folder: Path) -> Path:
    """The stand-in installs itself; the product never imports test infrastructure."""
    done = subprocess.run(
        [sys.executable, "-m", "tls_standin.install", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    path = Path(done.stdout.strip())
    if done.returncode != 0 or not path.is_file():
        raise OperationError(
            "CA_TLS_PROVIDER=standin but the offline stand-in is not installed here; expected "
            "`pip install 'internal-ca[standin]'` (it is for tests and `make demo` only)"
        )
    return path


def _write_registry_config(project: Project) -> Path:
    """Only the registry: an explicit block disables the implied local mirror folders."""
    project.private_dir.mkdir(mode=0o700, exist_ok=True)
    path = project.private_dir / "registry.tfrc"
    path.write_text("provider_installation {\n  direct {}\n}\n")
    return path


def _write_mirror_config(project: Project, mirror: Path) -> Path:
    project.private_dir.mkdir(mode=0o700, exist_ok=True)
    path = project.private_dir / "mirror.tfrc"
    path.write_text(
        "provider_installation {\n"
        f"  filesystem_mirror {{\n    path    = {_hcl_string(str(mirror.resolve()))}\n"
        '    include = ["registry.terraform.io/hashicorp/tls"]\n  }\n'
        '  direct {\n    exclude = ["registry.terraform.io/hashicorp/tls"]\n  }\n}\n'
    )
    return path


def _hcl_string(text: str) -> str:
    """An HCL string literal: `${` would start an interpolation, so it is doubled."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("${", "$${")
    return f'"{escaped}"'


def explain_init_failure(output: str, mode: str) -> str | None:
    """A one-line reason for a failed `terraform init`, when it is about getting tls."""
    lowered = output.lower()
    if mode == REGISTRY and (
        "could not connect to registry" in lowered
        or "failed to query available provider packages" in lowered
        or "failed to request discovery document" in lowered
    ):
        return (
            f"the Terraform registry cannot be reached to install hashicorp/tls; {OFFLINE_OPTIONS}"
        )
    if mode == MIRROR and "hashicorp/tls" in lowered:
        return (
            "hashicorp/tls 4.1.0 is not in CA_TLS_PROVIDER_MIRROR; run "
            "`terraform providers mirror -platform=linux_amd64 DIR` on a connected machine "
            "and copy DIR here"
        )
    return None


def package_hash(folder: Path) -> str:
    """Terraform's `h1:` checksum of an unpacked provider package (Go's dirhash "Hash1").

    Every file under the folder, by its slash-separated relative path in byte order, adds the
    line "<sha256 hex of its content>  <path>\n"; the checksum is the base64 of the sha256 of
    those lines. Terraform hashes the folder a symlink points to.
    """
    root = folder.resolve()
    names = []
    for current, _dirs, files in os.walk(root):
        for name in files:
            names.append((Path(current) / name).relative_to(root).as_posix())
    summary = hashlib.sha256()
    for name in sorted(names):
        if "\n" in name:
            raise OperationError(f"provider package {root} holds a file name with a newline")
        content = hashlib.sha256((root / name).read_bytes()).hexdigest()
        summary.update(f"{content}  {name}\n".encode())
    return "h1:" + base64.b64encode(summary.digest()).decode()


def locked_hashes(lock: Path) -> frozenset[str]:
    """The `h1:` checksums a dependency lock file records for hashicorp/tls."""
    text = lock.read_text() if lock.is_file() else ""
    block = re.search(
        rf'^provider "{re.escape(TLS_ADDRESS)}" {{$(.*?)^}}', text, re.MULTILINE | re.DOTALL
    )
    return frozenset(re.findall(r'"(h1:[A-Za-z0-9+/=]+)"', block[1])) if block else frozenset()


def uses_tls(config: Mapping[str, Any]) -> bool:
    """Whether a synthesized stack needs hashicorp/tls: required, or any tls_ resource or data."""
    terraform = config.get("terraform")
    required = terraform.get("required_providers") if isinstance(terraform, dict) else None
    for entry in required.values() if isinstance(required, dict) else ():
        source = entry.get("source", "") if isinstance(entry, dict) else ""
        if isinstance(source, str) and source.lower() in _TLS_SOURCES:
            return True
    for section in ("resource", "data"):
        blocks = config.get(section)
        if isinstance(blocks, dict) and any(str(kind).startswith("tls_") for kind in blocks):
            return True
    return False


def verify_installed(project: Project, stack: str, mode: str, lock: Path) -> str:
    """Prove which hashicorp/tls package the stack runs, and refuse one the mode did not ask for.

    Registry and mirror: the package is not the stand-in and its checksum is one `lock`
    records. Stand-in: the package is the one installed under the project's private folder.
    Returns the package's `h1:` checksum (public), so the caller can say what it recorded.
    """
    installed = project.stack_dir(stack) / ".terraform" / "providers" / TLS_ADDRESS
    packages = sorted(folder for folder in installed.glob("*/*") if folder.is_dir())
    if len(packages) != 1:
        raise OperationError(
            f"stack {stack!r}: terraform init left {len(packages)} hashicorp/tls packages in "
            f"{installed}; expected exactly one"
        )
    digest = package_hash(packages[0])
    if mode == STANDIN:
        standin = project.private_dir / "standin" / "mirror" / TLS_ADDRESS
        if digest not in {package_hash(folder) for folder in standin.glob("*/*")}:
            raise OperationError(
                f"stack {stack!r}: the installed hashicorp/tls ({digest}) is not the offline "
                "stand-in that CA_TLS_PROVIDER=standin asked for"
            )
        return digest
    if is_standin_package(packages[0]):
        raise OperationError(
            f"stack {stack!r}: the installed hashicorp/tls is a launcher script (the offline "
            f"stand-in), not HashiCorp's provider binary that CA_TLS_PROVIDER={mode} asks for"
        )
    if digest not in locked_hashes(lock):
        raise OperationError(
            f"stack {stack!r}: the installed hashicorp/tls ({digest}) is not one of the "
            f"checksums its lock file records; expected a package locks/{stack}.terraform.lock.hcl "
            "accepts"
        )
    return digest


def is_standin_package(package: Path) -> bool:
    """Whether an unpacked hashicorp/tls package is the offline stand-in, judged by content.

    HashiCorp ships one compiled binary; the stand-in is a `#!` launcher script. Deciding by
    content keeps the product free of any tls_standin import, and one rule serves both
    `verify_installed` and `make conformance`'s check. Terraform links a package to its
    mirror, so the folder is followed.
    """
    for path in package.resolve().rglob("*"):
        if path.is_file():
            with path.open("rb") as handle:
                if handle.read(2) == b"#!":
                    return True
    return False
