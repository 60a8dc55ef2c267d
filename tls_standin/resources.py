"""Create (apply) logic of the four resources and the read logic of the two data sources.

Each function takes the planned/config object (a dict with every attribute) and returns the
complete new object. Values Terraform already knows are kept as they are, so the result is
always consistent with the plan.
"""

from typing import Any

from tls_standin import clock
from tls_standin.errors import TLSError
from tls_standin.values import contains_unknown

Obj = dict[str, Any]


def _require_known(obj: Obj, *names: str) -> None:
    for name in names:
        if contains_unknown(obj.get(name)):
            raise TLSError("Value unknown at apply", f"{name} is still unknown.", name)


def _subject(obj: Obj) -> dict[str, Any] | None:
    blocks = obj.get("subject") or []
    return blocks[0] if blocks else None


def _int(obj: Obj, name: str) -> int:
    value = obj.get(name)
    if value is None:
        raise TLSError("Missing value", f"{name} is required.", name)
    number = float(value)
    if not number.is_integer() or number < 0:
        raise TLSError("Invalid value", f"{name} must be a whole number >= 0.", name)
    return int(number)


def create_private_key(obj: Obj) -> Obj:
    """tls_private_key: generate a key and expose every format."""
    from tls_standin import keys

    _require_known(obj, "algorithm", "rsa_bits", "ecdsa_curve")
    key = keys.generate(str(obj["algorithm"]), _int(obj, "rsa_bits"), str(obj["ecdsa_curve"]))
    public = key.public_key()
    return {
        **obj,
        "id": keys.public_key_id(public),
        **keys.public_attributes(public),
        **keys.private_attributes(key),
    }


def create_cert_request(obj: Obj) -> Obj:
    """tls_cert_request: a CSR for the key, subject and SANs; id = hashForState(DER)."""
    from tls_standin import certs, keys

    _require_known(obj, "private_key_pem", "dns_names", "ip_addresses", "uris", "subject")
    key = keys.load_private_key_pem(str(obj["private_key_pem"]))
    sans = certs.build_sans(obj.get("dns_names"), obj.get("ip_addresses"), obj.get("uris"))
    pem, der = certs.create_csr(key, _subject(obj), sans)
    return {
        **obj,
        "cert_request_pem": pem,
        "id": keys.hash_for_state(der),
        "key_algorithm": keys.algorithm_name(key),
    }


def _cert_state(obj: Obj, issued: Any) -> Obj:
    """Computed values of a new certificate; ready_for_renewal keeps its planned value,
    as the real Create never sets it."""
    planned_ready = obj.get("ready_for_renewal")
    return {
        **obj,
        "cert_pem": issued.cert_pem,
        "id": str(issued.serial),
        "validity_start_time": clock.timestamp(issued.not_before_ns),
        "validity_end_time": clock.timestamp(issued.not_after_ns),
        "ready_for_renewal": planned_ready if isinstance(planned_ready, bool) else False,
    }


_SELF_SIGNED_INPUTS = (
    "private_key_pem",
    "subject",
    "dns_names",
    "ip_addresses",
    "uris",
    "validity_period_hours",
    "allowed_uses",
    "is_ca_certificate",
    "set_subject_key_id",
    "set_authority_key_id",
)


def create_self_signed_cert(obj: Obj) -> Obj:
    """tls_self_signed_cert: sign a certificate with its own key."""
    from tls_standin import certs, keys

    _require_known(obj, *_SELF_SIGNED_INPUTS)
    key = keys.load_private_key_pem(str(obj["private_key_pem"]))
    subject = certs.build_name(_subject(obj))
    issued = certs.issue(
        subject=subject,
        public_key=key.public_key(),
        sans=certs.build_sans(obj.get("dns_names"), obj.get("ip_addresses"), obj.get("uris")),
        issuer=subject,
        signer=key,
        issuer_ski=None,
        self_signed=True,
        set_authority_key_id=bool(obj.get("set_authority_key_id")),
        now_ns=clock.now_ns(),
        validity_hours=_int(obj, "validity_period_hours"),
        allowed_uses=list(obj.get("allowed_uses") or []),
        is_ca=bool(obj.get("is_ca_certificate")),
        set_ski=bool(obj.get("set_subject_key_id")),
    )
    return {**_cert_state(obj, issued), "key_algorithm": keys.algorithm_name(key)}


def create_locally_signed_cert(obj: Obj) -> Obj:
    """tls_locally_signed_cert: sign a CSR's key, subject and SANs with a local CA.

    Inputs are parsed in the real provider's order (CSR, CA key, CA certificate), so the
    first bad input is the one reported.
    """
    from tls_standin import certs, keys

    _require_known(obj, "cert_request_pem", "ca_cert_pem", "ca_private_key_pem", "allowed_uses")
    csr = certs.load_csr(str(obj["cert_request_pem"]))
    ca_key = keys.load_private_key_pem(
        str(obj["ca_private_key_pem"]), "Failed to parse CA private key PEM"
    )
    ca_cert = certs.load_ca_cert(str(obj["ca_cert_pem"]))
    if not certs.same_public_key(ca_cert.public_key(), ca_key.public_key()):
        raise TLSError(
            "Failed to create certificate",
            "x509: provided PrivateKey doesn't match parent's PublicKey",
        )
    issued = certs.issue(
        subject=certs.subject_from_csr(csr.subject),
        public_key=csr.public_key(),  # type: ignore[arg-type]
        sans=certs.csr_sans(csr),
        issuer=ca_cert.subject,
        signer=ca_key,
        issuer_ski=certs.ski_of(ca_cert),
        self_signed=False,
        set_authority_key_id=False,
        now_ns=clock.now_ns(),
        validity_hours=_int(obj, "validity_period_hours"),
        allowed_uses=list(obj.get("allowed_uses") or []),
        is_ca=bool(obj.get("is_ca_certificate")),
        set_ski=bool(obj.get("set_subject_key_id")),
    )
    return {**_cert_state(obj, issued), "ca_key_algorithm": keys.algorithm_name(ca_key)}


CREATORS = {
    "tls_private_key": create_private_key,
    "tls_cert_request": create_cert_request,
    "tls_self_signed_cert": create_self_signed_cert,
    "tls_locally_signed_cert": create_locally_signed_cert,
}


def read_public_key(obj: Obj) -> Obj:
    """data tls_public_key: public parts of a PEM or OpenSSH private key."""
    from tls_standin import keys

    pem, openssh = obj.get("private_key_pem"), obj.get("private_key_openssh")
    if (pem is None) == (openssh is None):
        raise TLSError(
            "Invalid combination of arguments",
            "Exactly one of private_key_pem or private_key_openssh must be set.",
        )
    if pem is not None:
        key = keys.load_private_key_pem(str(pem), "Unable to parse private key")
    else:
        key = keys.load_private_key_openssh(str(openssh))
    public = key.public_key()
    return {
        **obj,
        "algorithm": keys.algorithm_name(key),
        "id": keys.public_key_id(public),
        **keys.public_attributes(public),
    }


def read_certificate(obj: Obj) -> Obj:
    """data tls_certificate: the first certificate of `content`; `url` needs a network."""
    from tls_standin import certs

    content, url = obj.get("content"), obj.get("url")
    if (content is None) == (url is None):
        raise TLSError(
            "Invalid combination of arguments", "Exactly one of content or url must be set."
        )
    if url is not None:
        raise TLSError(
            "url is not supported by the offline tls stand-in",
            "This offline stand-in for hashicorp/tls has no network access; "
            "pass the PEM with `content` instead.",
            "url",
        )
    described = certs.describe_first(str(content))
    return {
        **obj,
        "verify_chain": True if obj.get("verify_chain") is None else obj["verify_chain"],
        "id": certs.certificates_id(described),
        "certificates": described,
    }


READERS = {"tls_public_key": read_public_key, "tls_certificate": read_certificate}
