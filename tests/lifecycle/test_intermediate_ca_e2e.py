"""An intermediate CA end to end: leaves chain to the root through it, and it is a CA."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from cert_checks import secret_dir, text_of
from e2e_project import APP_HEADER, TempProject, openssl

pytestmark = [pytest.mark.e2e, pytest.mark.conformance]

HEADER = APP_HEADER + "from ca_constructs.intermediate_ca import IntermediateCa\n"
SERVICES = """\
issuing = IntermediateCa(stack, "issuing", parent=ca)
ServiceCert(stack, "web", ca=issuing, dns_names=["web.internal.example"])
"""


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    project = TempProject(Path(tmp_path_factory.mktemp("intermediate")))
    project.write_app(services=SERVICES, header=HEADER)
    project.deploy()
    found: dict[str, Any] = {
        name: value
        for name, value in project.outputs().items()
        if name in ("ca", "issuing", "service_web")
    }
    return found


def verify_chain(root: str, untrusted: str | None, leaf: str) -> str:
    with secret_dir() as folder:
        (folder / "root.pem").write_text(root)
        (folder / "leaf.pem").write_text(leaf)
        args = ["verify", "-x509_strict", "-purpose", "sslserver"]
        args += ["-CAfile", str(folder / "root.pem")]
        if untrusted is not None:
            (folder / "intermediate.pem").write_text(untrusted)
            args += ["-untrusted", str(folder / "intermediate.pem")]
        done = openssl(*args, str(folder / "leaf.pem"), check=False)
    return str(done.stdout + done.stderr)


def test_leaf_verifies_with_only_the_root_as_trust_anchor(outputs: dict[str, Any]) -> None:
    said = verify_chain(
        outputs["ca"]["cert_pem"],
        outputs["issuing"]["cert_pem"],
        outputs["service_web"]["cert_pem"],
    )
    assert re.search(r"leaf\.pem: OK\s*$", said), said


def test_leaf_does_not_verify_without_the_intermediate(outputs: dict[str, Any]) -> None:
    said = verify_chain(outputs["ca"]["cert_pem"], None, outputs["service_web"]["cert_pem"])
    assert "unable to get local issuer certificate" in said, said


def test_service_chain_output_is_the_intermediate(outputs: dict[str, Any]) -> None:
    service = outputs["service_web"]
    assert service["chain_pem"] == outputs["issuing"]["cert_pem"]
    assert service["ca_cert_pem"] == outputs["ca"]["cert_pem"]
    said = verify_chain(service["ca_cert_pem"], service["chain_pem"], service["cert_pem"])
    assert re.search(r"leaf\.pem: OK\s*$", said), said


def test_intermediate_is_a_ca(outputs: dict[str, Any]) -> None:
    text = text_of(outputs["issuing"]["cert_pem"])
    assert re.search(r"X509v3 Basic Constraints: critical\s*\n\s*CA:TRUE\s*\n", text), text
    assert re.search(
        r"Key Usage: critical\s*\n\s*Digital Signature, Certificate Sign, CRL Sign", text
    ), text


def test_intermediate_is_issued_by_the_root(outputs: dict[str, Any]) -> None:
    issuer = openssl("x509", "-noout", "-issuer", input=outputs["issuing"]["cert_pem"]).stdout
    root_subject = openssl("x509", "-noout", "-subject", input=outputs["ca"]["cert_pem"]).stdout
    assert issuer.split("=", 1)[1] == root_subject.split("=", 1)[1]
