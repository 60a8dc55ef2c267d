"""The recipe's "checking our work", as functions over PEM text held in memory.

Both `verify` (on state) and `demo` (on the files it just wrote) use these, so a check
that passes means the same thing in both places. Each check returns problems as short
sentences; an empty list means the certificate is fit to serve.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from internal_ca.certs.facts import facts, iso


@dataclass(frozen=True)
class ServiceMaterial:
    """Everything needed to check one service. `key_pem` is SECRET: never show it."""

    name: str
    cert_pem: str
    chain_pem: str
    ca_cert_pem: str
    key_pem: str
    dns_names: Sequence[str]
    ip_addresses: Sequence[str]
    uris: Sequence[str]
    renew_before_hours: float | None


def check_service(material: ServiceMaterial, now: dt.datetime) -> list[str]:
    """All problems with one service certificate; [] when it passes every check."""
    try:
        leaf = x509.load_pem_x509_certificate(material.cert_pem.encode())
    except ValueError:
        return ["the certificate PEM cannot be parsed"]
    try:
        chain = (
            x509.load_pem_x509_certificates(material.chain_pem.encode())
            if material.chain_pem.strip()
            else []
        )
        root = x509.load_pem_x509_certificate(material.ca_cert_pem.encode())
    except ValueError:
        return ["the chain or CA certificate PEM cannot be parsed"]
    problems = chain_problems(leaf, chain, root)
    problems += san_problems(leaf, material)
    problems += key_problems(leaf, material.key_pem)
    problems += time_problems(leaf, now, material.renew_before_hours)
    return problems


def chain_problems(
    leaf: x509.Certificate, chain: Sequence[x509.Certificate], root: x509.Certificate
) -> list[str]:
    """Walk leaf -> intermediates -> root, checking each signature and that issuers are CAs."""
    current = leaf
    pool = [*chain, root]
    for _ in range(len(pool)):
        issuer = next((cert for cert in pool if issued_by(current, cert)), None)
        if issuer is None:
            return [f"the chain does not verify to the CA ({_subject(root)})"]
        if not facts(issuer).is_ca:
            return [f"issuer {_subject(issuer)} is not a CA certificate"]
        if issuer == root:
            return []
        current = issuer
    return [f"the chain does not reach the CA ({_subject(root)})"]


def issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether `issuer` signed `cert`; any failure to verify, whatever its kind, means no."""
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _subject(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string() or "an empty subject"


def san_problems(leaf: x509.Certificate, material: ServiceMaterial) -> list[str]:
    found = facts(leaf)
    problems: list[str] = []
    pairs = (
        ("DNS names", found.dns_names, material.dns_names),
        ("IP addresses", found.ip_addresses, material.ip_addresses),
        ("URIs", found.uris, material.uris),
    )
    for label, actual, configured in pairs:
        normalise = _ip if label == "IP addresses" else _lower if label == "DNS names" else str
        have = {normalise(value) for value in actual}
        want = {normalise(value) for value in configured}
        if have != want:
            problems.append(
                f"SAN {label} in the certificate {sorted(have)} differ from the "
                f"configuration {sorted(want)}"
            )
    return problems


def _ip(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return text


def _lower(text: str) -> str:
    return text.lower()


def key_problems(leaf: x509.Certificate, key_pem: str) -> list[str]:
    """Compare public keys as DER; a parse error is reported without quoting the key."""
    try:
        key = load_pem_private_key(key_pem.encode(), password=None)
    except (ValueError, TypeError):
        return ["the private key cannot be parsed"]
    if not key_matches(key, leaf):
        return ["the private key does not match the certificate"]
    return []


def key_matches(key: PrivateKeyTypes, cert: x509.Certificate) -> bool:
    """Compared as SubjectPublicKeyInfo DER, so every key type compares the same way."""
    encoding = serialization.Encoding.DER
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    return key.public_key().public_bytes(encoding, spki) == cert.public_key().public_bytes(
        encoding, spki
    )


def time_problems(
    cert: x509.Certificate, now: dt.datetime, renew_before_hours: float | None
) -> list[str]:
    found = facts(cert)
    if now >= found.not_after:
        return [f"expired at {iso(found.not_after)}"]
    if now < found.not_before:
        return [f"not valid until {iso(found.not_before)}"]
    if renew_before_hours and found.in_renewal_window(now, renew_before_hours):
        return [
            f"inside its renewal window since {iso(found.renewal_starts(renew_before_hours))} "
            f"(expires {iso(found.not_after)}); run `internal-ca deploy` to renew it"
        ]
    return []
