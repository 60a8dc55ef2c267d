"""An intermediate CA under a root: leaves are signed by it and their chain files include it.

It limits what a day-to-day signing key can do only so far with hashicorp/tls 4.1.0: every
certificate a CA signs keeps that CA's private key in state (so a root and an intermediate in
one stack leave both keys in that state), and 4.1.0 cannot set a path length.
"""

from __future__ import annotations

from cdktf_cdktf_provider_tls.cert_request import CertRequest
from constructs import Construct

from . import naming, revocations
from .authority import (
    CaFacts,
    CertificateAuthority,
    check_authority,
    check_within_ca_lifetime,
)
from .ca_output import add_ca_output
from .key_spec import KeySpec, check_key_spec
from .lifetimes import check_days
from .private_key import private_key
from .rendered import place_of
from .root_ca import CA_USES
from .signing import sign
from .subject import DistinguishedName, resolve_overrides

INTERMEDIATE_VALIDITY_DAYS = 1825
"""Five years: half the recipe's root, so it can be rotated under a still-valid root."""


class IntermediateCa(Construct):
    """A CA key, its CSR and a CA certificate signed by `parent`, protected like the root.

    Replacing it re-issues every certificate it signed, so `prevent_destroy` is on unless the
    caller opts out on purpose.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        parent: CertificateAuthority,
        subject: DistinguishedName | None = None,
        key: KeySpec | None = None,
        validity_days: int = INTERMEDIATE_VALIDITY_DAYS,
        prevent_destroy: bool = True,
    ) -> None:
        """
        :param parent: the CA that signs this one (a RootCa, ExistingCa or another
            IntermediateCa).
        :param subject: subject overrides. Fields left as None inherit the parent's
            organisation fields; the common name defaults to "<organization> Intermediate CA".
        :param key: the intermediate's key. Default: the same algorithm and size as the parent.
        :param validity_days: lifetime. Default: 1825 (5 years). Must not outlive the parent.
        :param prevent_destroy: refuse plans that destroy or replace this CA. Default: True.
        """
        names = naming.ca_names(id)
        name = names.name
        owner = f"CA {name!r}"
        parent_facts = check_authority(owner, "parent", parent)
        inherited = resolve_overrides(owner, subject, parent_facts.subject)
        organisation = inherited.organization or "Internal"
        full_subject = inherited.or_common_name(f"{organisation} Intermediate CA"[:64])
        key = check_key_spec(owner, parent_facts.key_spec if key is None else key)
        days = check_days(owner, "validity_days", validity_days)
        check_within_ca_lifetime(owner, days, parent_facts)
        if not isinstance(prevent_destroy, bool):
            raise TypeError(f"{owner}: prevent_destroy value {prevent_destroy!r} is not a bool")
        place = place_of(scope)
        cert_address = names.cert_address(self_signed=False)
        naming.claim(
            place.stack,
            owner,
            name,
            names=(names.key_address, names.csr_address, cert_address, names.output),
        )
        super().__init__(scope, id)
        # Also without a ServiceCert: the ledger may list services since removed.
        revocations.stack_ledger(place.stack)
        here = place.child(self, id)

        key_block = private_key(here, names.key_address, key, {"prevent_destroy": prevent_destroy})
        csr_block, cert_block = sign(
            here,
            csr_address=names.csr_address,
            cert_address=cert_address,
            owner=owner,
            kind="an intermediate",
            key=key_block,
            subject=full_subject,
            ca=parent_facts,
            validity_days=days,
            allowed_uses=CA_USES,
            is_ca=True,
            prevent_destroy=prevent_destroy,
        )
        self.key = key_block.handle
        self._csr = csr_block
        self.cert = cert_block.handle
        cert_pem = self.cert.cert_pem
        self.facts = CaFacts(
            name=owner,
            subject=full_subject,
            key_spec=key,
            private_key_pem=self.key.private_key_pem,
            cert_pem=cert_pem,
            chain_pems=(cert_pem, *parent_facts.chain_pems),
            root_cert_pem=parent_facts.root_cert_pem,
            validity_end_time=self.cert.validity_end_time,
            max_leaf_validity_days=days,
        )

        add_ca_output(
            here,
            names.output,
            description=(
                f"The {name} intermediate certificate (not secret): services signed by it "
                "send it in their chain."
            ),
            cert_pem=cert_block.ref("cert_pem"),
            serial=cert_block.ref("id"),
            not_before=cert_block.ref("validity_start_time"),
            not_after=cert_block.ref("validity_end_time"),
            subject=full_subject,
            key_spec=key,
        )

    @property
    def csr(self) -> CertRequest:
        """The CSR, tls_cert_request.<id>; made on first use, as nothing in the CA needs it
        (see ServiceCert's handles)."""
        return self._csr.handle
