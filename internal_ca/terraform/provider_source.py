"""Where Terraform gets hashicorp/tls from: the registry, a mirror, or the offline stand-in.

The stand-in is test and offline infrastructure only. It is used when asked for by name
(`CA_TLS_PROVIDER=standin`, which the tests and `make demo` set) and never swapped in
silently when the registry cannot be reached.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from internal_ca.errors import OperationError
from internal_ca.terraform.project import Project

REGISTRY = "registry"
MIRROR = "mirror"
STANDIN = "standin"
MODES = (REGISTRY, MIRROR, STANDIN)

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
        return {}
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
