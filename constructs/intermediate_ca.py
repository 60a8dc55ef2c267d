"""An intermediate CA under a root: leaves are signed by it and their chain files include it.

It limits what a day-to-day signing key can do only so far with hashicorp/tls 4.1.0: every
certificate a CA signs keeps that CA's private key in state (so a root and an intermediate in
one stack leave both keys in that state), and 4.1.0 cannot set a path length.
"""

from __future__ import annotations

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_tls.cert_request import CertRequest
from cdktf_cdktf_provider_tls.locally_signed_cert import LocallySignedCert
from constructs import Construct

from . import addresses
from .authority import CaFacts, CertificateAuthority, check_authority, within_ca_lifetime
from .ca_output import add_ca_output
from .key_spec import KeySpec
from .lifetimes import HOURS_PER_DAY, check_days
from .private_key import private_key
from .root_ca import CA_USES
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
        name = addresses.check_ca_name(id)
        owner = f"CA {name!r}"
        parent_facts = check_authority(owner, "parent", parent)
        inherited = resolve_overrides(owner, subject, parent_facts.subject)
        organisation = inherited.organization or "Internal"
        full_subject = inherited.or_common_name(f"{organisation} Intermediate CA"[:64])
        key = parent_facts.key_spec if key is None else key
        if not isinstance(key, KeySpec):
            raise TypeError(f"{owner}: key value {key!r} is not a KeySpec (use rsa() or ecdsa())")
        key.validate(owner)
        days = check_days(owner, "validity_days", validity_days)
        parent_days = parent_facts.max_leaf_validity_days
        if parent_days is not None and days > parent_days:
            raise ValueError(
                f"{owner}: validity_days value {days} outlives {parent_facts.name}, which is valid "
                f"for {parent_days} days; expected at most {parent_days}"
            )
        if not isinstance(prevent_destroy, bool):
            raise TypeError(f"{owner}: prevent_destroy value {prevent_destroy!r} is not a bool")
        # Claimed before the construct exists, so a clash is reported in these words rather
        # than as a jsii error about construct names.
        addresses.claim(scope, name, owner)
        super().__init__(scope, id)

        lifecycle = TerraformResourceLifecycle(prevent_destroy=prevent_destroy)

        self.key = private_key(self, name, key, lifecycle)
        self.csr = CertRequest(
            self,
            "csr",
            private_key_pem=self.key.private_key_pem,
            subject=[full_subject.for_cert_request()],
        )
        self.csr.override_logical_id(name)
        hours = days * HOURS_PER_DAY
        self.cert = LocallySignedCert(
            self,
            "cert",
            cert_request_pem=self.csr.cert_request_pem,
            ca_cert_pem=parent_facts.cert_pem,
            ca_private_key_pem=parent_facts.private_key_pem,
            validity_period_hours=hours,
            is_ca_certificate=True,
            set_subject_key_id=True,
            allowed_uses=list(CA_USES),
            lifecycle=TerraformResourceLifecycle(
                prevent_destroy=prevent_destroy,
                precondition=[
                    within_ca_lifetime(
                        hours,
                        parent_facts,
                        f"{owner}: an intermediate issued now for {days} days would outlive "
                        f"{parent_facts.name}. Shorten validity_days or rotate "
                        f"{parent_facts.name} first.",
                    )
                ],
            ),
        )
        self.cert.override_logical_id(name)
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
            self,
            name,
            description=(
                f"The {name} intermediate certificate (not secret): services signed by it "
                "send it in their chain."
            ),
            cert_pem=self.cert.cert_pem,
            serial=self.cert.id,
            not_before=self.cert.validity_start_time,
            not_after=self.cert.validity_end_time,
            subject=full_subject,
            key_spec=key,
        )
