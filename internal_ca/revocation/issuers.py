"""Which CA of a stack issued each certificate in its state, told by signature, not by name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cryptography import x509

from internal_ca.certs.checks import issued_by
from internal_ca.certs.facts import load_cert
from internal_ca.certs.outputs import StackOutputs
from internal_ca.certs.serials import openssl_hex


@dataclass(frozen=True)
class Issued:
    """One certificate in state: whose it is (a service or a CA) and which CA signed it."""

    serial: str
    kind: str
    owner: str
    ca: str | None


def ca_certs(outputs: StackOutputs) -> dict[str, x509.Certificate]:
    return {
        ca.name: load_cert(ca.cert_pem, f"stack {outputs.stack!r} CA {ca.name!r}")
        for ca in outputs.cas
    }


def root_name(cas: Mapping[str, x509.Certificate]) -> str | None:
    roots = sorted(name for name, cert in cas.items() if cert.issuer == cert.subject)
    return roots[0] if roots else None


def issuer_of(cert: x509.Certificate, cas: Mapping[str, x509.Certificate]) -> str | None:
    for name, ca in sorted(cas.items()):
        if ca is not cert and issued_by(cert, ca):
            return name
    return None


def issued_in_state(outputs: StackOutputs) -> dict[str, Issued]:
    """Serial (openssl hex) -> what it is, for every service and intermediate CA in state."""
    cas = ca_certs(outputs)
    found: dict[str, Issued] = {}
    for name, cert in cas.items():
        if cert.issuer != cert.subject:
            serial = openssl_hex(cert.serial_number)
            found[serial] = Issued(serial, "ca", name, issuer_of(cert, cas))
    for service in outputs.services:
        cert = load_cert(service.cert_pem, f"stack {outputs.stack!r} service {service.name!r}")
        serial = openssl_hex(cert.serial_number)
        found[serial] = Issued(serial, "service", service.name, issuer_of(cert, cas))
    return found
