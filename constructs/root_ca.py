"""The root CA: the recipe's `openssl genrsa 4096` and `openssl req -new -x509 -days 3650`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdktf_cdktf_provider_tls.self_signed_cert import SelfSignedCert
from constructs import Construct

from . import naming, revocations
from .authority import CaFacts
from .ca_output import add_ca_output
from .key_spec import RSA_4096, KeySpec, check_key_spec
from .lifetimes import CA_VALIDITY_DAYS, HOURS_PER_DAY, check_days
from .private_key import private_key
from .rendered import Handle, place_of
from .subject import DistinguishedName

CA_USES = ["cert_signing", "crl_signing", "digital_signature"]


@dataclass(frozen=True, kw_only=True)
class RootCaOptions:
    """Everything a root CA can be told, with its defaults, in one place (CaStack forwards it)."""

    subject: DistinguishedName
    """The CA's distinguished name. A missing common name defaults to
    "<organization> Internal Root CA"."""
    key: KeySpec = RSA_4096
    """The CA key. Default: RSA 4096, as in the recipe."""
    validity_days: int = CA_VALIDITY_DAYS
    """Lifetime of the root. Default: 3650 (10 years), as in the recipe."""
    prevent_destroy: bool = True
    """Refuse plans that destroy or replace the CA. Default: True. Set False only for a
    deliberate CA rotation (see README, "Replacing the CA")."""


class RootCa(Construct):
    """A CA key and its self-signed root certificate, both protected from accidental destroy.

    Replacing either one re-issues every certificate and makes every load balancer that
    trusts the old root reject the services, so `prevent_destroy` is on unless the caller
    opts out on purpose with `prevent_destroy=False`.
    """

    def __init__(self, scope: Construct, id: str, options: RootCaOptions) -> None:
        """
        :param options: subject, key, lifetime and protection; see RootCaOptions for defaults.
        """
        names = naming.ca_names(id)
        name = names.name
        owner = f"CA {name!r}"
        if not isinstance(options, RootCaOptions):
            raise TypeError(f"{owner}: options value {options!r} is not a RootCaOptions")
        subject = options.subject
        if not isinstance(subject, DistinguishedName):
            raise TypeError(f"{owner}: subject value {subject!r} is not a DistinguishedName")
        organisation = subject.organization or "Internal"
        subject = subject.or_common_name(f"{organisation} Internal Root CA"[:64])
        subject.validate(owner)
        key = check_key_spec(owner, options.key)
        days = check_days(owner, "validity_days", options.validity_days)
        prevent_destroy = options.prevent_destroy
        if not isinstance(prevent_destroy, bool):
            raise TypeError(f"{owner}: prevent_destroy value {prevent_destroy!r} is not a bool")
        place = place_of(scope)
        naming.claim(
            place.stack,
            owner,
            name,
            names=(names.key_address, names.cert_address(self_signed=True), names.output),
        )
        super().__init__(scope, id)
        # Also without a ServiceCert: the ledger may list services since removed.
        revocations.stack_ledger(place.stack)
        here = place.child(self, id)

        lifecycle = {"prevent_destroy": prevent_destroy}
        key_block = private_key(here, names.key_address, key, lifecycle)
        cert_args: dict[str, Any] = {
            "private_key_pem": key_block.ref("private_key_pem"),
            "validity_period_hours": days * HOURS_PER_DAY,
            "is_ca_certificate": True,
            "set_subject_key_id": True,
            "allowed_uses": list(CA_USES),
        }
        cert_block = here.resource(
            "cert",
            names.cert_address(self_signed=True),
            SelfSignedCertHandle,
            cert_args,
            block_only={"subject": [subject.as_block()], "lifecycle": lifecycle},
        )
        self.key = key_block.handle
        self.cert = cert_block.handle
        cert_pem = self.cert.cert_pem
        # Built once: each token read is a round trip to the jsii kernel, and every service
        # signed by this CA needs these.
        self.facts = CaFacts(
            name=owner,
            subject=subject,
            key_spec=key,
            private_key_pem=self.key.private_key_pem,
            cert_pem=cert_pem,
            chain_pems=(),
            root_cert_pem=cert_pem,
            validity_end_time=self.cert.validity_end_time,
            max_leaf_validity_days=days,
        )

        add_ca_output(
            here,
            names.output,
            description=f"The {name} certificate (not secret): for the load-balancer admins.",
            cert_pem=cert_block.ref("cert_pem"),
            serial=cert_block.ref("id"),
            not_before=cert_block.ref("validity_start_time"),
            not_after=cert_block.ref("validity_end_time"),
            subject=subject,
            key_spec=key,
        )


class SelfSignedCertHandle(Handle, SelfSignedCert):
    """A reference to a rendered tls_self_signed_cert (see constructs/rendered.py)."""
