"""Adopting the team's existing CA, made with the recipe's own openssl commands (RSA 4096).

The CA key plays the password manager's part: it sits in a 0700 folder outside the project
and reaches Terraform only as TF_VAR_ca_private_key_pem in the deploy's environment.
"""

from __future__ import annotations

import re
import secrets
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cert_checks import secret_dir, text_of
from e2e_project import TempProject, adopted_project, openssl, redact

pytestmark = [pytest.mark.e2e, pytest.mark.conformance]

RECIPE_SUBJECT = (
    "/C=GB/ST=Cambridgeshire/L=Cambridge/O=University of Cambridge"
    "/CN=Internal CA for the traffic manager"
)


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
    key_file = folder / "ca-private-key.pem"
    openssl("genrsa", "-out", str(key_file), "4096")
    return Recipe(folder, _self_signed_ca(folder, key_file, RECIPE_SUBJECT), key_file.read_text())


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory, recipe: Recipe) -> TempProject:
    project = adopted_project(Path(tmp_path_factory.mktemp("adopted")), recipe.cert_pem)
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
    project = adopted_project(tmp_path / "mismatch", recipe.cert_pem)
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


# The key shapes a team's CA key may have, from the openssl commands that write them. The real
# provider reads only the first PEM block, and only RSA PRIVATE KEY, EC PRIVATE KEY and PRIVATE
# KEY blocks, so ExistingCa hands it just the key block, with LF line endings.
# Made at run time: no passphrase stands in the sources.
PASSPHRASE = "pass:" + secrets.token_hex(12)


def pem_labels(text: str) -> list[str]:
    """The PEM block labels in text, in order; a key's shape without printing the key."""
    return re.findall(r"-----BEGIN ([A-Z0-9 ]+)-----", text)


def _self_signed_ca(
    folder: Path,
    key_file: Path,
    subject: str = "/C=GB/O=Adopted EC/CN=Adopted EC CA",
    serial: str | None = None,
) -> str:
    """The recipe's `openssl req -new -x509 -days 3650` (plus -subj) for `key_file`."""
    openssl(
        *("req", "-new", "-x509", "-days", "3650", "-key", str(key_file)),
        *("-out", str(folder / "ca-crt.pem"), "-subj", subject),
        *(("-set_serial", serial) if serial else ()),
    )
    return (folder / "ca-crt.pem").read_text()


def _ec_ca(folder: Path, *generate: str) -> Recipe:
    """A P-256 CA whose key file is what `generate` (run in folder) writes to key.pem."""
    folder.mkdir(mode=0o700)
    subprocess.run([*generate, "-out", "key.pem"], cwd=folder, check=True, capture_output=True)
    cert = _self_signed_ca(folder, folder / "key.pem")
    return Recipe(folder, cert, (folder / "key.pem").read_text())


@pytest.fixture(scope="module")
def key_shapes(tmp_path_factory: pytest.TempPathFactory, recipe: Recipe) -> dict[str, Recipe]:
    """Each shape name -> a CA certificate and its key in that shape."""
    folder = Path(tmp_path_factory.mktemp("shapes"))
    folder.chmod(0o700)
    recipe_file = str(recipe.folder / "ca-private-key.pem")
    pkcs1 = openssl("rsa", "-in", recipe_file, "-traditional").stdout
    ecparam = ["openssl", "ecparam", "-name", "prime256v1", "-genkey"]
    return {
        "rsa-pkcs1": Recipe(recipe.folder, recipe.cert_pem, pkcs1),
        "rsa-crlf": Recipe(recipe.folder, recipe.cert_pem, recipe.key_pem.replace("\n", "\r\n")),
        "ec-with-parameters": _ec_ca(folder / "ecparam", *ecparam),
        "ec-noout": _ec_ca(folder / "noout", *ecparam, "-noout"),
        "ec-genpkey": _ec_ca(
            folder / "genpkey",
            *("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"),
        ),
    }


SHAPE_LABELS = {
    "rsa-pkcs1": ["RSA PRIVATE KEY"],
    "rsa-crlf": ["PRIVATE KEY"],
    "ec-with-parameters": ["EC PARAMETERS", "EC PRIVATE KEY"],
    "ec-noout": ["EC PRIVATE KEY"],
    "ec-genpkey": ["PRIVATE KEY"],
}


def test_the_recipe_key_is_pkcs8(recipe: Recipe) -> None:
    """`openssl genrsa` writes PKCS#8 since OpenSSL 3: the `deployed` fixture is that shape."""
    assert pem_labels(recipe.key_pem) == ["PRIVATE KEY"]


def test_the_shapes_are_what_openssl_writes(key_shapes: dict[str, Recipe]) -> None:
    assert {name: pem_labels(shape.key_pem) for name, shape in key_shapes.items()} == (SHAPE_LABELS)
    assert "\r\n" in key_shapes["rsa-crlf"].key_pem


@pytest.mark.parametrize("shape", sorted(SHAPE_LABELS))
def test_each_key_shape_deploys_and_signs(
    tmp_path: Path, key_shapes: dict[str, Recipe], shape: str
) -> None:
    adopted = key_shapes[shape]
    project = adopted_project(tmp_path / shape, adopted.cert_pem)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TF_VAR_ca_private_key_pem", adopted.key_pem)
        done = project.deploy()
    for line in key_body_lines(adopted.key_pem):
        assert line not in done.stdout + done.stderr
    with secret_dir() as folder:
        (folder / "ca.pem").write_text(adopted.cert_pem)
        (folder / "leaf.pem").write_text(project.services()["wiki"]["cert_pem"])
        said = openssl("verify", "-CAfile", str(folder / "ca.pem"), str(folder / "leaf.pem"))
    assert said.stdout.strip().endswith(": OK")


def test_an_encrypted_key_fails_with_the_projects_message(tmp_path: Path, recipe: Recipe) -> None:
    recipe_file = str(recipe.folder / "ca-private-key.pem")
    encrypted = openssl("pkey", "-in", recipe_file, "-aes256", "-passout", PASSPHRASE).stdout
    assert pem_labels(encrypted) == ["ENCRYPTED PRIVATE KEY"]
    project = adopted_project(tmp_path / "encrypted", recipe.cert_pem)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TF_VAR_ca_private_key_pem", encrypted)
        deploy = project.cli("deploy", "--auto-approve", "--initial", check=False)
        # cdktf deploy does not pass Terraform's diagnostics on: read them from a plan.
        plan = project.terraform("plan", "-input=false", "-no-color", check=False)
    assert deploy.returncode != 0
    assert plan.returncode == 1
    said = " ".join((plan.stdout + plan.stderr).split())
    assert (
        "CA 'ca': TF_VAR_ca_private_key_pem holds an encrypted key, which the tls provider "
        "cannot read" in said
    ), redact(said)[-3000:]
    for output in (deploy.stdout + deploy.stderr, said):
        assert not any(line in output for line in key_body_lines(encrypted))
    assert "tls_locally_signed_cert" not in project.terraform("state", "list", check=False).stdout


def test_a_negative_serial_ca_is_refused_before_terraform_runs(
    tmp_path: Path, recipe: Recipe
) -> None:
    """The real provider would fail only at apply, after making keys; synth stops it first."""
    folder = tmp_path / "negative"
    folder.mkdir(mode=0o700)
    cert_pem = _self_signed_ca(folder, recipe.folder / "ca-private-key.pem", RECIPE_SUBJECT, "-5")
    project = adopted_project(tmp_path / "project", cert_pem)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TF_VAR_ca_private_key_pem", recipe.key_pem)
        deploy = project.cli("deploy", "--auto-approve", "--initial", check=False)
    said = " ".join((deploy.stdout + deploy.stderr).split())
    assert deploy.returncode != 0
    assert (
        "CA 'ca': cert_file 'ca-crt.pem' has a negative serial (-5); the tls provider (Go) "
        "refuses to parse it; expected a positive serial" in said
    ), redact(said)[-3000:]
    assert not list(project.root.rglob("*.tfstate"))
