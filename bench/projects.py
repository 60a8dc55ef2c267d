"""Throw-away projects for the benchmarks: a CDKTF app of N services and the plain HCL root.

Both live in private temp folders (mode 0700, as mkdtemp makes them), use the offline
stand-in provider and never touch the repository's own cdktf.out or state.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HCL_MODULE = Path(__file__).resolve().parent / "hcl_module"
STACK = "internal-ca"
ECDSA = "ECDSA"
RSA = "RSA"

APP_HEADER = """\
from cdktf import App

from ca_constructs.key_spec import ecdsa, rsa
from ca_constructs.service_cert import ServiceCert
from ca_constructs.subject import DistinguishedName
from stacks.ca_stack import CaStack

app = App()
stack = CaStack(
    app,
    "internal-ca",
    ca_subject=DistinguishedName(country="GB", organization="Bench Org", common_name="Bench CA"),
    ca_key={key},
)
ca = stack.ca
"""

# A sitecustomize that counts stand-in launches: Terraform starts the provider several times
# per command, and each launch is a fresh Python interpreter importing grpc.
_COUNTER = """\
import os
import sys

if "tls_standin" in sys.orig_argv and os.environ.get("BENCH_LAUNCH_LOG"):
    with open(os.environ["BENCH_LAUNCH_LOG"], "a") as log:
        log.write("launch\\n")
"""


def service_names(count: int, start: int = 0) -> list[str]:
    return [f"svc-{index:04d}" for index in range(start, start + count)]


def dns_names(name: str) -> list[str]:
    return [f"{name}.internal.example", name]


def key_expr(algorithm: str) -> str:
    return "rsa(4096)" if algorithm == RSA else 'ecdsa("P256")'


def render_main_py(names: list[str], algorithm: str = ECDSA) -> str:
    """A main.py as a user writes it: one ServiceCert line per service."""
    lines = [
        f"ServiceCert(stack, {name!r}, ca=ca, dns_names={dns_names(name)!r})\n" for name in names
    ]
    return APP_HEADER.format(key=key_expr(algorithm)) + "".join(lines) + "\napp.synth()\n"


def tool_env(work: Path, launch_log: Path | None = None) -> dict[str, str]:
    """Offline, quiet tools: stand-in provider, no version checks, repo node_modules."""
    env = dict(os.environ)
    counter_dir = work / "sitecustomize"
    counter_dir.mkdir(exist_ok=True)
    (counter_dir / "sitecustomize.py").write_text(_COUNTER)
    python_path = [str(counter_dir), str(REPO)]
    if env.get("PYTHONPATH"):
        python_path.append(env["PYTHONPATH"])
    env.update(
        {
            "CA_TLS_PROVIDER": "standin",
            "INTERNAL_CA_TOOLS": str(REPO),
            "CHECKPOINT_DISABLE": "1",
            "NODE_OPTIONS": "--no-deprecation",
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
            "TF_IN_AUTOMATION": "1",
            "PYTHONPATH": os.pathsep.join(python_path),
            "PATH": os.pathsep.join(
                [str(REPO / "node_modules" / ".bin"), str(Path(sys.executable).parent), env["PATH"]]
            ),
        }
    )
    if launch_log is not None:
        env["BENCH_LAUNCH_LOG"] = str(launch_log)
    return env


@dataclass(frozen=True)
class CdktfProject:
    """A temp project with cdktf.json and a generated main.py."""

    root: Path

    @classmethod
    def create(cls, root: Path) -> CdktfProject:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        config = {
            "language": "python",
            "app": f"{sys.executable} main.py",
            "terraformProviders": [],
            "terraformModules": [],
            "sendCrashReports": "false",
            "context": {},
        }
        (root / "cdktf.json").write_text(json.dumps(config))
        return cls(root)

    def write_app(self, names: list[str], algorithm: str = ECDSA) -> None:
        (self.root / "main.py").write_text(render_main_py(names, algorithm))

    @property
    def stack_dir(self) -> Path:
        return self.root / "cdktf.out" / "stacks" / STACK

    @property
    def cli_config(self) -> Path:
        """Written by `internal-ca` (provider_source) on its first run in this project."""
        return self.root / ".internal-ca" / "standin" / "terraformrc"


@dataclass(frozen=True)
class PlainProject:
    """A root configuration that calls a copy of bench/hcl_module with a services map."""

    root: Path

    @classmethod
    def create(cls, root: Path, algorithm: str = ECDSA) -> PlainProject:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Terraform wants local module sources as relative paths, so the module is copied in.
        shutil.copytree(HCL_MODULE, root / "module", dirs_exist_ok=True)
        (root / "main.tf").write_text(
            'variable "services" {\n'
            "  type = map(object({ dns_names = list(string) }))\n"
            "}\n\n"
            'module "ca" {\n'
            '  source        = "./module"\n'
            "  services      = var.services\n"
            f'  key_algorithm = "{algorithm}"\n'
            "}\n"
        )
        return cls(root)

    def write_services(self, names: list[str]) -> None:
        services = {name: {"dns_names": dns_names(name)} for name in names}
        (self.root / "terraform.tfvars.json").write_text(json.dumps({"services": services}))
