"""The stand-in behaves like the real hashicorp/tls 4.1.0 where the audit found it did not.

One focused test per point of issue 13: first-PEM-block key parsing, Go's timestamp text,
the PEM-pattern replace rule, ready_for_renewal planning, and the smaller differences (ids,
PrintableString subjects, AKI/SKI rules, key usage). Expected values come from the real
provider's source (v4.1.0) and are checked with openssl where it can see them.
"""

import datetime as dt
import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from e2e_project import openssl as openssl_cli
from e2e_project import pem_begin, pem_end

from tls_standin import clock, golike, keys, planning, resources
from tls_standin.errors import TLSError
from tls_standin.schema import RESOURCES
from tls_standin.values import UNKNOWN

NANO_TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?(Z|[+-]\d\d:\d\d)"


def _openssl_key(*args: str) -> str:
    """A private key from the openssl CLI, kept in memory and never shown."""
    return openssl_cli(*args).stdout


@pytest.fixture(scope="module")
def ecparam_key() -> str:
    """`openssl ecparam -genkey` output: an EC PARAMETERS block before the key block."""
    return _openssl_key("ecparam", "-genkey", "-name", "prime256v1")


# --- 1. private keys: only the first PEM block, three types --------------------------------


def test_key_parsing_reads_only_the_first_pem_block(ecparam_key: str) -> None:
    assert ecparam_key.startswith(pem_begin("EC PARAMETERS"))
    with pytest.raises(TLSError) as err:
        keys.load_private_key_pem(ecparam_key, "Failed to parse CA private key PEM")
    assert err.value.summary == "Failed to parse CA private key PEM"
    assert err.value.detail == "unsupported PEM preamble/type: EC PARAMETERS"
    key_block = ecparam_key[ecparam_key.index(pem_begin("EC PRIVATE KEY")) :]
    assert keys.algorithm_name(keys.load_private_key_pem(key_block)) == "ECDSA"


@pytest.mark.parametrize(
    "shape", ["pkcs8", "pkcs1", "crlf", "text before the block", "trailing blank lines"]
)
def test_key_shapes_go_accepts(shape: str) -> None:
    """Go's pem.Decode skips text before the block and tolerates CRLF and blank lines."""
    pkcs8 = _openssl_key("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256")
    text = {
        "pkcs8": pkcs8,
        "pkcs1": _openssl_key("genrsa", "-traditional", "1024"),
        "crlf": pkcs8.replace("\n", "\r\n"),
        "text before the block": "Bag Attributes\n    localKeyID: 01\n" + pkcs8,
        "trailing blank lines": pkcs8 + "\n\n",
    }[shape]
    assert keys.algorithm_name(keys.load_private_key_pem(text)) in ("RSA", "ECDSA")


def test_key_parsing_errors_use_the_real_wording() -> None:
    cert_first = pem_begin("CERTIFICATE") + "\nAAAA\n" + pem_end("CERTIFICATE") + "\n"
    with pytest.raises(TLSError) as err:
        keys.load_private_key_pem(cert_first)
    assert err.value.detail == "unable to determine parser for PEM preamble: CERTIFICATE"
    with pytest.raises(TLSError) as err:
        keys.load_private_key_pem("not a pem")
    assert err.value.detail == "failed to decode PEM block: decoded bytes 0, undecoded 9"
    encrypted = _openssl_key(
        "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-aes256", "-pass", "pass:x",
    )  # fmt: skip
    with pytest.raises(TLSError) as err:
        keys.load_private_key_pem(encrypted)
    assert err.value.detail == "unsupported PEM preamble/type: ENCRYPTED PRIVATE KEY"


def test_data_public_key_refuses_ecparam_output_at_plan(
    make_workspace: Callable[[dict[str, Any]], Any],
    required_providers: dict[str, Any],
    ecparam_key: str,
) -> None:
    ws = make_workspace(
        {
            "terraform": required_providers,
            "data": {"tls_public_key": {"k": {"private_key_pem": ecparam_key}}},
        }
    )
    proc = ws.tf("plan", "-input=false", ok=(1,))
    assert "Error: Unable to parse private key" in proc.stderr
    assert "unsupported PEM preamble/type: EC PARAMETERS" in proc.stderr


# --- 2. timestamps: Go's MarshalText in the local zone ----------------------------------


@pytest.fixture
def berlin(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_marshal_text_trims_fraction_and_uses_the_local_zone(berlin: None) -> None:
    base = int(dt.datetime(2026, 12, 1, 20, 21, 36, tzinfo=dt.UTC).timestamp()) * 10**9
    assert golike.marshal_text(base + 301968822) == "2026-12-01T21:21:36.301968822+01:00"
    assert golike.marshal_text(base + 500000000) == "2026-12-01T21:21:36.5+01:00"
    assert golike.marshal_text(base) == "2026-12-01T21:21:36+01:00"
    summer = int(dt.datetime(2026, 7, 1, tzinfo=dt.UTC).timestamp()) * 10**9
    assert golike.marshal_text(summer).endswith("+02:00")
    assert golike.parse_rfc3339_ns("2026-12-01T21:21:36.301968822+01:00") == base + 301968822


def test_marshal_text_in_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        base = int(dt.datetime(2026, 12, 1, 20, 21, 36, tzinfo=dt.UTC).timestamp()) * 10**9
        assert golike.marshal_text(base + 301968822) == "2026-12-01T20:21:36.301968822Z"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_apply_writes_nanoseconds_in_the_provider_zone(
    make_workspace: Callable[[dict[str, Any]], Any], required_providers: dict[str, Any]
) -> None:
    ws = make_workspace(
        {
            "terraform": required_providers,
            "resource": {
                "tls_private_key": {"k": {"algorithm": "ED25519"}},
                "tls_self_signed_cert": {
                    "c": {
                        "private_key_pem": "${tls_private_key.k.private_key_pem}",
                        "subject": [{"common_name": "zone.test"}],
                        "validity_period_hours": 24,
                        "early_renewal_hours": 1,
                        "allowed_uses": ["server_auth"],
                    }
                },
            },
        }
    )
    berlin = {"TZ": "Europe/Berlin"}
    ws.apply(env=berlin)
    values = ws.state()["tls_self_signed_cert.c"]
    start, end = values["validity_start_time"], values["validity_end_time"]
    assert re.fullmatch(NANO_TIMESTAMP, start) and re.fullmatch(NANO_TIMESTAMP, end)
    assert start.endswith(("+01:00", "+02:00")), start
    cert = x509.load_pem_x509_certificate(values["cert_pem"].encode())
    start_ns = golike.parse_rfc3339_ns(start)
    assert cert.not_valid_before_utc == clock.whole_seconds(start_ns)
    # The comparison is of instants: a plan in another zone sees nothing to renew.
    assert ws.plan_exitcode(env={"TZ": "UTC"}) == 0
    assert ws.plan_exitcode(env={"TZ": "Europe/Berlin", "TLS_STANDIN_CLOCK_SHIFT_HOURS": "22"}) == 0
    assert ws.plan_exitcode(env={"TZ": "Asia/Tokyo", "TLS_STANDIN_CLOCK_SHIFT_HOURS": "23.5"}) == 2


# --- 3. a changed PEM input: replace only when the state value matches the pattern --------


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("-----BEGIN X Y-----\nAAAA\n-----END X Y-----\n", True),
        ("-----BEGIN X-----\nAAAA\n-----END X-----", True),
        ("-----BEGIN X-----\nAAAA\n-----END X-----\n\n", False),
        ("-----BEGIN X-----\r\nAAAA\r\n-----END X-----\r\n", False),
        ("Bag Attributes\n-----BEGIN X-----\nAAAA\n-----END X-----\n", False),
        ("-----BEGIN X-----\n-----END X-----\n", False),
        ("-----BEGIN A-----\nAA\n-----END A-----\n-----BEGIN B-----\nBB\n-----END B-----\n", True),
    ],
)
def test_pem_pattern(text: str, matches: bool) -> None:
    assert golike.is_pem_string(text) is matches


def test_changed_pem_input_updates_in_place_unless_state_holds_a_pem(
    make_workspace: Callable[[dict[str, Any]], Any],
    required_providers: dict[str, Any],
    plan_changes: Callable[..., Any],
) -> None:
    key_lf = _openssl_key("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256")
    other = _openssl_key("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256")
    config = {
        "terraform": required_providers,
        "variable": {"key": {"type": "string", "sensitive": True}},
        "resource": {
            "tls_self_signed_cert": {
                "c": {
                    "private_key_pem": "${var.key}",
                    "subject": [{"common_name": "pem.test"}],
                    "validity_period_hours": 24,
                    "allowed_uses": ["server_auth"],
                }
            }
        },
    }
    ws = make_workspace(config)
    var_file = ws.path / "key.auto.tfvars.json"

    def use(key: str) -> None:
        var_file.write_text(json.dumps({"key": key}))
        var_file.chmod(0o600)

    use(key_lf.replace("\n", "\r\n"))  # CRLF in state: not the provider's PEM pattern
    ws.apply()
    first = ws.state()["tls_self_signed_cert.c"]
    use(key_lf)  # same key, new text: update in place, the certificate stays
    change = plan_changes(ws.plan_json())["tls_self_signed_cert.c"]["change"]
    assert change["actions"] == ["update"]
    ws.apply()
    second = ws.state()["tls_self_signed_cert.c"]
    assert second["cert_pem"] == first["cert_pem"] and second["id"] == first["id"]
    use(other)  # now state holds an LF PEM: a change replaces
    change = plan_changes(ws.plan_json())["tls_self_signed_cert.c"]["change"]
    assert change["actions"] == ["delete", "create"]
    assert change["replace_paths"] == [["private_key_pem"]]


# --- 4. ready_for_renewal ----------------------------------------------------------------


def _cert(**overrides: object) -> dict[str, object]:
    schema = RESOURCES["tls_self_signed_cert"]
    state: dict[str, object] = {a.name: None for a in schema.block.attributes}
    now = clock.now_ns()
    state.update(
        private_key_pem="k", validity_period_hours=48, allowed_uses=["server_auth"],
        early_renewal_hours=0, is_ca_certificate=False, set_subject_key_id=False,
        set_authority_key_id=False, subject=[], cert_pem="c", id="1", key_algorithm="ECDSA",
        validity_start_time=clock.timestamp(now),
        validity_end_time=clock.timestamp(now + 48 * clock.NS_PER_HOUR),
        ready_for_renewal=False,
    )  # fmt: skip
    state.update(overrides)
    return state


def _plan(prior: dict[str, object] | None, proposed: dict[str, object]) -> Any:
    schema = RESOURCES["tls_self_signed_cert"]
    return planning.plan("tls_self_signed_cert", schema, prior, proposed, proposed)


@pytest.mark.parametrize(
    ("period", "early", "ready"),
    [(48, 0, False), (48, 47, False), (48, 48, True), (48, 50, True), (0, 0, True)],
)
def test_ready_for_renewal_modifier_on_create(period: int, early: int, ready: bool) -> None:
    proposed = _cert(validity_period_hours=period, early_renewal_hours=early)
    for name in ("cert_pem", "id", "validity_start_time", "validity_end_time"):
        proposed[name] = None
    proposed["ready_for_renewal"] = None
    planned, replace = _plan(None, proposed)
    assert replace == [] and planned["ready_for_renewal"] is ready
    assert planned["validity_end_time"] is UNKNOWN


def test_ready_for_renewal_planned_false_and_read_true() -> None:
    """Read sets true in the window; a plan that lowers early_renewal_hours out of the
    window plans false and updates in place (the real framework default)."""
    prior = _cert(early_renewal_hours=47)
    read = planning.refresh("tls_self_signed_cert", prior)
    assert read["ready_for_renewal"] is False
    prior = _cert(early_renewal_hours=48 * 2 - 1, validity_period_hours=96)
    prior = planning.refresh("tls_self_signed_cert", prior)
    assert prior["ready_for_renewal"] is True
    planned, replace = _plan(prior, dict(prior, early_renewal_hours=1))
    assert replace == [] and planned["ready_for_renewal"] is False
    assert planned["cert_pem"] == "c"
    planned, replace = _plan(prior, dict(prior))
    assert replace == ["ready_for_renewal"] and planned["ready_for_renewal"] is UNKNOWN


def test_ready_for_renewal_with_unknown_early_hours_is_an_error() -> None:
    """Go reads early_renewal_hours into an int64, which cannot hold an unknown value."""
    prior = _cert()
    with pytest.raises(TLSError, match="Value Conversion Error"):
        _plan(prior, dict(prior, early_renewal_hours=UNKNOWN))


# --- 5. smaller differences ----------------------------------------------------------------


def _self_signed(key_pem: str, **overrides: object) -> dict[str, Any]:
    obj = dict(_cert(private_key_pem=key_pem), **overrides)
    for name in ("cert_pem", "id", "validity_start_time", "validity_end_time", "key_algorithm"):
        obj[name] = UNKNOWN
    return resources.create_self_signed_cert(obj)


@pytest.fixture(scope="module")
def ed_key_pem() -> str:
    return keys.private_attributes(keys.generate("ED25519", 0, ""))["private_key_pem"]


def test_set_authority_key_id_without_ski_is_an_error(ed_key_pem: str) -> None:
    with pytest.raises(TLSError) as err:
        _self_signed(ed_key_pem, set_authority_key_id=True)
    assert (err.value.summary, err.value.detail) == (
        "Invalid Certificate Authority",
        "Could not determine Authority Key Identifier",
    )
    done = _self_signed(ed_key_pem, set_authority_key_id=True, set_subject_key_id=True)
    cert = x509.load_pem_x509_certificate(done["cert_pem"].encode())
    ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ski
    # generateSubjectKeyID hashes the Ed25519 key as an ASN.1 OCTET STRING.
    public = cert.public_key()
    assert isinstance(public, ed25519.Ed25519PublicKey)
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert ski == hashlib.sha1(b"\x04\x20" + raw).digest()  # noqa: S324 - key identifier


def test_encipher_only_without_key_agreement_is_accepted(
    ed_key_pem: str, openssl: Callable[..., str]
) -> None:
    done = _self_signed(ed_key_pem, allowed_uses=["digital_signature", "encipher_only"])
    out = openssl("x509", "-noout", "-ext", "keyUsage", input_text=done["cert_pem"])
    assert "Digital Signature, Encipher Only" in out


def test_leaf_subject_is_rebuilt_like_go(ed_key_pem: str, openssl: Callable[..., str]) -> None:
    """The CSR's emailAddress is dropped from the leaf (pkix.Name has no field for it)."""
    ca = _self_signed(
        ed_key_pem,
        subject=[{"common_name": "Fidelity CA", "organization": "Ünïcode Org"}],
        is_ca_certificate=True,
        allowed_uses=["cert_signing"],
    )
    csr = resources.create_cert_request(
        {
            "private_key_pem": ed_key_pem,
            "subject": [{"common_name": "leaf.test", "email_address": "ops@leaf.test"}],
            "dns_names": None, "ip_addresses": None, "uris": None,
            "cert_request_pem": UNKNOWN, "id": UNKNOWN, "key_algorithm": UNKNOWN,
        }
    )  # fmt: skip
    leaf = resources.create_locally_signed_cert(
        {
            "cert_request_pem": csr["cert_request_pem"], "ca_cert_pem": ca["cert_pem"],
            "ca_private_key_pem": ed_key_pem, "validity_period_hours": 1,
            "allowed_uses": ["server_auth"], "early_renewal_hours": 0,
            "is_ca_certificate": False, "set_subject_key_id": False,
            "ready_for_renewal": False,
        }
    )  # fmt: skip
    subject = openssl("x509", "-noout", "-subject", "-nameopt", "show_type,sep_comma_plus",
                      input_text=leaf["cert_pem"])  # fmt: skip
    assert subject.strip() == "subject=CN=PRINTABLESTRING:leaf.test"
    issuer = openssl("x509", "-noout", "-subject", "-nameopt", "show_type,sep_comma_plus,esc_msb",
                     input_text=ca["cert_pem"])  # fmt: skip
    assert "O=UTF8STRING:" in issuer and "CN=PRINTABLESTRING:Fidelity CA" in issuer
    der = x509.load_pem_x509_csr(csr["cert_request_pem"].encode()).public_bytes(
        serialization.Encoding.DER
    )
    assert csr["id"] == keys.hash_for_state(der)


def test_go_trim_space_on_ids() -> None:
    assert golike.trim_space(b" \t\x0bab\r\n\xc2\xa0") == b"ab"
    assert golike.trim_space(b"ab\x1f") == b"ab\x1f"  # Go does not count U+001F as space
    assert golike.trim_space(b"ab\xa0") == b"ab\xa0"  # a lone byte is not a rune
    assert keys.hash_for_state(b"") == ""


def test_more_than_one_subject_block_is_refused() -> None:
    errors = planning.validate_resource(
        "tls_cert_request", {"subject": [{"common_name": "a"}, {"common_name": "b"}]}
    )
    assert [e.summary for e in errors] == ["Invalid Attribute Value"]
    assert "at most 1 elements, got: 2" in errors[0].detail


def test_go_quote() -> None:
    assert golike.go_quote('a"b\\\n\x01é\u00a0') == '"a\\"b\\\\\\n\\x01é\\u00a0"'


def test_no_tz_leak() -> None:
    """Guard: the zone fixtures restore the process zone."""
    assert os.environ.get("TZ") != "Europe/Berlin"


# --- 6. CA inputs Go's crypto/x509 refuses (issue 18, item 12) ----------------------------
#
# cryptography reads all of these and hands them back re-encoded in the forms Go accepts;
# the real provider (Go 1.24, go.mod go 1.23.7, no GODEBUG) refuses them. The inputs come from
# the openssl CLI, as a team's existing CA would.


def _explicit_ec_key() -> str:
    return _openssl_key(
        *("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-param_enc", "explicit")
    )


def _openssl_ca(folder: Path, key_pem: str, *req: str) -> str:
    """`openssl req -x509` for key_pem: a CA certificate PEM (the key file is removed)."""
    key_file = folder / "key.pem"
    key_file.touch(mode=0o600)
    key_file.write_text(key_pem)
    try:
        return openssl_cli(
            *("req", "-x509", "-new", "-days", "30", "-subj", "/O=Adopted/CN=Adopted CA"),
            *("-key", str(key_file), *req),
        ).stdout
    finally:
        key_file.unlink()


def _sign_with(ca_cert_pem: str, ca_key_pem: str, leaf_key_pem: str) -> dict[str, Any]:
    csr = resources.create_cert_request(
        {
            "private_key_pem": leaf_key_pem, "subject": [{"common_name": "leaf.test"}],
            "dns_names": None, "ip_addresses": None, "uris": None,
            "cert_request_pem": UNKNOWN, "id": UNKNOWN, "key_algorithm": UNKNOWN,
        }
    )  # fmt: skip
    return resources.create_locally_signed_cert(
        {
            "cert_request_pem": csr["cert_request_pem"], "ca_cert_pem": ca_cert_pem,
            "ca_private_key_pem": ca_key_pem, "validity_period_hours": 1,
            "allowed_uses": ["server_auth"], "early_renewal_hours": 0,
            "is_ca_certificate": False, "set_subject_key_id": False,
            "ready_for_renewal": False,
        }
    )  # fmt: skip


@pytest.mark.parametrize("shape", ["rsa-pss", "explicit-ec", "explicit-ec-pkcs8"])
def test_ca_keys_go_cannot_read_are_refused(shape: str) -> None:
    """ParsePKCS8PrivateKey has no RSA-PSS; an EC key needs a named-curve OID."""
    if shape == "rsa-pss":
        key = _openssl_key("genpkey", "-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048")
        preamble = "PRIVATE KEY"
        detail = (
            "x509: PKCS#8 wrapping contained private key with unknown algorithm: "
            "1.2.840.113549.1.1.10"
        )
    elif shape == "explicit-ec":
        key, preamble, detail = _explicit_ec_key(), "EC PRIVATE KEY", "x509: unknown elliptic curve"
    else:
        key = openssl_cli("pkey", input=_explicit_ec_key()).stdout
        preamble = "PRIVATE KEY"
        detail = (
            "x509: failed to parse EC private key embedded in PKCS#8: x509: unknown elliptic curve"
        )
    assert key.startswith(pem_begin(preamble))
    with pytest.raises(TLSError) as err:
        keys.load_private_key_pem(key, "Failed to parse CA private key PEM")
    assert err.value.summary == "Failed to parse CA private key PEM"
    assert (
        err.value.detail == f"failed to parse private key given PEM preamble '{preamble}': {detail}"
    )


@pytest.mark.parametrize("shape", ["negative-serial", "explicit-ec"])
def test_ca_certificates_go_cannot_parse_are_refused(
    shape: str, tmp_path: Path, ed_key_pem: str
) -> None:
    """x509.ParseCertificate: in tls_locally_signed_cert (at apply) and data tls_certificate."""
    if shape == "negative-serial":
        ca_key = _openssl_key("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256")
        ca_cert = _openssl_ca(tmp_path, ca_key, "-set_serial", "-5")
        error = "x509: negative serial number"
    else:
        explicit = _explicit_ec_key()
        ca_cert = _openssl_ca(tmp_path, explicit)
        # The same key in named-curve form, which Go reads: the certificate alone is refused.
        ca_key = openssl_cli("ec", "-param_enc", "named_curve", input=explicit).stdout
        keys.load_private_key_pem(ca_key)
        error = "x509: invalid ECDSA parameters"
    with pytest.raises(TLSError) as err:
        _sign_with(ca_cert, ca_key, ed_key_pem)
    assert (err.value.summary, err.value.detail) == (
        "Failed to parse CA certificate PEM",
        f"failed to parse certificate: {error}",
    )
    with pytest.raises(TLSError) as err:
        resources.read_certificate({"content": ca_cert, "url": None, "verify_chain": None})
    assert (err.value.summary, err.value.detail) == ("Unable to parse certificate", error)


def test_a_pss_signed_rsa_ca_signs_leaves(
    tmp_path: Path, ed_key_pem: str, openssl: Callable[..., str]
) -> None:
    """Go never checks the CA's own signature: only the key (rsaEncryption here) matters."""
    ca_key = _openssl_key("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048")
    ca_cert = _openssl_ca(
        tmp_path, ca_key, "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"
    )
    assert "Signature Algorithm: rsassaPss" in openssl(
        "x509", "-noout", "-text", input_text=ca_cert
    )
    leaf = _sign_with(ca_cert, ca_key, ed_key_pem)
    (tmp_path / "ca.pem").write_text(ca_cert)
    (tmp_path / "leaf.pem").write_text(leaf["cert_pem"])
    said = openssl("verify", "-CAfile", str(tmp_path / "ca.pem"), str(tmp_path / "leaf.pem"))
    assert said.strip().endswith(": OK")


def test_negative_serial_ca_passes_plan_and_fails_at_apply(
    make_workspace: Callable[[dict[str, Any]], Any],
    required_providers: dict[str, Any],
    tmp_path: Path,
) -> None:
    """Like the real provider, which parses ca_cert_pem only in Create: keys are made first."""
    ca_key = _openssl_key("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256")
    ws = make_workspace(
        {
            "terraform": required_providers,
            "variable": {"ca_key": {"type": "string", "sensitive": True}},
            "resource": {
                "tls_private_key": {"leaf": {"algorithm": "ECDSA", "ecdsa_curve": "P256"}},
                "tls_cert_request": {
                    "leaf": {
                        "private_key_pem": "${tls_private_key.leaf.private_key_pem}",
                        "subject": [{"common_name": "leaf.test"}],
                    }
                },
                "tls_locally_signed_cert": {
                    "leaf": {
                        "cert_request_pem": "${tls_cert_request.leaf.cert_request_pem}",
                        "ca_cert_pem": _openssl_ca(tmp_path, ca_key, "-set_serial", "-5"),
                        "ca_private_key_pem": "${var.ca_key}",
                        "validity_period_hours": 24,
                        "allowed_uses": ["server_auth"],
                    }
                },
            },
        }
    )
    env = {"TF_VAR_ca_key": ca_key}
    assert ws.plan_exitcode(env=env) == 2
    proc = ws.tf("apply", "-auto-approve", "-input=false", ok=(1,), env=env)
    said = " ".join(proc.stderr.split())
    assert "Error: Failed to parse CA certificate PEM" in said
    assert "failed to parse certificate: x509: negative serial number" in said
    assert "tls_locally_signed_cert.leaf" not in ws.state()
