"""One service's key, CSR and certificate: the recipe's genrsa, `req -config` and `x509 -req`."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import TerraformProviderGeneratorMetadata, TerraformResource
from cdktf_cdktf_provider_tls.cert_request import CertRequest
from cdktf_cdktf_provider_tls.locally_signed_cert import LocallySignedCert
from cdktf_cdktf_provider_tls.private_key import PrivateKey
from constructs import Construct

from . import naming, revocations
from .authority import (
    CaFacts,
    CertificateAuthority,
    check_authority,
    check_within_ca_lifetime,
    joined,
)
from .key_spec import KeySpec, check_key_spec
from .lifetimes import LEAF_VALIDITY_DAYS, RENEW_BEFORE_DAYS, check_days, check_renewal
from .names import (
    DEFAULT_URI_SCHEMES,
    check_uri_schemes,
    first_or_none,
    sorted_dns_names,
    sorted_ip_addresses,
    sorted_uris,
)
from .private_key import private_key
from .rendered import Handle, Place, place_of
from .signing import sign
from .subject import DistinguishedName, resolve_overrides

SERVER_USES = ["digital_signature", "server_auth"]
EXTRA_USES = frozenset(
    {
        "client_auth",
        "code_signing",
        "email_protection",
        "ipsec_end_system",
        "ipsec_tunnel",
        "ipsec_user",
        "timestamping",
        "ocsp_signing",
        "content_commitment",
        "data_encipherment",
        "key_agreement",
    }
)
_MAX_COMMON_NAME = 64


class ServiceCert(Construct):
    """A TLS server certificate for one service, signed by `ca`.

    The construct id is the service's name: it becomes the Terraform address
    (`tls_locally_signed_cert.<id>`), the output name (`service_<id>`) and the exported file
    names (`<id>-crt.pem`). Renaming it re-issues the certificate with a new key.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        ca: CertificateAuthority,
        dns_names: Sequence[str] = (),
        ip_addresses: Sequence[str] = (),
        uris: Sequence[str] = (),
        uri_schemes: Sequence[str] = DEFAULT_URI_SCHEMES,
        subject: DistinguishedName | None = None,
        key: KeySpec | None = None,
        validity_days: int = LEAF_VALIDITY_DAYS,
        renew_before_days: int = RENEW_BEFORE_DAYS,
        extra_uses: Sequence[str] = (),
        key_version: int = 1,
    ) -> None:
        """
        :param ca: the CA that signs this certificate (RootCa, IntermediateCa or ExistingCa).
        :param dns_names: DNS SANs. Sorted and de-duplicated. Default: none.
        :param ip_addresses: IP SANs. Sorted and de-duplicated. Default: none.
        :param uris: URI SANs (e.g. SPIFFE ids). Sorted and de-duplicated. Default: none.
            At least one SAN of any kind is required.
        :param uri_schemes: the schemes `uris` may use, e.g. add "ldap" for this service only.
            Default: ("https", "spiffe", "urn").
        :param subject: subject overrides. Fields left as None inherit the CA's organisation
            fields; the common name defaults to the first DNS name (left out if over 64
            characters). "First" is after sorting, so reordering never re-issues.
        :param key: the service key. Default: the same algorithm and size as the CA key.
        :param validity_days: certificate lifetime. Default: 397.
        :param renew_before_days: the next deploy this many days before expiry re-issues the
            certificate with the same key. Default: 30.
        :param extra_uses: usages beyond server auth, e.g. ["client_auth"]. Default: none.
        :param key_version: bump (1 -> 2) to rotate the key on purpose, e.g. after a leak.
            Default: 1.
        """
        names = naming.service_names(id)
        name = names.name
        owner = f"service {name!r}"

        dns = sorted_dns_names(name, dns_names)
        ips = sorted_ip_addresses(name, ip_addresses)
        uri_list = sorted_uris(name, uris, check_uri_schemes(name, uri_schemes))
        if not (dns or ips or uri_list):
            raise ValueError(
                f"{owner}: dns_names, ip_addresses and uris are all empty; expected at least "
                "one subject alternative name (clients check the name against these)"
            )
        facts = check_authority(owner, "ca", ca)
        key = check_key_spec(owner, facts.key_spec if key is None else key)
        full_subject = resolve_overrides(owner, subject, facts.subject).or_common_name(
            first_or_none(dns)
        )
        days = check_days(owner, "validity_days", validity_days)
        renew_days = check_renewal(owner, days, renew_before_days)
        check_within_ca_lifetime(owner, days, facts)
        uses = self._allowed_uses(owner, key, extra_uses)
        version = check_days(owner, "key_version", key_version)
        place = place_of(scope)
        naming.claim(place.stack, owner, name, names=(*names.addresses, *names.outputs))
        super().__init__(scope, id)
        here = place.child(self, id)

        self.names = names
        self.service_name = name
        self.dns_names = dns
        self.ip_addresses = ips
        self.uris = uri_list
        self.subject = full_subject
        self.key_spec = key

        # The provider has no `keepers`: a terraform_data whose input is the version, named in
        # the key's replace_triggered_by, turns a version bump into a reviewable key rotation.
        # A revoked live certificate adds its serial here: a new key at the next deploy.
        extra = revocations.revoked_key_input(place.stack, name)
        self._key_version = here.resource(
            "key-version",
            names.key_version_address,
            TerraformDataHandle,
            {"input": {"version": version, **extra}},
            # What cdktf records for an argument set with add_override, as it was set before.
            overridden=("input",),
        )
        # A bare address: cdktf renders a resource object as "${...}", which Terraform rejects
        # in replace_triggered_by of JSON configuration.
        rotate_on_version = {"replace_triggered_by": [names.key_version_address]}
        self._key = private_key(here, names.key_address, key, rotate_on_version)
        self._csr, self._cert = sign(
            here,
            csr_address=names.csr_address,
            cert_address=names.cert_address,
            owner=owner,
            kind="a certificate",
            key=self._key,
            subject=full_subject,
            ca=facts,
            validity_days=days,
            renew_before_days=renew_days,
            allowed_uses=uses,
            dns_names=dns,
            ip_addresses=ips,
            uris=uri_list,
        )
        self._outputs(here, facts)

    # The resources are rendered from data (constructs/rendered.py); these handles, for other
    # resources to reference, are made on first use, so a service nobody refers to costs no
    # round trips to the jsii kernel for them.

    @property
    def key(self) -> PrivateKey:
        """The service key, tls_private_key.<id>."""
        return self._key.handle

    @property
    def csr(self) -> CertRequest:
        """The CSR, tls_cert_request.<id>."""
        return self._csr.handle

    @property
    def cert(self) -> LocallySignedCert:
        """The certificate, tls_locally_signed_cert.<id>."""
        return self._cert.handle

    @property
    def key_version(self) -> TerraformResource:
        """The terraform_data whose input (the key version) rotates the key when changed."""
        return self._key_version.handle

    @staticmethod
    def _allowed_uses(owner: str, key: KeySpec, extra_uses: Sequence[str]) -> list[str]:
        if isinstance(extra_uses, str):
            raise TypeError(
                f"{owner}: extra_uses value {extra_uses!r} is a string; expected a list"
            )
        uses = set(SERVER_USES)
        if key.is_rsa:
            uses.add("key_encipherment")
        for use in extra_uses:
            if use not in EXTRA_USES:
                raise ValueError(
                    f"{owner}: extra_uses value {use!r} is not supported; expected some of "
                    f"{', '.join(sorted(EXTRA_USES))}"
                )
            uses.add(use)
        return sorted(uses)

    def _outputs(self, here: Place, ca: CaFacts) -> None:
        name = self.service_name
        cert = self._cert
        here.output(
            "output",
            self.names.output,
            {
                "description": f"Service {name}: certificate, chain, serial and SANs (not secret).",
                "value": {
                    "cert_pem": cert.ref("cert_pem"),
                    "chain_pem": joined(ca.chain_pems),
                    "ca_cert_pem": ca.root_cert_pem,
                    "serial": cert.ref("id"),
                    "not_before": cert.ref("validity_start_time"),
                    "not_after": cert.ref("validity_end_time"),
                    "ready_for_renewal": cert.ref("ready_for_renewal"),
                    "dns_names": self.dns_names,
                    "ip_addresses": self.ip_addresses,
                    "uris": self.uris,
                    "subject": self.subject.as_text(),
                    "key_algorithm": self.key_spec.describe(),
                },
            },
        )
        here.output(
            "private-key",
            self.names.key_output,
            {
                "description": f"Service {name}: private key PEM (secret: copy only to its host).",
                "sensitive": True,
                "value": self._key.ref("private_key_pem"),
            },
        )


class TerraformDataHandle(Handle, TerraformResource):
    """A reference to a rendered terraform_data (see constructs/rendered.py)."""

    def __init__(self, scope: Construct, id: str, **_args: object) -> None:
        # The generic TerraformResource, not cdktf's DataResource class: DataResource validates
        # the Terraform version by running `terraform version` once per instance at synth time,
        # 70 ms per service (see docs/benchmarks.md). It takes no resource arguments: the
        # block's `input` stays in the block.
        super().__init__(
            scope,
            id,
            terraform_resource_type=naming.TERRAFORM_DATA,
            terraform_generator_metadata=TerraformProviderGeneratorMetadata(
                provider_name="terraform"
            ),
        )
