"""Adopting the team's existing CA, made with the recipe's own openssl commands (RSA 4096).

The CA key plays the password manager's part: it sits in a 0700 folder outside the project
and reaches Terraform only as TF_VAR_ca_private_key_pem in the deploy's environment.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cert_checks import secret_dir, text_of
from e2e_project import TempProject, openssl, redact

pytestmark = pytest.mark.e2e

RECIPE_SUBJECT = (
    "/C=GB/ST=Cambridgeshire/L=Cambridge/O=University of Cambridge"
    "/CN=Internal CA for the traffic manager"
)
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
SERVICES = """\
ServiceCert(stack, "passwords", ca=ca, dns_names=["passwords.internal.example"], key=ecdsa())
ServiceCert(stack, "wiki", ca=ca, dns_names=["wiki.internal.example"], key=ecdsa())
"""


@dataclass
class Recipe:
    folder: Path
    cert_pem: str
    # Left out of repr: pytest prints fixture arguments when a test fails.
    key_pem: str = field(repr=False)


@pytest.fixture(scope="module")
def recipe(tmp_path_factory: pytest.TempPathFactory) -> Recipe:
    """The recipe's two commands, run as written (plus -subj, so nothing asks questions)."""
    folder = Path(tmp_path_factory.mktemp("recipe"))
    folder.chmod(0o700)
    for command in (
        ["openssl", "genrsa", "-out", "ca-private-key.pem", "4096"],
        [
            "openssl",
            "req",
            "-new",
            "-x509",
            "-days",
            "3650",
            "-key",
            "ca-private-key.pem",
            "-out",
            "ca-crt.pem",
            "-subj",
            RECIPE_SUBJECT,
        ],
    ):
        subprocess.run(command, cwd=folder, check=True, capture_output=True)
    return Recipe(
        folder,
        (folder / "ca-crt.pem").read_text(),
        (folder / "ca-private-key.pem").read_text(),
    )


def adopted_project(root: Path, recipe: Recipe) -> TempProject:
    project = TempProject(root)
    (root / "ca-crt.pem").write_text(recipe.cert_pem)
    project.write_app(services=SERVICES, ca="", header=ADOPTED_APP_HEADER)
    return project


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory, recipe: Recipe) -> TempProject:
    project = adopted_project(Path(tmp_path_factory.mktemp("adopted")), recipe)
    # Through os.environ, not an argument: pytest shows call arguments in failure tracebacks.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TF_VAR_ca_private_key_pem", recipe.key_pem)
        project.deploy()
    return project


def key_body_lines(key_pem: str) -> list[str]:
    return [line for line in key_pem.splitlines() if line and not line.startswith("-----")]


def test_both_services_verify_against_the_recipe_file(
    deployed: TempProject, recipe: Recipe
) -> None:
    services = deployed.services()
    assert sorted(services) == ["passwords", "wiki"]
    ca_file = str(recipe.folder / "ca-crt.pem")
    for name, info in services.items():
        with secret_dir() as folder:
            leaf = folder / f"{name}-crt.pem"
            leaf.write_text(info["cert_pem"])
            # Not -x509_strict: the recipe's own CA has no keyUsage extension, which strict
            # mode rejects in any CA certificate, whoever signed the leaf.
            done = openssl("verify", "-purpose", "sslserver", "-CAfile", ca_file, str(leaf))
        assert done.stdout.strip().endswith(": OK"), name


def test_services_inherit_the_recipe_organisation(deployed: TempProject) -> None:
    subject = openssl(
        "x509",
        "-noout",
        "-subject",
        "-nameopt",
        "RFC2253",
        input=deployed.services()["passwords"]["cert_pem"],
    ).stdout
    assert "O=University of Cambridge" in subject
    assert "CN=passwords.internal.example" in subject


def test_outputs_give_the_recipe_certificate(deployed: TempProject, recipe: Recipe) -> None:
    outputs = deployed.outputs()
    assert outputs["ca"]["cert_pem"] == recipe.cert_pem
    assert outputs["service_wiki"]["ca_cert_pem"] == recipe.cert_pem
    assert outputs["service_wiki"]["chain_pem"] == ""
    assert "RSA Public-Key: (4096 bit)" in text_of(outputs["ca"]["cert_pem"]).replace(
        "Public-Key", "RSA Public-Key"
    ).replace("RSA RSA", "RSA")


def test_synthesized_files_hold_no_private_key(deployed: TempProject, recipe: Recipe) -> None:
    body = key_body_lines(recipe.key_pem)
    assert len(body) > 40
    scanned = 0
    for path in (deployed.root / "cdktf.out").rglob("*"):
        if ".terraform" in path.parts or not path.is_file():
            continue
        text = path.read_text(errors="replace")
        scanned += 1
        assert "PRIVATE KEY" not in text, path.name
        assert not any(line in text for line in body), path.name
        assert "".join(body)[:200] not in text.replace("\\n", "").replace("\n", ""), path.name
    assert scanned > 0


def test_a_key_that_does_not_match_is_refused_before_signing(
    tmp_path: Path, recipe: Recipe
) -> None:
    project = adopted_project(tmp_path / "mismatch", recipe)
    wrong = openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256").stdout
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TF_VAR_ca_private_key_pem", wrong)
        deploy = project.cli("deploy", "--auto-approve", check=False)
        # cdktf deploy does not pass Terraform's diagnostics on, so read the refusal from the
        # plan that cdktf runs, in the same stack folder with the same key.
        plan = project.terraform("plan", "-input=false", "-no-color", check=False)
    assert deploy.returncode != 0
    assert plan.returncode == 1
    said = " ".join((plan.stdout + plan.stderr).split())
    assert "Resource postcondition failed" in said, redact(said)[-3000:]
    assert (
        "CA 'ca': the key in TF_VAR_ca_private_key_pem does not match the certificate "
        "ca-crt.pem" in said
    ), redact(said)[-3000:]
    for output in (deploy.stdout + deploy.stderr, said):
        assert not any(line in output for line in key_body_lines(wrong))
    state = project.terraform("state", "list", check=False)
    assert "tls_locally_signed_cert" not in state.stdout
    assert "tls_private_key" not in state.stdout
