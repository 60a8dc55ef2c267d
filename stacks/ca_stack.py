"""The CA stack: the provider, one root CA and the services it signs."""

from __future__ import annotations

import dataclasses

from cdktf import TerraformStack
from cdktf_cdktf_provider_tls.provider import TlsProvider
from constructs import Construct

from ca_constructs.key_spec import KeySpec
from ca_constructs.root_ca import RootCa, RootCaOptions
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
        ca_key: KeySpec | None = None,
        ca_validity_days: int | None = None,
        prevent_ca_destroy: bool | None = None,
    ) -> None:
        """
        Each option is forwarded to the root's RootCaOptions; None (the default) keeps the
        default set there, so the two can never disagree.

        :param ca_subject: the root's distinguished name; services inherit its C/ST/L/O/OU.
        :param ca_key: the root key. Default: RootCaOptions' (RSA 4096, as in the recipe).
        :param ca_validity_days: the root's lifetime. Default: RootCaOptions' (3650 days).
        :param prevent_ca_destroy: refuse plans that replace the CA. Default: RootCaOptions'
            (True).
        """
        options = RootCaOptions(subject=ca_subject)
        if ca_key is not None:
            options = dataclasses.replace(options, key=ca_key)
        if ca_validity_days is not None:
            options = dataclasses.replace(options, validity_days=ca_validity_days)
        if prevent_ca_destroy is not None:
            options = dataclasses.replace(options, prevent_destroy=prevent_ca_destroy)
        super().__init__(scope, id)
        TlsProvider(self, "tls")
        configure_backend(self, id)
        self.ca = RootCa(self, "ca", options)
