"""A key signed by a CA: the recipe's `openssl req -new` and `openssl x509 -req`, written once.

ServiceCert and IntermediateCa both turn their key into a CSR and have a CA sign it; they
differ only in SANs, usages and the CA flag. Every signed certificate carries a subject key
identifier (RFC 5280 4.2.1.2), and a plan-time precondition keeps it within its CA's lifetime.
Both resources are rendered from data (see constructs/rendered.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cdktf_cdktf_provider_tls.cert_request import CertRequest
from cdktf_cdktf_provider_tls.locally_signed_cert import LocallySignedCert
from cdktf_cdktf_provider_tls.private_key import PrivateKey

from .authority import CaFacts, within_ca_lifetime
from .lifetimes import HOURS_PER_DAY
from .rendered import Block, Handle, Place
from .subject import DistinguishedName


class CertRequestHandle(Handle, CertRequest):
    """A reference to a rendered tls_cert_request (see constructs/rendered.py)."""


class LocallySignedCertHandle(Handle, LocallySignedCert):
    """A reference to a rendered tls_locally_signed_cert (see constructs/rendered.py)."""


def sign(
    place: Place,
    *,
    csr_address: str,
    cert_address: str,
    owner: str,
    kind: str,
    key: Block[PrivateKey],
    subject: DistinguishedName,
    ca: CaFacts,
    validity_days: int,
    allowed_uses: Sequence[str],
    is_ca: bool = False,
    renew_before_days: int | None = None,
    prevent_destroy: bool | None = None,
    dns_names: Sequence[str] = (),
    ip_addresses: Sequence[str] = (),
    uris: Sequence[str] = (),
) -> tuple[Block[CertRequest], Block[LocallySignedCert]]:
    """A CSR (construct id "csr") and a signed certificate ("cert") at the given addresses.

    :param owner: the signer in messages, e.g. "service 'web'".
    :param kind: what the precondition's message calls the certificate, e.g. "a certificate".
    :param is_ca: sign a CA certificate. Default: a leaf.
    :param renew_before_days: early renewal window. Default: none.
    :param prevent_destroy: protect the certificate. Default: Terraform's (unprotected).
    :param dns_names: validated, sorted SANs; likewise ip_addresses and uris. Default: none.
    """
    csr_args: dict[str, Any] = {"private_key_pem": key.ref("private_key_pem")}
    for field, values in (("dns_names", dns_names), ("ip_addresses", ip_addresses), ("uris", uris)):
        if values:
            csr_args[field] = list(values)
    csr = place.resource(
        "csr",
        csr_address,
        CertRequestHandle,
        csr_args,
        block_only={"subject": [subject.as_block()]},
    )

    days = validity_days
    hours = days * HOURS_PER_DAY
    cert_args: dict[str, Any] = {
        "cert_request_pem": csr.ref("cert_request_pem"),
        "ca_cert_pem": ca.cert_pem,
        "ca_private_key_pem": ca.private_key_pem,
        "validity_period_hours": hours,
        "allowed_uses": list(allowed_uses),
    }
    if renew_before_days is not None:
        cert_args["early_renewal_hours"] = renew_before_days * HOURS_PER_DAY
    if is_ca:
        cert_args["is_ca_certificate"] = True
    message = (
        f"{owner}: {kind} issued now for {days} days would outlive {ca.name}. Shorten "
        f"validity_days or rotate {ca.name} first."
    )
    lifecycle: dict[str, Any] = {"precondition": [within_ca_lifetime(hours, ca, message)]}
    if prevent_destroy is not None:
        lifecycle["prevent_destroy"] = prevent_destroy
    cert = place.resource(
        "cert",
        cert_address,
        LocallySignedCertHandle,
        cert_args,
        block_only={"set_subject_key_id": True, "lifecycle": lifecycle},
    )
    return csr, cert
