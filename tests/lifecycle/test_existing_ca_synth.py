"""ExistingCa at synth time: what it reads from the certificate file and what it refuses.

The certificates here are built with `cryptography` because some of them (expired, not a CA,
too weak) cannot be made with the recipe's commands; the e2e test uses the recipe itself.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import cdktf
import pytest
from cdktf import TerraformStack
from cdktf_cdktf_provider_tls.provider import TlsProvider
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from ca_constructs.existing_ca import ExistingCa
from ca_constructs.service_cert import ServiceCert

NOW = dt.datetime.now(dt.UTC)
SUBJECT = x509.Name(
    [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "GB"),
        x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "Cambridgeshire"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "University of Cambridge"),
        x509.NameAttribute(NameOID.COMMON_NAME, "Adopted CA"),
    ]
)
Key = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


NORMALISED_KEY = '${format("%s\\n", trimspace(var.ca_private_key_pem))}'


def make_cert(
    *,
    key: Key | None = None,
    is_ca: bool | None = True,
    not_after: dt.datetime | None = None,
    issuer: x509.Name = SUBJECT,
) -> tuple[str, Key]:
    key = key or ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(SUBJECT)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(0x1234ABCD)
        .not_valid_before(NOW - dt.timedelta(days=30))
        .not_valid_after(not_after or NOW + dt.timedelta(days=1000))
    )
    if is_ca is not None:
        builder = builder.add_extension(
            x509.BasicConstraints(ca=is_ca, path_length=None), critical=True
        )
    algorithm = None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    cert = builder.sign(key, algorithm)
    return cert.public_bytes(serialization.Encoding.PEM).decode(), key


def write_cert(tmp_path: Path, **props: Any) -> Path:
    pem, _ = make_cert(**props)
    path = tmp_path / "ca-crt.pem"
    path.write_text(pem)
    return path


def new_stack() -> TerraformStack:
    stack = TerraformStack(cdktf.Testing.app(), "internal-ca")
    TlsProvider(stack, "tls")
    return stack


def synth(stack: TerraformStack) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(cdktf.Testing.synth(stack))
    return result


@pytest.fixture
def adopted(tmp_path: Path) -> tuple[dict[str, Any], str, ExistingCa]:
    pem, _ = make_cert()
    path = tmp_path / "ca-crt.pem"
    path.write_text(pem)
    stack = new_stack()
    ca = ExistingCa(stack, "ca", cert_file=path)
    ServiceCert(stack, "web", ca=ca, dns_names=["web.internal.example"])
    return synth(stack), pem, ca


# --- what it reads from the file ---------------------------------------------------------


def test_key_is_a_sensitive_variable_named_after_the_ca(adopted: Any) -> None:
    doc, _, _ = adopted
    variable = doc["variable"]["ca_private_key_pem"]
    assert variable["sensitive"] is True
    assert variable["type"] == "string"
    # Normalised, so a key pasted with or without its final newline re-issues nothing.
    assert doc["resource"]["tls_locally_signed_cert"]["web"]["ca_private_key_pem"] == (
        NORMALISED_KEY
    )


def test_leaf_is_signed_with_the_file_certificate(adopted: Any) -> None:
    doc, pem, _ = adopted
    assert doc["resource"]["tls_locally_signed_cert"]["web"]["ca_cert_pem"] == pem


def test_key_check_compares_with_the_certificate_public_key(adopted: Any) -> None:
    doc, pem, _ = adopted
    check = doc["data"]["tls_public_key"]["ca"]
    assert check["private_key_pem"] == NORMALISED_KEY
    public = x509.load_pem_x509_certificate(pem.encode()).public_key()
    body = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    condition = check["lifecycle"]["postcondition"][0]["condition"]
    assert "self.public_key_pem" in condition
    assert json.dumps(body.strip())[1:-1] in condition
    assert "does not match" in check["lifecycle"]["postcondition"][0]["error_message"]


def test_ca_output_keeps_the_root_ca_shape(adopted: Any) -> None:
    doc, pem, _ = adopted
    value = doc["output"]["ca"]["value"]
    assert set(value) == {
        "cert_pem",
        "serial",
        "not_before",
        "not_after",
        "subject",
        "key_algorithm",
    }
    assert value["cert_pem"] == pem
    assert value["serial"] == str(0x1234ABCD)
    assert value["key_algorithm"] == "ECDSA P256"
    assert value["subject"] == "C=GB, ST=Cambridgeshire, O=University of Cambridge, CN=Adopted CA"


def test_service_inherits_organisation_and_root(adopted: Any) -> None:
    doc, pem, _ = adopted
    subject = doc["resource"]["tls_cert_request"]["web"]["subject"][0]
    assert subject["organization"] == "University of Cambridge"
    assert subject["country"] == "GB"
    assert subject["common_name"] == "web.internal.example"
    output = doc["output"]["service_web"]["value"]
    assert output["ca_cert_pem"] == pem
    assert output["chain_pem"] == ""


def test_validity_end_time_is_the_certificate_not_after(adopted: Any) -> None:
    doc, pem, ca = adopted
    not_after = x509.load_pem_x509_certificate(pem.encode()).not_valid_after_utc
    assert doc["locals"]["ca_not_after"] == not_after.strftime("%Y-%m-%dT%H:%M:%SZ")
    precondition = doc["resource"]["tls_locally_signed_cert"]["web"]["lifecycle"]["precondition"]
    assert "local.ca_not_after" in precondition[0]["condition"]
    assert ca.facts.max_leaf_validity_days in (998, 999)


def test_key_spec_follows_an_rsa_certificate(tmp_path: Path) -> None:
    path = write_cert(tmp_path, key=rsa.generate_private_key(65537, 2048))
    assert ExistingCa(new_stack(), "ca", cert_file=path).facts.key_spec.describe() == "RSA 2048"


def test_synth_holds_no_private_key(tmp_path: Path) -> None:
    pem, key = make_cert()
    path = tmp_path / "ca-crt.pem"
    path.write_text(pem)
    stack = new_stack()
    ServiceCert(stack, "web", ca=ExistingCa(stack, "ca", cert_file=path), dns_names=["w.example"])
    text = cdktf.Testing.synth(stack)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    assert "PRIVATE KEY" not in text
    assert key_pem.splitlines()[1] not in text


# --- one negative test per rule -----------------------------------------------------------


def test_refuses_a_certificate_that_is_not_a_ca(tmp_path: Path) -> None:
    path = write_cert(tmp_path, is_ca=False)
    with pytest.raises(ValueError, match=r"ca-crt\.pem is not a CA certificate.*CA:TRUE"):
        ExistingCa(new_stack(), "ca", cert_file=path)


def test_refuses_a_certificate_without_basic_constraints(tmp_path: Path) -> None:
    path = write_cert(tmp_path, is_ca=None)
    with pytest.raises(ValueError, match="is not a CA certificate"):
        ExistingCa(new_stack(), "ca", cert_file=path)


def test_refuses_an_expired_ca(tmp_path: Path) -> None:
    path = write_cert(tmp_path, not_after=NOW - dt.timedelta(days=1))
    with pytest.raises(ValueError, match=r"ca-crt\.pem expired on \d{4}-\d\d-\d\dT.*still valid"):
        ExistingCa(new_stack(), "ca", cert_file=path)


def test_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"cert_file '.*nowhere\.pem' cannot be read"):
        ExistingCa(new_stack(), "ca", cert_file=tmp_path / "nowhere.pem")


def test_refuses_a_file_without_a_certificate(tmp_path: Path) -> None:
    path = tmp_path / "ca-crt.pem"
    path.write_text("not a certificate\n")
    with pytest.raises(ValueError, match="holds no PEM certificate"):
        ExistingCa(new_stack(), "ca", cert_file=path)


def test_refuses_a_file_with_two_certificates(tmp_path: Path) -> None:
    path = tmp_path / "ca-crt.pem"
    path.write_text(make_cert()[0] + make_cert()[0])
    with pytest.raises(ValueError, match="holds 2 certificates; expected exactly one"):
        ExistingCa(new_stack(), "ca", cert_file=path)


def test_refuses_a_ca_that_is_not_self_signed(tmp_path: Path) -> None:
    other = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Some Root")])
    path = write_cert(tmp_path, issuer=other)
    with pytest.raises(ValueError, match="'CN=Some Root', not by itself; expected a self-signed"):
        ExistingCa(new_stack(), "ca", cert_file=path)


def test_refuses_a_short_rsa_key(tmp_path: Path) -> None:
    path = write_cert(tmp_path, key=rsa.generate_private_key(65537, 1024))  # noqa: S505 - the point
    with pytest.raises(ValueError, match="1024-bit RSA key; expected at least 2048"):
        ExistingCa(new_stack(), "ca", cert_file=path)


def test_refuses_an_unsupported_key_type(tmp_path: Path) -> None:
    path = write_cert(tmp_path, key=ed25519.Ed25519PrivateKey.generate())
    with pytest.raises(ValueError, match=r"Ed25519PublicKey key.*expected RSA"):
        ExistingCa(new_stack(), "ca", cert_file=path)


def test_refuses_a_ca_id_with_a_hyphen(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="CA id 'old-ca' is not valid"):
        ExistingCa(new_stack(), "old-ca", cert_file=write_cert(tmp_path))


def test_refuses_a_leaf_that_outlives_the_adopted_ca(tmp_path: Path) -> None:
    path = write_cert(tmp_path, not_after=NOW + dt.timedelta(days=100, hours=1))
    stack = new_stack()
    ca = ExistingCa(stack, "ca", cert_file=path)
    with pytest.raises(ValueError, match=r"validity_days value 397 outlives CA 'ca'.*100 days"):
        ServiceCert(stack, "web", ca=ca, dns_names=["web.internal.example"])
