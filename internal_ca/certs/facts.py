"""What a certificate PEM says about itself: serial, lifetime and names.

Inventory and verify read these from the certificate, not from the outputs beside it, so
they report what clients will actually see.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass

from cryptography import x509

from internal_ca.certs.serials import openssl_hex
from internal_ca.certs.times import iso as iso  # re-exported: commands show times with it
from internal_ca.errors import OperationError

DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class CertFacts:
    serial_hex: str
    not_before: dt.datetime
    not_after: dt.datetime
    dns_names: tuple[str, ...]
    ip_addresses: tuple[str, ...]
    uris: tuple[str, ...]
    is_ca: bool

    @property
    def sans(self) -> tuple[str, ...]:
        return self.dns_names + self.ip_addresses + self.uris

    def days_left(self, now: dt.datetime) -> int:
        """Whole days until NotAfter; negative once expired."""
        return (self.not_after - now) // DAY

    def renewal_starts(self, renew_before_hours: float) -> dt.datetime:
        return self.not_after - dt.timedelta(hours=renew_before_hours)

    def in_renewal_window(self, now: dt.datetime, renew_before_hours: float) -> bool:
        """The provider re-issues at or after NotAfter minus early_renewal_hours."""
        return now >= self.renewal_starts(renew_before_hours)


def load_certs(pem: str, owner: str) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle ("" is an empty chain)."""
    if not pem.strip():
        return []
    try:
        return x509.load_pem_x509_certificates(pem.encode())
    except ValueError:
        raise OperationError(f"{owner}: the certificate PEM in state cannot be parsed") from None


def load_cert(pem: str, owner: str) -> x509.Certificate:
    certs = load_certs(pem, owner)
    if len(certs) != 1:
        raise OperationError(f"{owner}: expected one certificate in the PEM, found {len(certs)}")
    return certs[0]


def facts(cert: x509.Certificate) -> CertFacts:
    dns: list[str] = []
    ips: list[str] = []
    uris: list[str] = []
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        pass
    else:
        dns = [str(name) for name in san.get_values_for_type(x509.DNSName)]
        ips = [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
        uris = [str(uri) for uri in san.get_values_for_type(x509.UniformResourceIdentifier)]
    try:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        is_ca = constraints.ca
    except x509.ExtensionNotFound:
        is_ca = False
    return CertFacts(
        serial_hex=openssl_hex(cert.serial_number),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        dns_names=tuple(sorted(dns)),
        ip_addresses=tuple(sorted(ips, key=_ip_order)),
        uris=tuple(sorted(uris)),
        is_ca=is_ca,
    )


def _ip_order(text: str) -> tuple[int, str]:
    try:
        return (0, str(ipaddress.ip_address(text)))
    except ValueError:
        return (1, text)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
