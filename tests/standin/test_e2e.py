"""End-to-end: plain Terraform with hand-written JSON config, checked with the openssl CLI.

One module-scoped apply issues an ECDSA P-256 PKI and an RSA-4096 CA signing an Ed25519
leaf; the tests inspect the result with openssl only (never with the code under test).
"""

import datetime as dt
import pathlib
import re
from collections.abc import Callable
from typing import Any

import pytest
from e2e_project import pem_begin

LEAF_DNS = "svc.internal.test"
NANO_TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?(Z|[+-]\d\d:\d\d)"

CA_SUBJECT = {"common_name": "Standin EC CA", "organization": "Internal", "country": "GB"}


def _config(required_providers: dict[str, Any]) -> dict[str, Any]:
    return {
        "terraform": required_providers,
        "variable": {
            "leaf_dns": {"type": "string", "default": LEAF_DNS},
            "leaf_cn": {"type": "string", "default": LEAF_DNS},
            "leaf_early_renewal_hours": {"type": "number", "default": 0},
        },
        "resource": {
            "tls_private_key": {
                "ca_ec": {"algorithm": "ECDSA", "ecdsa_curve": "P256"},
                "leaf_ec": {"algorithm": "ECDSA", "ecdsa_curve": "P256"},
                "ca_rsa": {"algorithm": "RSA", "rsa_bits": 4096},
                "leaf_ed": {"algorithm": "ED25519"},
            },
            "tls_self_signed_cert": {
                "ca_ec": {
                    "private_key_pem": "${tls_private_key.ca_ec.private_key_pem}",
                    "subject": [CA_SUBJECT],
                    "validity_period_hours": 48,
                    "allowed_uses": ["cert_signing", "crl_signing"],
                    "is_ca_certificate": True,
                },
                "ca_rsa": {
                    "private_key_pem": "${tls_private_key.ca_rsa.private_key_pem}",
                    "subject": [{"common_name": "Standin RSA CA", "organization": "Internal"}],
                    "validity_period_hours": 48,
                    "allowed_uses": ["cert_signing", "crl_signing", "digital_signature"],
                    "is_ca_certificate": True,
                },
            },
            "tls_cert_request": {
                "leaf_ec": {
                    "private_key_pem": "${tls_private_key.leaf_ec.private_key_pem}",
                    "subject": [{"common_name": "${var.leaf_cn}", "organization": "Internal"}],
                    "dns_names": ["${var.leaf_dns}", "alt.internal.test"],
                    "ip_addresses": ["10.1.2.3"],
                    "uris": ["spiffe://internal.test/svc"],
                },
                "leaf_ed": {
                    "private_key_pem": "${tls_private_key.leaf_ed.private_key_pem}",
                    "subject": [{"common_name": "ed.internal.test"}],
                    "dns_names": ["ed.internal.test"],
                },
            },
            "tls_locally_signed_cert": {
                "leaf_ec": {
                    "cert_request_pem": "${tls_cert_request.leaf_ec.cert_request_pem}",
                    "ca_cert_pem": "${tls_self_signed_cert.ca_ec.cert_pem}",
                    "ca_private_key_pem": "${tls_private_key.ca_ec.private_key_pem}",
                    "validity_period_hours": 24,
                    "early_renewal_hours": "${var.leaf_early_renewal_hours}",
                    "allowed_uses": ["digital_signature", "key_encipherment", "server_auth"],
                },
                "leaf_ed": {
                    "cert_request_pem": "${tls_cert_request.leaf_ed.cert_request_pem}",
                    "ca_cert_pem": "${tls_self_signed_cert.ca_rsa.cert_pem}",
                    "ca_private_key_pem": "${tls_private_key.ca_rsa.private_key_pem}",
                    "validity_period_hours": 24,
                    "allowed_uses": ["digital_signature", "server_auth", "client_auth"],
                },
            },
        },
        "data": {
            "tls_certificate": {
                "chain": {
                    "content": "${tls_locally_signed_cert.leaf_ec.cert_pem}"
                    "${tls_self_signed_cert.ca_ec.cert_pem}"
                }
            },
            "tls_public_key": {
                "from_pem": {"private_key_pem": "${tls_private_key.leaf_ed.private_key_pem}"},
                "from_ssh": {
                    "private_key_openssh": "${tls_private_key.leaf_ec.private_key_openssh}"
                },
            },
        },
    }


class Pki:
    """The applied workspace, its state and the PEM files written for openssl."""

    def __init__(self, ws: Any, files: pathlib.Path) -> None:
        self.ws = ws
        self.state = ws.state()
        self.files = files

    def write(self, name: str, text: str) -> str:
        path = self.files / name
        path.write_text(text)
        path.chmod(0o600)
        return str(path)

    def cert(self, address: str) -> str:
        return self.write(address.replace(".", "_") + ".pem", self.state[address]["cert_pem"])

    def key(self, address: str, attribute: str = "private_key_pem") -> str:
        return self.write(address.replace(".", "_") + ".key", self.state[address][attribute])


@pytest.fixture(scope="module")
def pki(
    make_workspace: Callable[[dict[str, Any]], Any],
    required_providers: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
) -> Pki:
    ws = make_workspace(_config(required_providers))
    ws.apply()
    return Pki(ws, tmp_path_factory.mktemp("pem"))


def test_second_plan_has_no_changes(pki: Pki) -> None:
    assert pki.ws.plan_exitcode() == 0


@pytest.mark.parametrize(
    ("ca", "leaf", "hostname"),
    [
        ("tls_self_signed_cert.ca_ec", "tls_locally_signed_cert.leaf_ec", LEAF_DNS),
        ("tls_self_signed_cert.ca_rsa", "tls_locally_signed_cert.leaf_ed", "ed.internal.test"),
    ],
)
def test_openssl_verifies_leaf_against_ca(
    pki: Pki, openssl: Callable[..., str], ca: str, leaf: str, hostname: str
) -> None:
    out = openssl(
        "verify", "-x509_strict", "-purpose", "sslserver", "-verify_hostname", hostname,
        "-CAfile", pki.cert(ca), pki.cert(leaf),
    )  # fmt: skip
    assert out.strip().endswith(": OK")


def test_openssl_rejects_wrong_hostname(pki: Pki, openssl: Callable[..., str]) -> None:
    out = openssl(
        "verify", "-x509_strict", "-purpose", "sslserver", "-verify_hostname", "other.test",
        "-CAfile", pki.cert("tls_self_signed_cert.ca_ec"),
        pki.cert("tls_locally_signed_cert.leaf_ec"), ok=False,
    )  # fmt: skip
    assert "hostname mismatch" in out


def _text(openssl: Callable[..., str], path: str) -> str:
    return openssl("x509", "-in", path, "-noout", "-text")


def _ext_value(text: str, name: str) -> str:
    match = re.search(rf"{re.escape(name)}[^\n]*\n\s+([^\n]+)", text)
    assert match, f"{name} missing"
    return match.group(1).strip()


def test_ca_extensions(pki: Pki, openssl: Callable[..., str]) -> None:
    text = _text(openssl, pki.cert("tls_self_signed_cert.ca_ec"))
    assert "X509v3 Basic Constraints: critical" in text
    assert _ext_value(text, "X509v3 Basic Constraints") == "CA:TRUE"
    assert "X509v3 Key Usage: critical" in text
    assert _ext_value(text, "X509v3 Key Usage") == "Certificate Sign, CRL Sign"
    assert "X509v3 Subject Key Identifier" in text
    assert "Subject: C = GB, O = Internal, CN = Standin EC CA" in text
    assert "Signature Algorithm: ecdsa-with-SHA256" in text


def test_leaf_extensions(pki: Pki, openssl: Callable[..., str]) -> None:
    ca_text = _text(openssl, pki.cert("tls_self_signed_cert.ca_ec"))
    text = _text(openssl, pki.cert("tls_locally_signed_cert.leaf_ec"))
    assert "X509v3 Basic Constraints: critical" in text
    assert _ext_value(text, "X509v3 Basic Constraints") == "CA:FALSE"
    assert "X509v3 Key Usage: critical" in text
    assert _ext_value(text, "X509v3 Key Usage") == "Digital Signature, Key Encipherment"
    assert _ext_value(text, "X509v3 Extended Key Usage") == "TLS Web Server Authentication"
    ca_ski = _ext_value(ca_text, "X509v3 Subject Key Identifier")
    assert _ext_value(text, "X509v3 Authority Key Identifier").removeprefix("keyid:") == ca_ski
    sans = _ext_value(text, "X509v3 Subject Alternative Name")
    assert sans == (
        "DNS:svc.internal.test, DNS:alt.internal.test, IP Address:10.1.2.3, "
        "URI:spiffe://internal.test/svc"
    )
    assert "Issuer: C = GB, O = Internal, CN = Standin EC CA" in text
    assert "Subject: O = Internal, CN = svc.internal.test" in text


def test_rsa_ca_signs_with_sha256_and_leaf_has_client_auth(
    pki: Pki, openssl: Callable[..., str]
) -> None:
    text = _text(openssl, pki.cert("tls_locally_signed_cert.leaf_ed"))
    assert "Signature Algorithm: sha256WithRSAEncryption" in text
    assert "ED25519" in text
    ekus = _ext_value(text, "X509v3 Extended Key Usage")
    assert ekus == "TLS Web Server Authentication, TLS Web Client Authentication"
    ca_text = _text(openssl, pki.cert("tls_self_signed_cert.ca_rsa"))
    assert "Public-Key: (4096 bit)" in ca_text


CERTS = (
    "tls_self_signed_cert.ca_ec",
    "tls_self_signed_cert.ca_rsa",
    "tls_locally_signed_cert.leaf_ec",
    "tls_locally_signed_cert.leaf_ed",
)


def test_serials_match_ids_and_are_unique(pki: Pki, openssl: Callable[..., str]) -> None:
    serials = []
    for address in CERTS:
        out = openssl("x509", "-in", pki.cert(address), "-noout", "-serial")
        serial = int(out.strip().split("=", 1)[1], 16)
        assert str(serial) == pki.state[address]["id"], address
        assert 0 <= serial < 2**128
        serials.append(serial)
    assert len(set(serials)) == len(serials)


def test_validity_matches_state_and_starts_now(pki: Pki, openssl: Callable[..., str]) -> None:
    values = pki.state["tls_locally_signed_cert.leaf_ec"]
    for name in ("validity_start_time", "validity_end_time"):  # Go's MarshalText (RFC3339Nano)
        assert re.fullmatch(NANO_TIMESTAMP, values[name]), values[name]
    start = dt.datetime.fromisoformat(values["validity_start_time"].replace("Z", "+00:00"))
    end = dt.datetime.fromisoformat(values["validity_end_time"].replace("Z", "+00:00"))
    assert end - start == dt.timedelta(hours=24)
    assert abs((dt.datetime.now(dt.UTC) - start).total_seconds()) < 600  # no backdating
    out = openssl(
        "x509", "-in", pki.cert("tls_locally_signed_cert.leaf_ec"), "-noout", "-startdate",
        "-enddate", "-dateopt", "iso_8601",
    )  # fmt: skip
    assert start.strftime("%Y-%m-%d %H:%M:%SZ") in out
    assert end.strftime("%Y-%m-%d %H:%M:%SZ") in out
    assert values["ready_for_renewal"] is False


@pytest.mark.parametrize(
    ("address", "header", "openssl_type"),
    [
        ("tls_private_key.ca_rsa", pem_begin("RSA PRIVATE KEY"), "Private-Key: (4096 bit"),
        ("tls_private_key.ca_ec", pem_begin("EC PRIVATE KEY"), "NIST CURVE: P-256"),
        ("tls_private_key.leaf_ed", pem_begin("PRIVATE KEY"), "ED25519 Private-Key"),
    ],
)
def test_private_key_formats(
    pki: Pki, openssl: Callable[..., str], address: str, header: str, openssl_type: str
) -> None:
    values = pki.state[address]
    first_line = values["private_key_pem"].splitlines()[0]  # a header, never key material
    assert first_line == header
    assert values["private_key_pem_pkcs8"].splitlines()[0] == pem_begin("PRIVATE KEY")
    assert values["private_key_openssh"].splitlines()[0] == pem_begin("OPENSSH PRIVATE KEY")
    text = openssl("pkey", "-in", pki.key(address), "-noout", "-text")
    assert openssl_type in text
    pub = openssl("pkey", "-in", pki.key(address), "-pubout")
    assert pub == values["public_key_pem"]
    pub8 = openssl("pkey", "-in", pki.key(address, "private_key_pem_pkcs8"), "-pubout")
    assert pub8 == values["public_key_pem"]


def test_private_key_id_and_fingerprints(pki: Pki, openssl: Callable[..., str]) -> None:
    import base64
    import hashlib

    values = pki.state["tls_private_key.leaf_ec"]
    der = pki.write("leaf_ec_pub.der", "")
    openssl("pkey", "-in", pki.key("tls_private_key.leaf_ec"), "-pubout", "-outform", "DER",
            "-out", der)  # fmt: skip
    data = _go_trim_space(pathlib.Path(der).read_bytes())  # hashForState trims white space
    assert values["id"] == hashlib.sha1(data).hexdigest()  # noqa: S324 - the id is SHA-1
    blob = base64.b64decode(values["public_key_openssh"].split()[1])
    sha = "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    assert values["public_key_fingerprint_sha256"] == sha
    md5 = hashlib.md5(blob).hexdigest()  # noqa: S324 - OpenSSH legacy fingerprint
    assert values["public_key_fingerprint_md5"].replace(":", "") == md5
    assert values["public_key_openssh"].startswith("ecdsa-sha2-nistp256 ")


@pytest.mark.parametrize(
    ("key", "cert"),
    [
        ("tls_private_key.leaf_ec", "tls_locally_signed_cert.leaf_ec"),
        ("tls_private_key.leaf_ed", "tls_locally_signed_cert.leaf_ed"),
        ("tls_private_key.ca_rsa", "tls_self_signed_cert.ca_rsa"),
    ],
)
def test_private_key_matches_cert(
    pki: Pki, openssl: Callable[..., str], key: str, cert: str
) -> None:
    from_key = openssl("pkey", "-in", pki.key(key), "-pubout")
    from_cert = openssl("x509", "-in", pki.cert(cert), "-noout", "-pubkey")
    assert from_key == from_cert


def test_computed_algorithms(pki: Pki) -> None:
    assert pki.state["tls_cert_request.leaf_ec"]["key_algorithm"] == "ECDSA"
    assert pki.state["tls_cert_request.leaf_ed"]["key_algorithm"] == "ED25519"
    assert pki.state["tls_self_signed_cert.ca_rsa"]["key_algorithm"] == "RSA"
    assert pki.state["tls_locally_signed_cert.leaf_ed"]["ca_key_algorithm"] == "RSA"
    assert pki.state["tls_locally_signed_cert.leaf_ec"]["ca_key_algorithm"] == "ECDSA"


def _go_trim_space(data: bytes) -> bytes:
    """Go's strings.TrimSpace on DER, enough for a test: ASCII spaces and U+0085/U+00A0."""
    while True:
        before = data
        data = data.strip(b" \t\n\v\f\r")
        for tail in (b"\xc2\x85", b"\xc2\xa0"):
            data = data.removesuffix(tail)
        if data == before:
            return data


def test_data_tls_certificate_reads_first_certificate_only(
    pki: Pki, openssl: Callable[..., str]
) -> None:
    """The real data source decodes only the first PEM block of a bundle."""
    import hashlib
    import json

    data = pki.state["data.tls_certificate.chain"]
    certs = data["certificates"]
    assert len(certs) == 1
    (leaf,) = certs
    assert leaf["subject"] == "CN=svc.internal.test,O=Internal"
    assert leaf["issuer"] == "CN=Standin EC CA,O=Internal,C=GB"
    assert leaf["is_ca"] is False
    assert leaf["serial_number"] == pki.state["tls_locally_signed_cert.leaf_ec"]["id"]
    assert leaf["signature_algorithm"] == "ECDSA-SHA256"
    assert leaf["public_key_algorithm"] == "ECDSA"
    assert leaf["version"] == 3
    # not_before/not_after are the certificate's whole seconds in UTC (time.RFC3339).
    start = pki.state["tls_locally_signed_cert.leaf_ec"]["validity_start_time"]
    start_utc = dt.datetime.fromisoformat(start.replace("Z", "+00:00")).astimezone(dt.UTC)
    assert leaf["not_before"] == start_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    fp = openssl("x509", "-in", pki.cert("tls_locally_signed_cert.leaf_ec"), "-noout",
                 "-fingerprint", "-sha1")  # fmt: skip
    assert leaf["sha1_fingerprint"] == fp.strip().split("=", 1)[1].replace(":", "").lower()
    assert leaf["cert_pem"] == pki.state["tls_locally_signed_cert.leaf_ec"]["cert_pem"]
    assert data["verify_chain"] is True
    # id: SHA-1 of fmt's %v of the model structs; ASCII strings print as JSON would.
    order = ("signature_algorithm", "public_key_algorithm", "serial_number", "is_ca",
             "version", "issuer", "subject", "not_before", "not_after", "sha1_fingerprint",
             "cert_pem")  # fmt: skip
    shown = " ".join(json.dumps(leaf[f]) for f in order)
    assert data["id"] == hashlib.sha1(f"[{{{shown}}}]".encode()).hexdigest()  # noqa: S324


def test_cert_request_id_is_sha1_of_trimmed_der(pki: Pki, openssl: Callable[..., str]) -> None:
    import hashlib

    values = pki.state["tls_cert_request.leaf_ec"]
    der = pki.write("leaf_ec_csr.der", "")
    csr = pki.write("leaf_ec_csr.pem", values["cert_request_pem"])
    openssl("req", "-in", csr, "-outform", "DER", "-out", der)
    data = _go_trim_space(pathlib.Path(der).read_bytes())
    assert values["id"] == hashlib.sha1(data).hexdigest()  # noqa: S324 - the id is SHA-1


def test_subjects_are_printable_strings(pki: Pki, openssl: Callable[..., str]) -> None:
    """Go marshals printable subject values as PrintableString, not UTF8String."""
    for address in ("tls_self_signed_cert.ca_ec", "tls_locally_signed_cert.leaf_ec"):
        out = openssl("x509", "-in", pki.cert(address), "-noout", "-subject", "-nameopt",
                      "show_type,sep_comma_plus")  # fmt: skip
        assert "UTF8STRING" not in out, out
        assert "PRINTABLESTRING" in out, out


def test_data_tls_public_key(pki: Pki) -> None:
    from_pem = pki.state["data.tls_public_key.from_pem"]
    key = pki.state["tls_private_key.leaf_ed"]
    assert from_pem["algorithm"] == "ED25519"
    for name in ("id", "public_key_pem", "public_key_openssh", "public_key_fingerprint_sha256"):
        assert from_pem[name] == key[name], name
    from_ssh = pki.state["data.tls_public_key.from_ssh"]
    assert from_ssh["algorithm"] == "ECDSA"
    assert from_ssh["public_key_pem"] == pki.state["tls_private_key.leaf_ec"]["public_key_pem"]


def test_san_change_plans_replace(pki: Pki, plan_changes: Callable[..., Any]) -> None:
    plan = plan_changes(pki.ws.plan_json("-var", "leaf_dns=new.internal.test"))
    assert plan["tls_cert_request.leaf_ec"]["change"]["actions"] == ["delete", "create"]
    assert ["dns_names"] in plan["tls_cert_request.leaf_ec"]["change"]["replace_paths"]
    assert plan["tls_locally_signed_cert.leaf_ec"]["change"]["actions"] == ["delete", "create"]
    assert plan["tls_self_signed_cert.ca_ec"]["change"]["actions"] == ["no-op"]


def test_subject_change_plans_replace(pki: Pki, plan_changes: Callable[..., Any]) -> None:
    plan = plan_changes(pki.ws.plan_json("-var", "leaf_cn=renamed.internal.test"))
    change = plan["tls_cert_request.leaf_ec"]["change"]
    assert change["actions"] == ["delete", "create"]
    assert ["subject"] in change["replace_paths"]


def test_early_renewal_hours_updates_in_place(pki: Pki, plan_changes: Callable[..., Any]) -> None:
    plan = plan_changes(pki.ws.plan_json("-var", "leaf_early_renewal_hours=2"))
    change = plan["tls_locally_signed_cert.leaf_ec"]["change"]
    assert change["actions"] == ["update"]
    assert change["after"]["early_renewal_hours"] == 2
    assert change["after"]["cert_pem"] == change["before"]["cert_pem"]
    others = {
        tuple(c["change"]["actions"])
        for a, c in plan.items()
        if a.startswith("tls_") and a != "tls_locally_signed_cert.leaf_ec"
    }
    assert others == {("no-op",)}
