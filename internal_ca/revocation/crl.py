"""One CA's X.509 v2 CRL (RFC 5280 section 5), built from the ledger with the CA key in memory.

Pure: the caller supplies the CA certificate, its key and the entries; nothing is read or
written here. The CRL is signed the way the CA signs certificates (Go's crypto/x509 defaults,
which hashicorp/tls uses): SHA-256 with RSA and P-256 keys, SHA-384 with P-384, SHA-512 with
P-521, and Ed25519 as itself.

The CRL number must grow with every CRL a CA issues (5.2.3), but nothing is committed per
signing. It is the signing time in microseconds since 1970, so each signing, even two in one
second, gets a larger number than the one before on the same clock; a previous CRL, when one
is at hand, raises the floor, so a clock that went back never lowers it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from ca_constructs.ledger import Entry
from internal_ca.certs.checks import key_matches
from internal_ca.errors import OperationError

DEFAULT_LIFETIME_DAYS = 30
"""nextUpdate - thisUpdate by default: far above the daily re-signing, see the README."""
MAX_CRL_NUMBER = (1 << 159) - 1
"""RFC 5280 5.2.3: a CRL number is at most 20 octets, a positive DER INTEGER. The time-derived
number is far below it (about 2**51 today); only a previous CRL's number can push past it."""

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
_REASON_FLAGS = {
    "key_compromise": x509.ReasonFlags.key_compromise,
    "ca_compromise": x509.ReasonFlags.ca_compromise,
    "affiliation_changed": x509.ReasonFlags.affiliation_changed,
    "superseded": x509.ReasonFlags.superseded,
    "cessation_of_operation": x509.ReasonFlags.cessation_of_operation,
}
"""`unspecified` is left out: RFC 5280 5.3.1 says the extension SHOULD then be absent."""

CaKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


def signing_hash(key: CaKey) -> hashes.HashAlgorithm | None:
    """The digest the CA's certificates are signed with, by its key (Go's x509 choice)."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        size = key.curve.key_size
        if size > 384:
            return hashes.SHA512()
        if size > 256:
            return hashes.SHA384()
        return hashes.SHA256()
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return None
    return hashes.SHA256()


def load_ca_key(pem: str, owner: str) -> CaKey:
    """The CA key from PEM text; errors never quote the text."""
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        raise OperationError(
            f"{owner}: the CA private key cannot be read (not an unencrypted PEM private key)"
        ) from None
    if isinstance(key, ed448.Ed448PrivateKey) or not isinstance(
        key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
    ):
        raise OperationError(f"{owner}: the CA private key is of a type this CA never uses")
    return key


def check_key_matches(cert: x509.Certificate, key: CaKey, owner: str) -> None:
    if not key_matches(key, cert):
        raise OperationError(f"{owner}: the CA private key does not match the CA certificate")


def crl_number(signed_at: dt.datetime, previous: int | None = None) -> int:
    """Microseconds since 1970 at signing, and more than `previous` in any case."""
    derived = (signed_at - _EPOCH) // _MICROSECOND
    return derived if previous is None else max(derived, previous + 1)


def _authority_key_id(cert: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    try:
        ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(cert.public_key())  # type: ignore[arg-type]
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def build_crl(
    ca_cert: x509.Certificate,
    ca_key: CaKey,
    entries: Sequence[Entry],
    *,
    signed_at: dt.datetime,
    lifetime: dt.timedelta,
    previous_number: int | None = None,
) -> x509.CertificateRevocationList:
    """The CA's CRL listing `entries` (all of this CA), valid from signing for `lifetime`."""
    this_update = signed_at.astimezone(dt.UTC).replace(microsecond=0)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(this_update)
        .next_update(this_update + lifetime)
        .add_extension(_authority_key_id(ca_cert), critical=False)
        .add_extension(x509.CRLNumber(crl_number(signed_at, previous_number)), critical=False)
    )
    for entry in sorted(entries, key=lambda item: int(item.serial, 16)):
        revoked = (
            x509.RevokedCertificateBuilder()
            .serial_number(int(entry.serial, 16))
            .revocation_date(entry.revocation_time)
        )
        flag = _REASON_FLAGS.get(entry.reason)
        if flag is not None:
            revoked = revoked.add_extension(x509.CRLReason(flag), critical=False)
        builder = builder.add_revoked_certificate(revoked.build())
    return builder.sign(ca_key, signing_hash(ca_key))  # type: ignore[arg-type]


def pem_and_der(crl: x509.CertificateRevocationList) -> tuple[str, bytes]:
    encoding = serialization.Encoding
    return crl.public_bytes(encoding.PEM).decode("ascii"), crl.public_bytes(encoding.DER)
