"""Which CA a ledger entry and a CRL belong to, and where the CA key comes from (issue 18).

A small hierarchy built in memory (root `ca`, intermediate `issuing`, a leaf under each),
shaped as the state and outputs the commands read: no Terraform here.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ca_constructs import naming
from ca_constructs.ledger import Entry, Ledger, check_cas, serialise
from internal_ca.certs.outputs import CaInfo, ServiceInfo, StackOutputs
from internal_ca.certs.serials import openssl_hex
from internal_ca.errors import OperationError
from internal_ca.files.atomic import public_dir
from internal_ca.revocation.crl import MAX_CRL_NUMBER, build_crl, pem_and_der
from internal_ca.revocation.issuers import (
    issued_certificates,
    ledger_problems,
    revocation_of,
)
from internal_ca.revocation.publish import (
    SignedCrl,
    ca_key_pem,
    previous_crls,
    read_crls,
    sign_stack,
    write_crls,
)
from internal_ca.state.read import StackState

STACK = "internal-ca"
NOW = dt.datetime.now(dt.UTC)
DAY = dt.timedelta(days=1)
_PEM = serialization.Encoding.PEM


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        _PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _cert(
    name: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None,
    *,
    is_ca: bool,
    serial: int | None = None,
) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    issuer_name, signer = (subject, key) if issuer is None else (issuer[0].subject, issuer[1])
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(serial or x509.random_serial_number())
        .not_valid_before(NOW - DAY)
        .not_valid_after(NOW + 365 * DAY)
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        .sign(signer, hashes.SHA256())
    )


def _text(cert: x509.Certificate) -> str:
    return cert.public_bytes(_PEM).decode()


@dataclass
class Hierarchy:
    root: x509.Certificate
    root_key: ec.EllipticCurvePrivateKey
    issuing: x509.Certificate
    issuing_key: ec.EllipticCurvePrivateKey
    web: x509.Certificate
    deep: x509.Certificate

    def serial(self, cert: x509.Certificate) -> str:
        return openssl_hex(cert.serial_number)

    def outputs(self, state: StackState | None = None) -> StackOutputs:
        cas = tuple(
            CaInfo(name, _text(cert), str(cert.serial_number), 0.0)
            for name, cert in (("ca", self.root), ("issuing", self.issuing))
        )
        services = tuple(
            ServiceInfo(
                name, _text(cert), "", _text(self.root), str(cert.serial_number),
                (f"{name}.internal",), (), (), None, False,
            )
            for name, cert in (("web", self.web), ("deep", self.deep))
        )  # fmt: skip
        return StackOutputs(STACK, cas, services, {}, state)

    def state(self, *, own_keys: bool, signed_copies: bool = True) -> StackState:
        """A state as an ExistingCa root leaves it (no key resource) or a RootCa does."""
        attributes: dict[str, dict[str, object]] = {}
        if own_keys:
            attributes["tls_private_key.ca"] = {"private_key_pem": _pem_key(self.root_key)}
        attributes["tls_private_key.issuing"] = {"private_key_pem": _pem_key(self.issuing_key)}
        if signed_copies:
            attributes["tls_locally_signed_cert.deep"] = {
                "ca_private_key_pem": _pem_key(self.issuing_key)
            }
            attributes["tls_locally_signed_cert.issuing"] = {
                "ca_private_key_pem": _pem_key(self.root_key)
            }
        return StackState(STACK, 1, "lineage", {}, frozenset(attributes), attributes)


@pytest.fixture(scope="module")
def tree() -> Hierarchy:
    root_key, issuing_key = _key(), _key()
    root = _cert("Root", root_key, None, is_ca=True)
    issuing = _cert("Issuing", issuing_key, (root, root_key), is_ca=True)
    web = _cert("web", _key(), (root, root_key), is_ca=False)
    deep = _cert("deep", _key(), (issuing, issuing_key), is_ca=False)
    return Hierarchy(root, root_key, issuing, issuing_key, web, deep)


def _entry(ca: str, serial: str, service: str = "web") -> Entry:
    return Entry(ca, serial, service, "2026-12-01T09:30:00Z", "key_compromise", False)


# --- item 2: a CA's own certificate is never revoked --------------------------------------------


def test_an_entry_for_the_roots_own_serial_is_refused(tree: Hierarchy) -> None:
    ledger = Ledger(STACK, (_entry("ca", tree.serial(tree.root)),))
    (problem,) = ledger_problems(ledger, tree.outputs())
    assert f"serial {tree.serial(tree.root)} is CA 'ca''s own certificate (the root)" in problem
    assert "revoking a CA is not supported" in problem
    assert "rotate the CA" in problem


def test_an_entry_for_the_intermediates_serial_is_refused(tree: Hierarchy) -> None:
    ledger = Ledger(STACK, (_entry("ca", tree.serial(tree.issuing)),))
    (problem,) = ledger_problems(ledger, tree.outputs())
    assert "CA 'issuing''s own certificate (an intermediate)" in problem
    assert "replace the intermediate" in problem


def test_crl_refuses_to_sign_a_ledger_that_revokes_the_root(tree: Hierarchy) -> None:
    ledger = Ledger(STACK, (_entry("ca", tree.serial(tree.root)),))
    with pytest.raises(OperationError, match="revoking a CA is not supported"):
        sign_stack(
            tree.outputs(), tree.state(own_keys=True), ledger, {},
            signed_at=NOW, lifetime=30 * DAY,
        )  # fmt: skip


# --- item 8: an entry counts only under the CA that issued its serial ---------------------------


def test_an_entry_under_another_ca_than_state_shows_is_a_guard_reason(tree: Hierarchy) -> None:
    ledger = Ledger(STACK, (_entry("ca", tree.serial(tree.deep), "deep"),))
    (problem,) = ledger_problems(ledger, tree.outputs())
    assert problem == (
        f"revocations/{STACK}.json: the entry for serial {tree.serial(tree.deep)} (service "
        "'deep') has field 'ca' value 'ca', but state shows CA 'issuing' issued that serial "
        "(service 'deep'), so CA 'ca''s CRL would not revoke it; expected 'ca': 'issuing'"
    )


def test_entries_under_their_issuing_ca_pass(tree: Hierarchy) -> None:
    ledger = Ledger(
        STACK,
        (_entry("issuing", tree.serial(tree.deep), "deep"), _entry("ca", tree.serial(tree.web))),
    )
    assert ledger_problems(ledger, tree.outputs()) == []


def test_revoked_means_serial_and_issuing_ca_as_the_crl_says(tree: Hierarchy) -> None:
    wrong = Ledger(STACK, (_entry("ca", tree.serial(tree.deep), "deep"),))
    right = Ledger(STACK, (_entry("issuing", tree.serial(tree.deep), "deep"),))
    deep = next(item for item in issued_certificates(tree.outputs()) if item.owner == "deep")
    assert revocation_of(wrong, deep) is None
    assert revocation_of(right, deep) == right.entries[0]


def test_synth_check_refuses_an_unknown_ca_naming_file_entry_field_value_and_cas() -> None:
    ledger = Ledger(STACK, (_entry("nosuch", "0A"),))
    with pytest.raises(ValueError) as raised:
        check_cas(ledger, {"ca": None, "issuing": None})
    assert str(raised.value) == (
        f"revocations/{STACK}.json: the entry for serial 0A (service 'web'): field 'ca' value "
        f"'nosuch' is not a CA of stack '{STACK}'; expected one of ['ca', 'issuing']"
    )


def test_synth_check_refuses_an_existing_cas_own_serial() -> None:
    ledger = Ledger(STACK, (_entry("ca", "01"),))
    with pytest.raises(ValueError, match="serial 01 is CA 'ca''s own certificate"):
        check_cas(ledger, {"ca": "01"})
    check_cas(Ledger(STACK, (_entry("ca", "02"),)), {"ca": "01"})


# --- item 9: the CA key comes from state, never needs the environment ---------------------------


def test_an_adopted_cas_key_is_taken_from_a_certificate_it_signed(tree: Hierarchy) -> None:
    state = tree.state(own_keys=False)
    pem = ca_key_pem(state, None, STACK, "ca", tree.root)
    assert pem == _pem_key(tree.root_key)
    # The other CA's copy is in state too: the match is by key, not by order.
    assert ca_key_pem(state, None, STACK, "issuing", tree.issuing) == _pem_key(tree.issuing_key)


def test_without_any_copy_export_gets_none_and_crl_asks_the_environment(tree: Hierarchy) -> None:
    state = tree.state(own_keys=False, signed_copies=False)
    assert ca_key_pem(state, None, STACK, "ca", tree.root) is None
    variable = naming.CaNames("ca").key_env_var
    assert ca_key_pem(state, {variable: _pem_key(tree.root_key)}, STACK, "ca", tree.root)
    with pytest.raises(OperationError, match=f"nor in a certificate it signed\\) and {variable}"):
        ca_key_pem(state, {}, STACK, "ca", tree.root)


def test_export_signs_only_the_cas_whose_key_is_in_state(tree: Hierarchy) -> None:
    state = tree.state(own_keys=False, signed_copies=False)
    crls = sign_stack(tree.outputs(), state, Ledger(STACK), None, signed_at=NOW, lifetime=30 * DAY)
    assert [crl.ca for crl in crls] == ["issuing"]


# --- item 13: the CRL-number floor is only taken from this CA's own CRL -------------------------


def _write_der(folder: Path, name: str, der: bytes) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / naming.CaNames(name).crl_der_file
    path.write_bytes(der)
    return path


def _crl(
    cert: x509.Certificate, key: ec.EllipticCurvePrivateKey, previous: int | None = None
) -> bytes:
    crl = build_crl(cert, key, (), signed_at=NOW, lifetime=DAY, previous_number=previous)
    return pem_and_der(crl)[1]


def test_a_crl_of_another_ca_in_the_folder_is_refused(tree: Hierarchy, tmp_path: Path) -> None:
    stranger_key = _key()
    stranger = _cert("Root", stranger_key, None, is_ca=True)  # the same subject, another key
    _write_der(tmp_path, "ca", _crl(stranger, stranger_key, previous=10**30))
    with pytest.raises(OperationError, match=r"ca\.crl: not signed by CA 'ca' of stack"):
        previous_crls(tmp_path, tree.outputs())
    with pytest.raises(OperationError, match=r"ca\.crl: not signed by CA 'ca' of stack"):
        read_crls(tmp_path, tree.outputs())


def test_an_unreadable_crl_file_is_refused_not_ignored(tree: Hierarchy, tmp_path: Path) -> None:
    _write_der(tmp_path, "ca", b"not a CRL")
    with pytest.raises(OperationError, match=r"ca\.crl: not a DER CRL with a CRL number"):
        previous_crls(tmp_path, tree.outputs())


def test_a_fifo_in_place_of_the_crl_is_refused_without_blocking(
    tree: Hierarchy, tmp_path: Path
) -> None:
    os.mkfifo(tmp_path / "ca.crl")
    with pytest.raises(OperationError, match=r"ca\.crl: not a regular file"):
        previous_crls(tmp_path, tree.outputs())


def test_a_crl_number_at_the_20_octet_limit_leaves_no_next_one(
    tree: Hierarchy, tmp_path: Path
) -> None:
    _write_der(tmp_path, "ca", _crl(tree.root, tree.root_key, previous=MAX_CRL_NUMBER - 1))
    with pytest.raises(OperationError, match="within the 20 octets RFC 5280 allows"):
        previous_crls(tmp_path, tree.outputs())


def test_the_cas_own_crl_sets_the_floor(tree: Hierarchy, tmp_path: Path) -> None:
    _write_der(tmp_path, "ca", _crl(tree.root, tree.root_key, previous=10**20))
    found = previous_crls(tmp_path, tree.outputs())
    before = found["ca"]
    assert isinstance(before, SignedCrl) and before.number == 10**20 + 1
    crls = sign_stack(
        tree.outputs(), tree.state(own_keys=True), Ledger(STACK), {},
        signed_at=NOW, lifetime=DAY, previous=found,
    )  # fmt: skip
    assert next(crl.number for crl in crls if crl.ca == "ca") == 10**20 + 2


# --- item 13: public folders are 0755 whatever the umask ----------------------------------------


def test_crl_folders_are_0755_and_files_0644_under_umask_077(
    tree: Hierarchy, tmp_path: Path
) -> None:
    crls = sign_stack(
        tree.outputs(), tree.state(own_keys=True), Ledger(STACK), {},
        signed_at=NOW, lifetime=DAY,
    )  # fmt: skip
    target = tmp_path / "www" / "crl" / STACK
    old = os.umask(0o077)
    try:
        written = write_crls(target, crls)
    finally:
        os.umask(old)
    for folder in (tmp_path / "www", tmp_path / "www" / "crl", target):
        assert folder.stat().st_mode & 0o777 == 0o755, folder
    assert {path.stat().st_mode & 0o777 for path in written} == {0o644}


def test_public_dir_refuses_a_file_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "crl").write_text("")
    with pytest.raises(OperationError, match="exists and is not a folder"):
        public_dir(tmp_path / "crl")


def test_the_ledgers_folder_is_0755_under_umask_077(tmp_path: Path) -> None:
    from internal_ca.revocation.ledger_file import update_ledger
    from internal_ca.terraform.project import Project

    project = Project(root=tmp_path, tools=tmp_path)
    old = os.umask(0o077)
    try:
        path = update_ledger(project, STACK, lambda ledger: ledger.add(_entry("ca", "0A")))
    finally:
        os.umask(old)
    assert path.parent.stat().st_mode & 0o777 == 0o755
    assert path.stat().st_mode & 0o777 == 0o644
    assert path.read_text() == serialise(Ledger(STACK, (_entry("ca", "0A"),)))


def test_revoke_refuses_a_stack_without_a_ca_instead_of_writing_an_entry_synth_refuses(
    tree: Hierarchy,
) -> None:
    """A service signed across stacks is revoked in its CA's stack; an edge stack has no CA."""
    from internal_ca.commands.revoke import Refused, _entry, _Request

    edge = StackOutputs("edge", (), tree.outputs().services, {}, None)
    request = _Request(service="web", reason="superseded", serial=tree.serial(tree.web), ca="ca")
    with pytest.raises(Refused, match=r"stack 'edge' has no CA; .* expected --stack"):
        _entry(request, "edge", edge)


def test_revoke_refuses_a_stack_with_no_state_instead_of_writing_an_unchecked_entry() -> None:
    from internal_ca.commands.revoke import Refused, _entry, _Request

    request = _Request(service="web", reason="superseded", serial="0A", ca="no-such-ca")
    with pytest.raises(Refused, match=r"stack 'edge' has nothing deployed \(no state\)"):
        _entry(request, "edge", None)
