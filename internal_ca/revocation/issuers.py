"""Which CA of a stack issued each certificate in its state, told by signature, not by name.

A CRL entry is (issuer, serial): a CA's CRL revokes exactly the serials listed under it. So
the ledger is read the same way here for every command: an entry revokes the certificate
whose serial AND issuing CA it names, nothing else. Pure: the callers read state and ledger.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cryptography import x509

from ca_constructs import naming
from ca_constructs.ledger import Entry, Ledger, revoking_a_ca
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


def _self_signed(cert: x509.Certificate) -> bool:
    return cert.issuer == cert.subject


def root_name(cas: Mapping[str, x509.Certificate]) -> str | None:
    roots = sorted(name for name, cert in cas.items() if _self_signed(cert))
    return roots[0] if roots else None


def issuer_of(cert: x509.Certificate, cas: Mapping[str, x509.Certificate]) -> str | None:
    for name, ca in sorted(cas.items()):
        if ca is not cert and issued_by(cert, ca):
            return name
    return None


def issued_certificates(outputs: StackOutputs) -> list[Issued]:
    """Every intermediate CA and service certificate in state, with the CA that signed it."""
    cas = ca_certs(outputs)
    found: list[Issued] = []
    for name, cert in cas.items():
        if not _self_signed(cert):
            serial = openssl_hex(cert.serial_number)
            found.append(Issued(serial, "ca", name, issuer_of(cert, cas)))
    for service in outputs.services:
        cert = load_cert(service.cert_pem, f"stack {outputs.stack!r} service {service.name!r}")
        serial = openssl_hex(cert.serial_number)
        found.append(Issued(serial, "service", service.name, issuer_of(cert, cas)))
    return found


def issued_in_state(outputs: StackOutputs) -> dict[str, Issued]:
    """Serial (openssl hex) -> what it is, for every service and intermediate CA in state."""
    return {item.serial: item for item in issued_certificates(outputs)}


def ca_entries(cas: Mapping[str, x509.Certificate]) -> dict[tuple[str, str], str]:
    """(issuing CA, serial) -> CA name for each CA certificate of the stack: the ledger key
    that would revoke that CA. A root is its own issuer, so its CRL would list itself."""
    found: dict[tuple[str, str], str] = {}
    for name, cert in cas.items():
        issuer = name if _self_signed(cert) else issuer_of(cert, cas)
        if issuer is not None:
            found[(issuer, openssl_hex(cert.serial_number))] = name
    return found


def ledger_problems(ledger: Ledger, outputs: StackOutputs) -> list[str]:
    """Entries whose CRL would not say what the ledger means, judged against state.

    An entry naming a CA certificate of the stack would revoke that CA; an entry whose serial
    state shows signed by another CA than the entry names would revoke nothing, while a
    lookup by serial alone would call the certificate revoked.
    """
    if not ledger.entries:
        return []
    cas = ca_certs(outputs)
    own = ca_entries(cas)
    issued = issued_in_state(outputs)
    where = naming.ledger_file(ledger.stack)
    problems: list[str] = []
    for entry in ledger.entries:
        ca = own.get(entry.key)
        if ca is not None:
            text = revoking_a_ca(entry.serial, ca, _self_signed(cas[ca]))
            problems.append(f"{where}: {text}; remove its entry")
            continue
        known = issued.get(entry.serial)
        if known is not None and known.ca is not None and known.ca != entry.ca:
            problems.append(
                f"{where}: the entry for serial {entry.serial} (service {entry.service!r}) has "
                f"field 'ca' value {entry.ca!r}, but state shows CA {known.ca!r} issued that "
                f"serial ({known.kind} {known.owner!r}), so CA {entry.ca!r}'s CRL would not "
                f"revoke it; expected 'ca': {known.ca!r}"
            )
    return problems


def revocation_of(ledger: Ledger, issued: Issued) -> Entry | None:
    """The ledger's entry for this certificate: its serial under its issuing CA, as a CRL says."""
    return ledger.find(issued.ca, issued.serial) if issued.ca is not None else None
