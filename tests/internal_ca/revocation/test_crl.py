"""CRL building given a CA key (internal_ca/revocation/crl.py), checked field by field."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID

from ca_constructs.ledger import Entry
from internal_ca.errors import OperationError
from internal_ca.revocation.crl import CaKey, build_crl, check_key_matches, crl_number

NOW = dt.datetime(2026, 12, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
ENTRIES = (
    Entry("ca", "0A", "web", "2026-11-30T08:00:00Z", "key_compromise", True),
    Entry(
        "ca",
        "4FAF003F016DF5EAB197E9FA4F82F786",
        "wiki",
        "2026-11-29T08:00:00Z",
        "unspecified",
        False,
    ),
)


def _ca(key: CaKey, algorithm: hashes.SHA256 | hashes.SHA384) -> x509.Certificate:
    # PrintableString, as hashicorp/tls writes subjects: the CRL must carry these bytes.
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "GB"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Org", _ASN1Type.PrintableString),
            x509.NameAttribute(NameOID.COMMON_NAME, "Test CA", _ASN1Type.PrintableString),
        ]
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(NOW - DAY)
        .not_valid_after(NOW + 3650 * DAY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, algorithm)
    )


@pytest.fixture(scope="module")
def ec_ca() -> tuple[x509.Certificate, CaKey]:
    key = ec.generate_private_key(ec.SECP384R1())
    return _ca(key, hashes.SHA384()), key


@pytest.fixture(scope="module")
def rsa_ca() -> tuple[x509.Certificate, CaKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return _ca(key, hashes.SHA256()), key


def _der_children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    """(tag, start of TLV, end of TLV) of each DER element between start and end."""
    found = []
    while start < end:
        tag, length, offset = data[start], data[start + 1], start + 2
        if length & 0x80:
            count = length & 0x7F
            length, offset = int.from_bytes(data[offset : offset + count], "big"), offset + count
        found.append((tag, start, offset + length))
        start = offset + length
    return found


def _field(tbs: bytes, index_without_version: int) -> bytes:
    ((_, _, end),) = _der_children(tbs, 0, len(tbs))
    header = 2 + (tbs[1] & 0x7F if tbs[1] & 0x80 else 0)
    children = _der_children(tbs, header, end)
    skip = 1 if children[0][0] in (0xA0, 0x02) and len(children) > 6 else 0
    _, start, stop = children[index_without_version + skip]
    return tbs[start:stop]


def test_issuer_bytes_equal_the_ca_subject_bytes(ec_ca: tuple[x509.Certificate, CaKey]) -> None:
    cert, key = ec_ca
    crl = build_crl(cert, key, ENTRIES, signed_at=NOW, lifetime=30 * DAY)
    subject = _field(cert.tbs_certificate_bytes, 4)  # serial, signature, issuer, validity, subject
    issuer = _field(crl.tbs_certlist_bytes, 1)  # [version], signature, issuer
    assert issuer == subject
    assert b"\x13\x08Test Org" in issuer  # PrintableString kept


@pytest.mark.parametrize("which", ["ec_ca", "rsa_ca"])
def test_signed_by_the_ca_with_its_algorithm(which: str, request: pytest.FixtureRequest) -> None:
    cert, key = request.getfixturevalue(which)
    crl = build_crl(cert, key, ENTRIES, signed_at=NOW, lifetime=30 * DAY)
    assert crl.is_signature_valid(cert.public_key())
    assert crl.signature_algorithm_oid == cert.signature_algorithm_oid


def test_aki_is_the_ca_ski_and_number_and_dates(ec_ca: tuple[x509.Certificate, CaKey]) -> None:
    cert, key = ec_ca
    crl = build_crl(cert, key, ENTRIES, signed_at=NOW, lifetime=7 * DAY)
    aki = crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    assert number == crl_number(NOW)
    assert crl.last_update_utc == NOW.replace(microsecond=0)
    assert crl.next_update_utc == NOW.replace(microsecond=0) + 7 * DAY


def test_entries_carry_serial_date_and_reason(ec_ca: tuple[x509.Certificate, CaKey]) -> None:
    cert, key = ec_ca
    crl = build_crl(cert, key, ENTRIES, signed_at=NOW, lifetime=30 * DAY)
    web = crl.get_revoked_certificate_by_serial_number(0x0A)
    assert web is not None
    assert web.revocation_date_utc == dt.datetime(2026, 11, 30, 8, tzinfo=dt.UTC)
    reason = web.extensions.get_extension_for_class(x509.CRLReason).value.reason
    assert reason is x509.ReasonFlags.key_compromise
    wiki = crl.get_revoked_certificate_by_serial_number(0x4FAF003F016DF5EAB197E9FA4F82F786)
    assert wiki is not None
    assert len(wiki.extensions) == 0  # "unspecified" is left out, as RFC 5280 5.3.1 asks


def test_empty_ledger_gives_a_valid_empty_crl(ec_ca: tuple[x509.Certificate, CaKey]) -> None:
    cert, key = ec_ca
    crl = build_crl(cert, key, (), signed_at=NOW, lifetime=30 * DAY)
    assert len(crl) == 0
    assert crl.is_signature_valid(cert.public_key())  # type: ignore[arg-type]


def test_crl_number_grows_within_one_second_and_over_a_previous_one() -> None:
    numbers = [crl_number(NOW + dt.timedelta(microseconds=step)) for step in (0, 1, 2)]
    assert numbers == sorted(set(numbers))
    assert crl_number(NOW, previous=crl_number(NOW) + 10) == crl_number(NOW) + 11
    assert crl_number(NOW).bit_length() <= 159  # fits the 20 octets RFC 5280 allows


def test_key_of_another_ca_is_refused(
    ec_ca: tuple[x509.Certificate, CaKey], rsa_ca: tuple[x509.Certificate, CaKey]
) -> None:
    with pytest.raises(OperationError, match="does not match the CA certificate"):
        check_key_matches(ec_ca[0], rsa_ca[1], "CA 'ca'")
