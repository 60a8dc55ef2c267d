"""Leak canaries across everything a user or CI sees.

A CA key carrying a marker string is planted through the adoption path (the sensitive
variable ends up in state inside every signed certificate). Then deploy, plan, inventory,
verify, export, unlock and a failing command run, and none of their output may contain a PEM
private key block, any line of a key, or the marker.
"""

from __future__ import annotations

import secrets
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from e2e_project import PEM_PRIVATE_KEY, TempProject, openssl, service_line

pytestmark = [pytest.mark.e2e, pytest.mark.conformance]

MARKER = "canary-" + secrets.token_hex(8)

ADOPTED_CA = """\
from cdktf import TerraformStack
from cdktf_cdktf_provider_tls.provider import TlsProvider

from ca_constructs.existing_ca import ExistingCa
from stacks.backend import configure_backend

stack = TerraformStack(app, "internal-ca")
TlsProvider(stack, "tls")
configure_backend(stack, "internal-ca")
ca = ExistingCa(stack, "ca", cert_file="ca-crt.pem")
"""


def _make_ca(folder: Path) -> str:
    """An ECDSA CA made with openssl; returns the key PEM with the marker planted in it."""
    key = folder / "ca-private-key.pem"
    subprocess.run(
        ["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key],
        check=True,
    )
    subprocess.run(
        [
            "openssl",
            "req",
            "-new",
            "-x509",
            "-days",
            "30",
            "-key",
            key,
            "-out",
            folder / "ca-crt.pem",
            "-subj",
            "/C=GB/O=Canary Org/CN=Canary CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
        ],
        check=True,
        capture_output=True,
    )
    text = key.read_text()
    key.unlink()
    # PEM readers ignore text after the END line; Terraform keeps the whole value in state.
    return text + f"{MARKER}\n"


_VAR = "TF_VAR_ca_private_key_pem"


@dataclass
class Planted:
    """The project and the environment carrying the key; repr hides the key from reports."""

    project: TempProject
    env: dict[str, str] = field(repr=False)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    project = TempProject(tmp_path_factory.mktemp("canary") / "project")
    ca_key = _make_ca(project.root)
    env = {_VAR: ca_key}
    project.write_app(
        service_line("web", "web.internal.example", validity_days=20, renew_before_days=5)
        + service_line("api", "api.internal.example", validity_days=20, renew_before_days=5),
        ca=ADOPTED_CA,
    )
    project.deploy(**env)
    return Planted(project, env)


def _secret_lines(project: TempProject, env: dict[str, str], *extra: str) -> list[str]:
    """Base64 lines of the private keys that encode private material.

    An EC key's PEM also carries its public point, and its last line can equal part of the
    public key's base64 (which error messages may rightly print); such lines are left out.
    """
    keys = [env[_VAR], *extra] + [project.private_key(s) for s in ("web", "api")]
    lines: list[str] = []
    for key in keys:
        public = "".join(
            openssl("pkey", "-pubout", input=key.replace(MARKER, "")).stdout.split("\n")[1:-2]
        )
        lines += [
            line
            for line in key.splitlines()
            if line and not line.startswith("-----") and line != MARKER and line not in public
        ]
    return lines


def _assert_clean(output: str, secret_lines: list[str], what: str) -> None:
    assert MARKER not in output, what
    assert PEM_PRIVATE_KEY not in output, what
    leaked = [line for line in secret_lines if line in output]
    assert not leaked, f"{what} printed {len(leaked)} line(s) of a private key"


def test_the_canary_really_is_in_state(planted: Planted) -> None:
    """The absence checks below mean something only if the keys are there to leak."""
    state = (planted.project.root / "state" / "internal-ca.tfstate").read_text()
    ca_key_lines = _secret_lines(planted.project, planted.env)
    assert ca_key_lines
    assert all(line in state for line in ca_key_lines)


def test_no_command_prints_a_key_or_the_marker(planted: Planted, tmp_path: Path) -> None:
    project, env = planted.project, planted.env
    secret_lines = _secret_lines(project, env)
    assert len(secret_lines) >= 3
    commands = [
        ["deploy", "--auto-approve"],
        ["plan"],
        ["plan", "--format", "markdown"],
        ["inventory"],
        ["inventory", "--json"],
        ["inventory", "--expiring-within", "400"],
        ["verify"],
        ["verify", "--json"],
        ["export", str(tmp_path / "export")],
        ["crl", str(tmp_path / "crl")],
        ["unlock"],
        ["plan", "--plan-json", str(project.root / "state" / "internal-ca.tfstate")],
    ]
    for args in commands:
        done = project.cli(*args, check=False, env=env)
        _assert_clean(done.stdout + done.stderr, secret_lines, f"internal-ca {' '.join(args)}")
    exported = {p.name for p in (tmp_path / "export").iterdir()}
    assert "ca-private-key.pem" not in exported
    for path in (tmp_path / "export").iterdir():
        assert MARKER.encode() not in path.read_bytes(), path.name  # the DER CRL is binary


def test_a_failing_deploy_does_not_print_the_key(planted: Planted, tmp_path: Path) -> None:
    project, env = planted.project, planted.env
    wrong = _make_ca(tmp_path)  # another key, with the marker too, that does not match
    done = project.cli("deploy", "--auto-approve", check=False, env={_VAR: wrong})
    assert done.returncode != 0
    assert "does not match the certificate" in done.stdout + done.stderr
    lines = _secret_lines(project, env, wrong)
    _assert_clean(done.stdout + done.stderr, lines, "failing deploy")


def test_a_reformatted_key_re_issues_nothing(planted: Planted) -> None:
    """Password managers add or drop the final newline; that must not re-issue every cert."""
    project, env = planted.project, planted.env
    before = project.serials()
    reformatted = {_VAR: "\n" + env[_VAR].strip() + "\n\n"}
    assert project.plan_exit_code(**reformatted) == 0
    project.deploy(**reformatted)
    assert project.serials() == before


def test_no_log_files_are_left_behind(planted: Planted) -> None:
    logs = [
        p for p in planted.project.root.rglob("*") if p.suffix == ".log" or p.name == "crash.log"
    ]
    assert logs == []
