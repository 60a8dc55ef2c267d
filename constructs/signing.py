"""A key signed by a CA: the recipe's `openssl req -new` and `openssl x509 -req`, written once.

ServiceCert and IntermediateCa both turn their key into a CSR and have a CA sign it; they
differ only in SANs, usages and the CA flag. Every signed certificate carries a subject key
identifier (RFC 5280 4.2.1.2), and a plan-time precondition keeps it within its CA's lifetime.
"""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_tls.cert_request import CertRequest
from cdktf_cdktf_provider_tls.locally_signed_cert import LocallySignedCert
from cdktf_cdktf_provider_tls.private_key import PrivateKey
from constructs import Construct

from .authority import CaFacts, within_ca_lifetime
from .lifetimes import HOURS_PER_DAY
from .subject import DistinguishedName


def sign(
    scope: Construct,
    name: str,
    *,
    owner: str,
    kind: str,
    key: PrivateKey,
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
) -> tuple[CertRequest, LocallySignedCert]:
    """A CSR ("csr") and a signed certificate ("cert"), both at the Terraform address `name`.

    :param owner: the signer in messages, e.g. "service 'web'".
    :param kind: what the precondition's message calls the certificate, e.g. "a certificate".
    :param is_ca: sign a CA certificate. Default: a leaf.
    :param renew_before_days: early renewal window. Default: none.
    :param prevent_destroy: protect the certificate. Default: Terraform's (unprotected).
    :param dns_names: validated, sorted SANs; likewise ip_addresses and uris. Default: none.
    """
    csr = CertRequest(
        scope,
        "csr",
        private_key_pem=key.private_key_pem,
        subject=[subject.for_cert_request()],
        dns_names=list(dns_names) or None,
        ip_addresses=list(ip_addresses) or None,
        uris=list(uris) or None,
    )
    csr.override_logical_id(name)
    days = validity_days
    hours = days * HOURS_PER_DAY
    renew = renew_before_days
    cert = LocallySignedCert(
        scope,
        "cert",
        cert_request_pem=csr.cert_request_pem,
        ca_cert_pem=ca.cert_pem,
        ca_private_key_pem=ca.private_key_pem,
        validity_period_hours=hours,
        early_renewal_hours=None if renew is None else renew * HOURS_PER_DAY,
        is_ca_certificate=True if is_ca else None,
        set_subject_key_id=True,
        allowed_uses=list(allowed_uses),
        lifecycle=TerraformResourceLifecycle(
            prevent_destroy=prevent_destroy,
            precondition=[
                within_ca_lifetime(
                    hours,
                    ca,
                    f"{owner}: {kind} issued now for {days} days would outlive "
                    f"{ca.name}. Shorten validity_days or rotate {ca.name} first.",
                )
            ],
        ),
    )
    cert.override_logical_id(name)
    return csr, cert
