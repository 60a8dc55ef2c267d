"""The CA stack: the provider, one root CA and the services it signs."""

from __future__ import annotations

from cdktf import TerraformStack
from cdktf_cdktf_provider_tls.provider import TlsProvider
from constructs import Construct

from ca_constructs.key_spec import RSA_4096, KeySpec
from ca_constructs.lifetimes import CA_VALIDITY_DAYS
from ca_constructs.root_ca import RootCa
from ca_constructs.subject import DistinguishedName

from .backend import configure_backend


class CaStack(TerraformStack):
    """One CA and its state. Add services with `ServiceCert(stack, "name", ca=stack.ca, ...)`."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        ca_subject: DistinguishedName,
        ca_key: KeySpec = RSA_4096,
        ca_validity_days: int = CA_VALIDITY_DAYS,
        prevent_ca_destroy: bool = True,
    ) -> None:
        """
        :param ca_subject: the root's distinguished name; services inherit its C/ST/L/O/OU.
        :param ca_key: the root key. Default: RSA 4096, as in the recipe.
        :param ca_validity_days: the root's lifetime. Default: 3650 days.
        :param prevent_ca_destroy: refuse plans that replace the CA. Default: True.
        """
        super().__init__(scope, id)
        TlsProvider(self, "tls")
        configure_backend(self, id)
        self.ca = RootCa(
            self,
            "ca",
            subject=ca_subject,
            key=ca_key,
            validity_days=ca_validity_days,
            prevent_destroy=prevent_ca_destroy,
        )
