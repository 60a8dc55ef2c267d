"""The root CA: the recipe's `openssl genrsa 4096` and `openssl req -new -x509 -days 3650`."""

from __future__ import annotations

import dataclasses

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_tls.self_signed_cert import SelfSignedCert
from constructs import Construct

from . import addresses
from .authority import CaFacts
from .ca_output import add_ca_output
from .key_spec import RSA_4096, KeySpec
from .lifetimes import CA_VALIDITY_DAYS, HOURS_PER_DAY, check_days
from .private_key import private_key
from .subject import DistinguishedName

CA_USES = ["cert_signing", "crl_signing", "digital_signature"]


class RootCa(Construct):
    """A CA key and its self-signed root certificate, both protected from accidental destroy.

    Replacing either one re-issues every certificate and makes every load balancer that
    trusts the old root reject the services, so `prevent_destroy` is on unless the caller
    opts out on purpose with `prevent_destroy=False`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        subject: DistinguishedName,
        key: KeySpec = RSA_4096,
        validity_days: int = CA_VALIDITY_DAYS,
        prevent_destroy: bool = True,
    ) -> None:
        """
        :param subject: the CA's distinguished name. A missing common name defaults to
            "<organization> Internal Root CA".
        :param key: the CA key. Default: RSA 4096, as in the recipe.
        :param validity_days: lifetime of the root. Default: 3650 (10 years), as in the recipe.
        :param prevent_destroy: refuse plans that destroy or replace the CA. Default: True.
            Set False only for a deliberate CA rotation (see README, "Replacing the CA").
        """
        name = addresses.check_ca_name(id)
        owner = f"CA {name!r}"
        if not isinstance(subject, DistinguishedName):
            raise TypeError(f"{owner}: subject value {subject!r} is not a DistinguishedName")
        if subject.common_name is None:
            subject = _with_default_common_name(subject)
        subject.validate(owner)
        if not isinstance(key, KeySpec):
            raise TypeError(f"{owner}: key value {key!r} is not a KeySpec (use rsa() or ecdsa())")
        key.validate(owner)
        days = check_days(owner, "validity_days", validity_days)
        if not isinstance(prevent_destroy, bool):
            raise TypeError(f"{owner}: prevent_destroy value {prevent_destroy!r} is not a bool")
        super().__init__(scope, id)
        addresses.claim(self, name, owner)

        lifecycle = TerraformResourceLifecycle(prevent_destroy=prevent_destroy)

        self.key = private_key(self, name, key, lifecycle)
        self.cert = SelfSignedCert(
            self,
            "cert",
            private_key_pem=self.key.private_key_pem,
            subject=[subject.for_self_signed()],
            validity_period_hours=days * HOURS_PER_DAY,
            is_ca_certificate=True,
            set_subject_key_id=True,
            allowed_uses=list(CA_USES),
            lifecycle=lifecycle,
        )
        self.cert.override_logical_id(name)
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
            self,
            name,
            description=f"The {name} certificate (not secret): for the load-balancer admins.",
            cert_pem=self.cert.cert_pem,
            serial=self.cert.id,
            not_before=self.cert.validity_start_time,
            not_after=self.cert.validity_end_time,
            subject=subject,
            key_spec=key,
        )


def _with_default_common_name(subject: DistinguishedName) -> DistinguishedName:
    organisation = subject.organization or "Internal"
    return dataclasses.replace(subject, common_name=f"{organisation} Internal Root CA"[:64])
