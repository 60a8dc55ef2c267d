"""ExistingCa at synth time: what it reads from the certificate file and what it refuses.

The certificates here are built with `cryptography` because some of them (expired, not a CA,
too weak) cannot be made with the recipe's commands; the e2e test uses the recipe itself. The
ones Go's crypto/x509 (inside hashicorp/tls) refuses come from the openssl CLI instead, since
cryptography re-encodes them on the way in or will not write them at all.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
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
from e2e_project import openssl
from synth_helpers import fresh_app

from ca_constructs.existing_ca import KEY_BLOCK_PATTERN, ExistingCa
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


CHECKED_KEY = "${data.tls_public_key.ca.private_key_pem}"


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
    stack = TerraformStack(fresh_app(), "internal-ca")
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
    # Signed with the key as the check read it, so nothing is signed before the check passes.
    assert doc["resource"]["tls_locally_signed_cert"]["web"]["ca_private_key_pem"] == CHECKED_KEY


def test_leaf_is_signed_with_the_file_certificate(adopted: Any) -> None:
    doc, pem, _ = adopted
    assert doc["resource"]["tls_locally_signed_cert"]["web"]["ca_cert_pem"] == pem


def test_key_check_compares_with_the_certificate_public_key(adopted: Any) -> None:
    doc, pem, _ = adopted
    check = doc["data"]["tls_public_key"]["ca"]
    assert check["private_key_pem"] == (
        f'${{format("%s\\n", regex("{KEY_BLOCK_PATTERN}", '
        'replace(var.ca_private_key_pem, "\\r", "")))}'
    )
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
    with pytest.raises(
        ValueError, match=r"1024-bit RSA key, .*; expected RSA of at least 2048 bits"
    ):
        ExistingCa(new_stack(), "ca", cert_file=path)


def test_refuses_a_weak_curve(tmp_path: Path) -> None:
    path = write_cert(tmp_path, key=ec.generate_private_key(ec.SECP224R1()))
    with pytest.raises(
        ValueError, match=r"ca-crt.pem has a ECDSA secp224r1 key, which .*; expected RSA"
    ):
        ExistingCa(new_stack(), "ca", cert_file=path)


def test_refuses_an_unsupported_key_type(tmp_path: Path) -> None:
    path = write_cert(tmp_path, key=ed25519.Ed25519PrivateKey.generate())
    with pytest.raises(ValueError, match=r"Ed25519PublicKey key.*expected RSA"):
        ExistingCa(new_stack(), "ca", cert_file=path)


# --- what the real provider (Go's crypto/x509) refuses, made with the openssl CLI ----------


def openssl_ca(folder: Path, *key: str, req: tuple[str, ...] = ()) -> Path:
    """A self-signed CA from `openssl req -x509`; `key` makes key.pem, or -newkey is used."""
    key_file = folder / "key.pem"
    if key[0] == "-newkey":
        source = (*key, "-nodes", "-keyout", str(key_file))
    else:
        openssl(*key, "-out", str(key_file))
        source = ("-key", str(key_file))
    cert_file = folder / "ca-crt.pem"
    openssl(
        *("req", "-x509", "-new", "-days", "365", "-subj", "/O=Adopted/CN=Adopted CA"),
        *source,
        *req,
        *("-out", str(cert_file)),
    )
    key_file.unlink()
    return cert_file


def test_refuses_a_negative_serial(tmp_path: Path) -> None:
    path = openssl_ca(tmp_path, "-newkey", "rsa:2048", req=("-set_serial", "-5"))
    assert "Serial Number: -5" in openssl("x509", "-noout", "-text", "-in", str(path)).stdout
    with pytest.raises(
        ValueError,
        match=r"^CA 'ca': cert_file '.*ca-crt\.pem' has a negative serial \(-5\); the tls "
        r"provider \(Go\) refuses .*; expected a positive serial",
    ):
        ExistingCa(new_stack(), "ca", cert_file=path)


def test_refuses_an_rsa_pss_key(tmp_path: Path) -> None:
    path = openssl_ca(tmp_path, "-newkey", "rsa-pss", req=("-pkeyopt", "rsa_keygen_bits:2048"))
    assert "Public Key Algorithm: rsassaPss" in openssl("x509", "-text", "-in", str(path)).stdout
    with pytest.raises(
        ValueError,
        match=r"^CA 'ca': cert_file '.*ca-crt\.pem' has an RSASSA-PSS public key "
        r"\(1\.2\.840\.113549\.1\.1\.10\); the tls provider \(Go\) .*; expected an "
        r"rsaEncryption RSA key",
    ):
        ExistingCa(new_stack(), "ca", cert_file=path)


def test_refuses_explicit_ec_parameters(tmp_path: Path) -> None:
    path = openssl_ca(
        tmp_path,
        *("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-param_enc", "explicit"),
    )
    text = openssl("x509", "-noout", "-text", "-in", str(path)).stdout
    assert "Field Type: prime-field" in text  # the curve is spelled out, not named
    with pytest.raises(
        ValueError,
        match=r"^CA 'ca': cert_file '.*ca-crt\.pem' has an ECDSA key with explicit curve "
        r"parameters; the tls provider \(Go\) refuses .*; expected a named curve",
    ):
        ExistingCa(new_stack(), "ca", cert_file=path)


@pytest.mark.parametrize("curve", ["prime256v1", "secp521r1"])
def test_refuses_a_compressed_ec_point_in_its_own_words(tmp_path: Path, curve: str) -> None:
    named = tmp_path / "named.pem"
    openssl("ecparam", "-name", curve, "-genkey", "-noout", "-out", str(named))
    path = openssl_ca(tmp_path, "ec", "-in", str(named), "-conv_form", "compressed")
    named.unlink()
    text = openssl("x509", "-noout", "-text", "-in", str(path)).stdout
    assert "ASN1 OID: " + curve in text  # a named curve, so only the point's form is wrong
    assert re.search(r"pub:\s+0[23]:", text)  # 02/03: a compressed point
    with pytest.raises(
        ValueError,
        match=r"^CA 'ca': cert_file '.*ca-crt\.pem' has an ECDSA key with a compressed public "
        r"point; the tls provider \(Go\) refuses .*; expected an uncompressed point",
    ):
        ExistingCa(new_stack(), "ca", cert_file=path)


def test_accepts_an_rsa_key_whose_certificate_is_signed_with_pss(tmp_path: Path) -> None:
    """Go never checks the CA's own signature and signs leaves with PKCS#1 v1.5 for an RSA key."""
    path = openssl_ca(
        tmp_path,
        *("-newkey", "rsa:2048"),
        req=("-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"),
    )
    text = openssl("x509", "-noout", "-text", "-in", str(path)).stdout
    assert "Signature Algorithm: rsassaPss" in text
    assert "Public Key Algorithm: rsaEncryption" in text
    assert ExistingCa(new_stack(), "ca", cert_file=path).facts.key_spec.describe() == "RSA 2048"


@pytest.mark.filterwarnings("error")  # and without cryptography's warning about it
def test_accepts_serial_zero(tmp_path: Path) -> None:
    """Go refuses only a negative serial; zero is not RFC 5280 but parses."""
    path = openssl_ca(
        tmp_path,
        *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"),
        req=("-set_serial", "0"),
    )
    stack = new_stack()
    ExistingCa(stack, "ca", cert_file=path)
    assert synth(stack)["output"]["ca"]["value"]["serial"] == "0"


def test_refuses_a_ca_id_with_a_hyphen(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="CA id 'old-ca' is not valid"):
        ExistingCa(new_stack(), "old-ca", cert_file=write_cert(tmp_path))


def test_refuses_a_leaf_that_outlives_the_adopted_ca(tmp_path: Path) -> None:
    path = write_cert(tmp_path, not_after=NOW + dt.timedelta(days=100, hours=1))
    stack = new_stack()
    ca = ExistingCa(stack, "ca", cert_file=path)
    with pytest.raises(ValueError, match=r"validity_days value 397 outlives CA 'ca'.*100 days"):
        ServiceCert(stack, "web", ca=ca, dns_names=["web.internal.example"])


# --- the key expressions, evaluated by Terraform itself ------------------------------------
#
# The key is never read at synth, so what ExistingCa hands the provider is decided by the
# Terraform expressions it synthesizes. These tests run exactly those expressions (the data
# source's input and preconditions, moved onto an output) in `terraform apply`, no provider.


def _pem(key: Key, fmt: serialization.PrivateFormat, password: bytes | None = None) -> str:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, fmt, encryption).decode()


EC_KEY = ec.generate_private_key(ec.SECP256R1())
RSA_KEY = rsa.generate_private_key(65537, 2048)
PKCS8 = serialization.PrivateFormat.PKCS8
TRADITIONAL = serialization.PrivateFormat.TraditionalOpenSSL
# What `openssl ecparam -name prime256v1 -genkey` writes before the key.
EC_PARAMETERS = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
BAG_ATTRIBUTES = "Bag Attributes\n    localKeyID: 01 02 03 04\nKey Attributes: <No Attributes>\n"


def _said(log: str) -> str:
    """Terraform's output with its line wrapping undone."""
    return " ".join(log.split())


Evaluate = Callable[[dict[str, str]], tuple[int, str, dict[str, str]]]


@pytest.fixture(scope="module")
def evaluate(tmp_path_factory: pytest.TempPathFactory) -> Evaluate:
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("needs the terraform binary")
    folder = tmp_path_factory.mktemp("key-expressions")
    path = folder / "ca-crt.pem"
    path.write_text(make_cert()[0])
    stack = new_stack()
    ExistingCa(stack, "ca", cert_file=path)
    doc = synth(stack)
    variable = json.dumps(doc["variable"]["ca_private_key_pem"])
    check = doc["data"]["tls_public_key"]["ca"]
    output = json.dumps(
        {
            "value": "${nonsensitive(" + check["private_key_pem"][2:-1] + ")}",
            "precondition": check["lifecycle"]["precondition"],
        }
    )
    env = dict(os.environ, CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1")

    def run(*args: str, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [terraform, *args, "-no-color"],
            cwd=folder,
            env={**env, **(extra or {})},
            capture_output=True,
            text=True,
            check=False,
        )

    def apply(keys: dict[str, str]) -> tuple[int, str, dict[str, str]]:
        # One variable and one output per case, so one apply judges several keys.
        config = {
            "variable": {
                case: json.loads(variable.replace("var.ca_private_key_pem", f"var.{case}"))
                for case in keys
            },
            "output": {
                case: json.loads(output.replace("var.ca_private_key_pem", f"var.{case}"))
                for case in keys
            },
        }
        # Indented: Terraform quotes the config line it blames, which must not hold every message.
        (folder / "main.tf.json").write_text(json.dumps(config, indent=1))
        (folder / "terraform.tfstate").unlink(missing_ok=True)
        done = run(
            "apply",
            "-auto-approve",
            "-input=false",
            extra={f"TF_VAR_{case}": key for case, key in keys.items()},
        )
        if done.returncode != 0:
            return done.returncode, done.stdout + done.stderr, {}
        shown = json.loads(run("output", "-json").stdout)
        return 0, done.stdout + done.stderr, {case: shown[case]["value"] for case in keys}

    init = run("init", "-input=false")
    assert init.returncode == 0, init.stderr
    return apply


def test_only_the_key_block_reaches_the_provider_with_lf_line_endings(evaluate: Evaluate) -> None:
    pkcs8 = _pem(EC_KEY, PKCS8)
    sec1 = _pem(EC_KEY, TRADITIONAL)
    pkcs1 = _pem(RSA_KEY, TRADITIONAL)
    cert_pem = make_cert()[0]
    code, log, handed = evaluate(
        {
            "pkcs8": pkcs8,
            "pkcs8_no_newline": pkcs8.rstrip("\n"),
            "ecparam_genkey": EC_PARAMETERS + sec1,
            "crlf": pkcs1.replace("\n", "\r\n"),
            "bag_attributes": BAG_ATTRIBUTES + pkcs8 + BAG_ATTRIBUTES + cert_pem,
        }
    )
    assert code == 0, log
    assert handed == {
        "pkcs8": pkcs8,
        "pkcs8_no_newline": pkcs8,
        "ecparam_genkey": sec1,
        "crlf": pkcs1,
        "bag_attributes": pkcs8,
    }


@pytest.mark.parametrize(
    "fmt", [PKCS8, TRADITIONAL], ids=["encrypted-pkcs8", "proc-type-encrypted"]
)
def test_an_encrypted_key_is_refused_once_in_the_projects_words(
    evaluate: Evaluate, fmt: serialization.PrivateFormat
) -> None:
    key = _pem(RSA_KEY, fmt, password=b"secret")
    code, log, _ = evaluate({"encrypted": key})
    assert code != 0
    assert "CA 'ca': TF_VAR_ca_private_key_pem holds an encrypted key" in _said(log)
    assert "holds no unencrypted key block" not in _said(log)
    assert key.splitlines()[-2] not in log


@pytest.mark.parametrize(
    "text",
    [
        EC_PARAMETERS,  # `openssl ecparam` without -genkey
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB",
        _pem(EC_KEY, PKCS8).replace("\n", "!\n", 2),  # a damaged key is never printed
    ],
    ids=["parameters-only", "not-pem", "damaged"],
)
def test_text_without_a_key_block_is_refused_and_never_printed(
    evaluate: Evaluate, text: str
) -> None:
    code, log, _ = evaluate({"wrong": text})
    assert code != 0
    assert "TF_VAR_ca_private_key_pem holds no unencrypted key block in PEM form" in _said(log)
    assert max(text.splitlines(), key=len) not in log


def test_a_blank_key_is_refused_as_empty(evaluate: Evaluate) -> None:
    code, log, _ = evaluate({"blank": " \n"})
    assert code != 0
    assert "CA 'ca': TF_VAR_ca_private_key_pem is empty" in _said(log)
    assert "key block" not in log
