"""The exact hashicorp/tls 4.1.0 schema (see /work/shared/tls-provider-4.1.0.md).

Kept as plain data so that planning, validation and encoding all read the same source of
truth, and the protobuf form is only built when Terraform asks for it. Only `subject` and
`proxy` are nested blocks (LIST nesting; the framework sends no max_items, the provider
checks "at most one" with a validator); `certificates` is a computed list(object)
attribute. The ephemeral `tls_private_key` (4.1.0, provider.go) has its own schema.
"""

import json
from dataclasses import dataclass, field
from typing import Any

from tls_standin.values import CtyType

STRING: CtyType = "string"
NUMBER: CtyType = "number"
BOOL: CtyType = "bool"
LIST_STRING: CtyType = ["list", "string"]


@dataclass(frozen=True)
class Attr:
    """One attribute; `default` applies to optional+computed attributes left unset."""

    name: str
    type: CtyType
    description: str
    required: bool = False
    optional: bool = False
    computed: bool = False
    sensitive: bool = False
    default: Any = None

    @property
    def configurable(self) -> bool:
        return self.required or self.optional


@dataclass(frozen=True)
class Block:
    """A schema block: attributes plus nested blocks."""

    attributes: tuple[Attr, ...]
    blocks: tuple["NestedBlock", ...] = ()
    description: str = ""

    def attr(self, name: str) -> Attr:
        for attribute in self.attributes:
            if attribute.name == name:
                return attribute
        raise KeyError(name)

    def implied_type(self) -> CtyType:
        """The cty object type of a value of this block."""
        attrs: dict[str, CtyType] = {a.name: a.type for a in self.attributes}
        for nested in self.blocks:
            attrs[nested.name] = ["list", nested.block.implied_type()]
        return ["object", attrs]


@dataclass(frozen=True)
class NestedBlock:
    """A LIST-nested block (terraform-plugin-framework never sends MinItems/MaxItems)."""

    name: str
    block: Block


@dataclass(frozen=True)
class Schema:
    """A resource, data source or provider schema with its version."""

    block: Block
    version: int = 0
    _type: list[CtyType] = field(default_factory=list, compare=False)

    @property
    def type(self) -> CtyType:
        if not self._type:
            self._type.append(self.block.implied_type())
        return self._type[0]


KEY_USAGES = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "cert_signing",
    "crl_signing",
    "encipher_only",
    "decipher_only",
)
EXT_KEY_USAGES = (
    "any_extended",
    "server_auth",
    "client_auth",
    "code_signing",
    "email_protection",
    "ipsec_end_system",
    "ipsec_tunnel",
    "ipsec_user",
    "timestamping",
    "ocsp_signing",
    "microsoft_server_gated_crypto",
    "netscape_server_gated_crypto",
    "microsoft_commercial_code_signing",
    "microsoft_kernel_code_signing",
)
ALLOWED_USES = KEY_USAGES + EXT_KEY_USAGES
KEY_ALGORITHMS = ("RSA", "ECDSA", "ED25519")
ECDSA_CURVES = ("P224", "P256", "P384", "P521")


def _subject_block() -> NestedBlock:
    def s(name: str, desc: str) -> Attr:
        return Attr(name, STRING, desc, optional=True)

    return NestedBlock(
        "subject",
        Block(
            (
                s("common_name", "Distinguished name: CN"),
                s("country", "Distinguished name: C"),
                s("email_address", "ASN.1 Object Identifier (OID): 1.2.840.113549.1.9.1"),
                s("locality", "Distinguished name: L"),
                s("organization", "Distinguished name: O"),
                s("organizational_unit", "Distinguished name: OU"),
                s("postal_code", "Distinguished name: PC"),
                s("province", "Distinguished name: ST"),
                s("serial_number", "Distinguished name: SERIALNUMBER"),
                Attr("street_address", LIST_STRING, "Distinguished name: STREET", optional=True),
            ),
            description="The subject for which a certificate is being requested.",
        ),
    )


def _sans() -> tuple[Attr, ...]:
    return (
        Attr(
            "dns_names",
            LIST_STRING,
            "DNS names for which a certificate is requested.",
            optional=True,
        ),
        Attr(
            "ip_addresses",
            LIST_STRING,
            "IP addresses for which a certificate is requested.",
            optional=True,
        ),
        Attr("uris", LIST_STRING, "URIs for which a certificate is requested.", optional=True),
    )


def _cert_common() -> tuple[Attr, ...]:
    return (
        Attr(
            "validity_period_hours",
            NUMBER,
            "Hours after issuing that the cert stays valid.",
            required=True,
        ),
        Attr(
            "allowed_uses",
            LIST_STRING,
            "Key usages and extended key usages allowed.",
            required=True,
        ),
        Attr(
            "early_renewal_hours",
            NUMBER,
            "Renew this many hours before expiry (updates in place).",
            optional=True,
            computed=True,
            default=0,
        ),
        Attr(
            "is_ca_certificate",
            BOOL,
            "Is the generated certificate a CA certificate.",
            optional=True,
            computed=True,
            default=False,
        ),
        Attr(
            "set_subject_key_id",
            BOOL,
            "Include a subject key identifier.",
            optional=True,
            computed=True,
            default=False,
        ),
        Attr("cert_pem", STRING, "Certificate data in PEM (RFC 1421) format.", computed=True),
        Attr("id", STRING, "Serial number of the certificate, in decimal.", computed=True),
        Attr("validity_start_time", STRING, "Start of validity, RFC3339.", computed=True),
        Attr("validity_end_time", STRING, "End of validity, RFC3339.", computed=True),
        Attr(
            "ready_for_renewal",
            BOOL,
            "Is the certificate expired or in its early renewal window.",
            computed=True,
        ),
    )


PROVIDER = Schema(
    Block(
        (),
        (
            NestedBlock(
                "proxy",
                Block(
                    (
                        Attr("url", STRING, "URL used to connect to the Proxy.", optional=True),
                        Attr("username", STRING, "Username for the Proxy.", optional=True),
                        Attr(
                            "password",
                            STRING,
                            "Password for the Proxy.",
                            optional=True,
                            sensitive=True,
                        ),
                        Attr(
                            "from_env", BOOL, "Use the proxy from the environment.", optional=True
                        ),
                    ),
                    description="Proxy for data sources that connect to external endpoints.",
                ),
            ),
        ),
    )
)

RESOURCES: dict[str, Schema] = {
    "tls_private_key": Schema(
        Block(
            (
                Attr(
                    "algorithm",
                    STRING,
                    "Name of the algorithm: RSA, ECDSA or ED25519.",
                    required=True,
                ),
                Attr(
                    "ecdsa_curve",
                    STRING,
                    "ECDSA curve: P224, P256, P384 or P521.",
                    optional=True,
                    computed=True,
                    default="P224",
                ),
                Attr(
                    "rsa_bits",
                    NUMBER,
                    "RSA key size in bits.",
                    optional=True,
                    computed=True,
                    default=2048,
                ),
                Attr("id", STRING, "SHA-1 hex of the public key.", computed=True),
                Attr("public_key_pem", STRING, "Public key, PEM (PKIX).", computed=True),
                Attr(
                    "public_key_openssh",
                    STRING,
                    "Public key, OpenSSH authorized_keys format.",
                    computed=True,
                ),
                Attr(
                    "public_key_fingerprint_md5", STRING, "MD5 OpenSSH fingerprint.", computed=True
                ),
                Attr(
                    "public_key_fingerprint_sha256",
                    STRING,
                    "SHA256 OpenSSH fingerprint.",
                    computed=True,
                ),
                Attr(
                    "private_key_pem",
                    STRING,
                    "Private key, PEM (PKCS#1/SEC1/PKCS#8).",
                    computed=True,
                    sensitive=True,
                ),
                Attr(
                    "private_key_pem_pkcs8",
                    STRING,
                    "Private key, PEM (PKCS#8).",
                    computed=True,
                    sensitive=True,
                ),
                Attr(
                    "private_key_openssh",
                    STRING,
                    "Private key, OpenSSH PEM.",
                    computed=True,
                    sensitive=True,
                ),
            ),
            description="Creates a PEM (and OpenSSH) formatted private key.",
        ),
        version=1,
    ),
    "tls_cert_request": Schema(
        Block(
            (
                Attr(
                    "private_key_pem",
                    STRING,
                    "Private key in PEM format.",
                    required=True,
                    sensitive=True,
                ),
                *_sans(),
                Attr(
                    "cert_request_pem",
                    STRING,
                    "The certificate request data in PEM format.",
                    computed=True,
                ),
                Attr("id", STRING, "Unique identifier for this resource.", computed=True),
                Attr("key_algorithm", STRING, "Algorithm of the private key.", computed=True),
            ),
            (_subject_block(),),
            description="Creates a Certificate Signing Request (CSR) in PEM format.",
        )
    ),
    "tls_self_signed_cert": Schema(
        Block(
            (
                Attr(
                    "private_key_pem",
                    STRING,
                    "Private key in PEM format.",
                    required=True,
                    sensitive=True,
                ),
                *_sans(),
                *_cert_common(),
                Attr(
                    "set_authority_key_id",
                    BOOL,
                    "Include an authority key identifier.",
                    optional=True,
                    computed=True,
                    default=False,
                ),
                Attr("key_algorithm", STRING, "Algorithm of the private key.", computed=True),
            ),
            (_subject_block(),),
            description="Creates a self-signed TLS certificate in PEM format.",
        )
    ),
    "tls_locally_signed_cert": Schema(
        Block(
            (
                Attr(
                    "cert_request_pem",
                    STRING,
                    "Certificate request data in PEM format.",
                    required=True,
                ),
                Attr("ca_cert_pem", STRING, "CA certificate in PEM format.", required=True),
                Attr(
                    "ca_private_key_pem",
                    STRING,
                    "CA private key in PEM format.",
                    required=True,
                    sensitive=True,
                ),
                *_cert_common(),
                Attr("ca_key_algorithm", STRING, "Algorithm of the CA private key.", computed=True),
            ),
            description="Creates a TLS certificate signed by a local CA.",
        )
    ),
}

CERTIFICATE_OBJECT: CtyType = [
    "object",
    {
        "cert_pem": STRING,
        "is_ca": BOOL,
        "issuer": STRING,
        "not_after": STRING,
        "not_before": STRING,
        "public_key_algorithm": STRING,
        "serial_number": STRING,
        "sha1_fingerprint": STRING,
        "signature_algorithm": STRING,
        "subject": STRING,
        "version": NUMBER,
    },
]

DATA_SOURCES: dict[str, Schema] = {
    "tls_public_key": Schema(
        Block(
            (
                Attr(
                    "private_key_pem",
                    STRING,
                    "Private key in PEM format.",
                    optional=True,
                    sensitive=True,
                ),
                Attr(
                    "private_key_openssh",
                    STRING,
                    "Private key in OpenSSH format.",
                    optional=True,
                    sensitive=True,
                ),
                Attr("algorithm", STRING, "Algorithm of the key.", computed=True),
                Attr("id", STRING, "SHA-1 hex of the public key.", computed=True),
                Attr("public_key_pem", STRING, "Public key, PEM (PKIX).", computed=True),
                Attr("public_key_openssh", STRING, "Public key, OpenSSH format.", computed=True),
                Attr(
                    "public_key_fingerprint_md5", STRING, "MD5 OpenSSH fingerprint.", computed=True
                ),
                Attr(
                    "public_key_fingerprint_sha256",
                    STRING,
                    "SHA256 OpenSSH fingerprint.",
                    computed=True,
                ),
            ),
            description="Get a public key from a PEM-encoded private key.",
        )
    ),
    "tls_certificate": Schema(
        Block(
            (
                Attr(
                    "content",
                    STRING,
                    "PEM content of certificates (conflicts with url).",
                    optional=True,
                ),
                Attr(
                    "url",
                    STRING,
                    "URL of an endpoint to get certificates from (conflicts with content).",
                    optional=True,
                ),
                Attr(
                    "verify_chain", BOOL, "Verify the chain when reading from a URL.", optional=True
                ),
                Attr("id", STRING, "Unique identifier of this data source.", computed=True),
                Attr(
                    "certificates",
                    ["list", CERTIFICATE_OBJECT],
                    "The certificates, in the order given.",
                    computed=True,
                ),
            ),
            description="Get information about one or more certificates.",
        )
    ),
}


EPHEMERAL_RESOURCES: dict[str, Schema] = {
    # ephemeral_private_key.go: like the managed key, but rsa_bits/ecdsa_curve have no
    # Default in the schema (the provider fills them at open) and nothing forces replacement.
    "tls_private_key": Schema(
        Block(
            (
                Attr(
                    "algorithm",
                    STRING,
                    "Name of the algorithm: RSA, ECDSA or ED25519.",
                    required=True,
                ),
                Attr(
                    "rsa_bits",
                    NUMBER,
                    "RSA key size in bits (default 2048).",
                    optional=True,
                    computed=True,
                ),
                Attr(
                    "ecdsa_curve",
                    STRING,
                    "ECDSA curve (default P224).",
                    optional=True,
                    computed=True,
                ),
                Attr("private_key_pem", STRING, "Private key, PEM.", computed=True, sensitive=True),
                Attr(
                    "private_key_openssh",
                    STRING,
                    "Private key, OpenSSH PEM.",
                    computed=True,
                    sensitive=True,
                ),
                Attr(
                    "private_key_pem_pkcs8",
                    STRING,
                    "Private key, PEM (PKCS#8).",
                    computed=True,
                    sensitive=True,
                ),
                Attr("public_key_pem", STRING, "Public key, PEM (PKIX).", computed=True),
                Attr("public_key_openssh", STRING, "Public key, OpenSSH format.", computed=True),
                Attr(
                    "public_key_fingerprint_md5", STRING, "MD5 OpenSSH fingerprint.", computed=True
                ),
                Attr(
                    "public_key_fingerprint_sha256",
                    STRING,
                    "SHA256 OpenSSH fingerprint.",
                    computed=True,
                ),
            ),
            description="Creates a PEM (and OpenSSH) formatted private key, never stored.",
        )
    )
}


def _attr_proto(pb: Any, attr: Attr) -> Any:
    return pb.Schema.Attribute(
        name=attr.name,
        type=json.dumps(attr.type).encode(),
        description=attr.description,
        required=attr.required,
        optional=attr.optional,
        computed=attr.computed,
        sensitive=attr.sensitive,
    )


def _block_proto(pb: Any, block: Block) -> Any:
    return pb.Schema.Block(
        attributes=[_attr_proto(pb, a) for a in sorted(block.attributes, key=lambda a: a.name)],
        block_types=[
            pb.Schema.NestedBlock(
                type_name=nb.name,
                block=_block_proto(pb, nb.block),
                nesting=pb.Schema.NestedBlock.LIST,
            )
            for nb in block.blocks
        ],
        description=block.description,
    )


def to_proto(pb: Any, schema: Schema) -> Any:
    """Build the tfplugin6 Schema message (pb is the tfplugin_pb2 module)."""
    return pb.Schema(version=schema.version, block=_block_proto(pb, schema.block))
