"""Throw-away projects for end-to-end tests: a main.py, a cdktf.json and the real tools.

Each test gets its own folder; the cdktf CLI comes from the repo's node_modules and the
hashicorp/tls provider is the offline stand-in unless CA_TLS_PROVIDER names another source
(registry or mirror, as `make conformance` does).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
STACK = "internal-ca"
PEM_PRIVATE_KEY = "PRIVATE KEY-----"

APP_HEADER = """\
from cdktf import App

from ca_constructs.key_spec import ecdsa, rsa
from ca_constructs.service_cert import ServiceCert
from ca_constructs.subject import DistinguishedName
from stacks.ca_stack import CaStack

app = App()
"""

DEFAULT_CA = """\
stack = CaStack(
    app,
    "internal-ca",
    ca_subject=DistinguishedName(country="GB", organization="Test Org", common_name="Test CA"),
    ca_key=ecdsa("P256"),
)
ca = stack.ca
"""


ADOPTED_APP_HEADER = """\
from cdktf import App, TerraformStack
from cdktf_cdktf_provider_tls.provider import TlsProvider

from ca_constructs.existing_ca import ExistingCa
from ca_constructs.key_spec import ecdsa
from ca_constructs.service_cert import ServiceCert
from stacks.backend import configure_backend

app = App()
stack = TerraformStack(app, "internal-ca")
TlsProvider(stack, "tls")
configure_backend(stack, "internal-ca")
ca = ExistingCa(stack, "ca", cert_file="ca-crt.pem")
"""
"""main.py up to the services for a stack that adopts ca-crt.pem, as the README shows it."""

ADOPTED_SERVICES = """\
ServiceCert(stack, "passwords", ca=ca, dns_names=["passwords.internal.example"], key=ecdsa())
ServiceCert(stack, "wiki", ca=ca, dns_names=["wiki.internal.example"], key=ecdsa())
"""


def adopted_project(root: Path, cert_pem: str) -> TempProject:
    """A project adopting `cert_pem` as ca-crt.pem, with main.py as the README shows it."""
    project = TempProject(root)
    (root / "ca-crt.pem").write_text(cert_pem)
    project.write_app(services=ADOPTED_SERVICES, ca="", header=ADOPTED_APP_HEADER)
    return project


def service_line(name: str, *dns_names: str, **props: Any) -> str:
    """One `ServiceCert(...)` call, as a user would write it in main.py."""
    extra = "".join(f", {key}={value!r}" for key, value in props.items())
    return f"ServiceCert(stack, {name!r}, ca=ca, dns_names={list(dns_names)!r}{extra})\n"


class TempProject:
    """A project folder in tmp_path, driven through `python -m internal_ca` and terraform."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        (root / "cdktf.json").write_text(
            json.dumps(
                {
                    "language": "python",
                    "app": f"{sys.executable} main.py",
                    "terraformProviders": [],
                    "terraformModules": [],
                    "sendCrashReports": "false",
                    "context": {},
                }
            )
        )

    def write_app(self, services: str = "", ca: str = DEFAULT_CA, header: str = APP_HEADER) -> None:
        """Write main.py: the header, the CA block, the services, then app.synth()."""
        body = header + textwrap.dedent(ca) + textwrap.dedent(services) + "\napp.synth()\n"
        (self.root / "main.py").write_text(body)

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env["CA_TLS_PROVIDER"] = provider_mode()
        env["INTERNAL_CA_TOOLS"] = str(REPO)
        env["CHECKPOINT_DISABLE"] = "1"
        env["NODE_OPTIONS"] = "--no-deprecation"
        env["PATH"] = os.pathsep.join(
            [str(REPO / "node_modules" / ".bin"), str(Path(sys.executable).parent), env["PATH"]]
        )
        env.update(extra)
        return env

    def cli(
        self, *args: str, check: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run the operations CLI in this project; output is captured, never echoed."""
        done = subprocess.run(
            [sys.executable, "-m", "internal_ca", *args],
            cwd=self.root,
            env=self.env(**(env or {})),
            text=True,
            capture_output=True,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"internal-ca {' '.join(args)} exited {done.returncode}:\n"
                + redact(done.stdout + done.stderr)[-4000:]
            )
        return done

    def start(self, *args: str) -> subprocess.Popen[str]:
        """The operations CLI in the background, in a session of its own (so a test can kill
        its whole process group); stdout and stderr share one pipe, never echoed unredacted."""
        return subprocess.Popen(
            [sys.executable, "-m", "internal_ca", *args],
            cwd=self.root,
            env=self.env(),
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def deploy(self, *flags: str, **env: str) -> subprocess.CompletedProcess[str]:
        """`internal-ca deploy --auto-approve`, with guard flags such as --allow-destroy.

        A project with no CA pinned yet is on its first deploy, which says so: --initial.
        """
        first = () if (self.root / "pins").exists() else ("--initial",)
        return self.cli("deploy", "--auto-approve", *first, *flags, env=env)

    def synth(self) -> None:
        """`cdktf synth` and `terraform init`, without applying: to inspect a plan first."""
        done = subprocess.run(
            [str(REPO / "node_modules" / ".bin" / "cdktf"), "synth"],
            cwd=self.root,
            env=self.env(),
            text=True,
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(
                "cdktf synth failed:\n" + redact(done.stdout + done.stderr)[-4000:]
            )
        self.terraform("init", "-input=false", "-no-color")

    @property
    def stack_dir(self) -> Path:
        return self.root / "cdktf.out" / "stacks" / STACK

    def terraform(
        self, *args: str, check: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Terraform in the synthesized stack folder, with the same provider source."""
        extra = dict(env or {})
        # The CLI config deploy wrote for the selected source (none for the registry).
        config = _CLI_CONFIGS.get(provider_mode())
        if config and (self.root / ".internal-ca" / config).is_file():
            extra.setdefault("TF_CLI_CONFIG_FILE", str(self.root / ".internal-ca" / config))
        done = subprocess.run(
            ["terraform", *args],
            cwd=self.stack_dir,
            env=self.env(**extra),
            text=True,
            capture_output=True,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"terraform {' '.join(args)} exited {done.returncode}:\n"
                + redact(done.stdout + done.stderr)[-4000:]
            )
        return done

    def plan_exit_code(self, **env: str) -> int:
        """`plan -detailed-exitcode`: 0 no changes, 2 changes."""
        done = self.terraform(
            "plan", "-detailed-exitcode", "-input=false", "-no-color", check=False, env=env
        )
        if done.returncode == 1:
            raise AssertionError(
                "terraform plan failed:\n" + redact(done.stdout + done.stderr)[-4000:]
            )
        return done.returncode

    def outputs(self) -> dict[str, Any]:
        """`terraform output -json`, values only. Holds secrets: never print it."""
        done = self.terraform("output", "-json")
        return {name: item["value"] for name, item in json.loads(done.stdout).items()}

    def services(self) -> dict[str, dict[str, Any]]:
        """The non-secret per-service outputs, keyed by service name."""
        found: dict[str, dict[str, Any]] = {}
        for name, value in self.outputs().items():
            if name.startswith("service_") and not name.endswith("_private_key_pem"):
                found[name.removeprefix("service_")] = value
        return found

    def private_key(self, service: str) -> str:
        return str(self.outputs()[f"service_{service}_private_key_pem"])

    def serials(self) -> dict[str, str]:
        return {name: str(info["serial"]) for name, info in self.services().items()}


def redact(text: str) -> str:
    """Failure messages must not echo a key if a test ever trips over one."""
    if PEM_PRIVATE_KEY in text:
        return "[output withheld: it contains a PEM private key block]"
    return text


def openssl(
    *args: str, input: str | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """The independent checker: the openssl CLI."""
    done = subprocess.run(
        ["openssl", *args], input=input, text=True, capture_output=True, check=False
    )
    if check and done.returncode != 0:
        raise AssertionError(
            f"openssl {' '.join(args)} failed: {redact(done.stdout + done.stderr)}"
        )
    return done


def planned_actions(project: TempProject, **env: str) -> dict[str, list[str]]:
    """Address -> actions of a saved plan; only those two fields are kept (values are secret)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="ca-plan-") as folder:
        Path(folder).chmod(0o700)
        plan = str(Path(folder) / "tfplan")
        project.terraform("plan", "-input=false", "-no-color", "-out", plan, env=env)
        shown = project.terraform("show", "-json", plan, env=env).stdout
    changes = json.loads(shown).get("resource_changes", [])
    return {
        change["address"]: list(change["change"]["actions"])
        for change in changes
        if change["change"]["actions"] != ["no-op"]
    }


def copy_project(source: TempProject, destination: Path) -> TempProject:
    """A copy of a deployed project (app, synth output, state), to mutate independently."""
    import shutil

    shutil.copytree(source.root, destination, symlinks=True)
    return TempProject(destination)


def provider_mode() -> str:
    """The hashicorp/tls source for these tests: CA_TLS_PROVIDER if set, else the stand-in.

    `make conformance` sets registry (or mirror), and then every project here uses it.
    """
    return os.environ.get("CA_TLS_PROVIDER") or "standin"


# Where deploy writes Terraform's CLI config for each source, under .internal-ca/.
_CLI_CONFIGS = {
    "standin": "standin/terraformrc",
    "mirror": "mirror.tfrc",
    "registry": "registry.tfrc",
}


def standin_only(reason: str) -> pytest.MarkDecorator:
    """Skip unless the stand-in is the provider; the reason names what of it the test needs.

    README "Running the end-to-end tests on the real provider" lists these skips, and
    tests/e2e/test_conformance_list.py keeps that list true.
    """
    return pytest.mark.skipif(provider_mode() != "standin", reason=reason)


def uses_standin_clock() -> pytest.MarkDecorator:
    """Skip under the real provider: it has no clock override, and these tests move time."""
    return standin_only("moves time with the stand-in's test-only TLS_STANDIN_CLOCK_SHIFT_HOURS")


def pem_begin(label: str) -> str:
    """A PEM BEGIN line, assembled so no key header stands in the repository's sources."""
    return "-----BEGIN " + label + "-----"


def pem_end(label: str) -> str:
    return "-----END " + label + "-----"


def descendants(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of every live descendant of `pid`."""
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        commands[int(entry.name)] = cmdline
    wanted = {pid}
    changed = True
    while changed:
        changed = False
        for child, parent in parents.items():
            if parent in wanted and child not in wanted:
                wanted.add(child)
                changed = True
    return [(child, commands.get(child, "")) for child in sorted(wanted - {pid})]
