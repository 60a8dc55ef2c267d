"""X.509 work for the certificate resources and the tls_certificate data source.

Mirrors what hashicorp/tls 4.1.0 gets from Go's crypto/x509: random 128-bit serials,
NotBefore = now (no backdating), critical basic constraints on every certificate, critical
key usage, subject key identifier for CAs (or on request), the CA's SKI as the leaf's
authority key identifier, and Go's choice of signature hash per key (SHA-256 for RSA and
P-224/P-256, SHA-384 for P-384, SHA-512 for P-521, none for Ed25519).
"""

import datetime as dt
import hashlib
import ipaddress
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from tls_standin import keys
from tls_standin.errors import TLSError
from tls_standin.schema import ALLOWED_USES, KEY_USAGES

_EKU_OIDS: dict[str, ObjectIdentifier] = {
    "any_extended": ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
    "server_auth": ExtendedKeyUsageOID.SERVER_AUTH,
    "client_auth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "code_signing": ExtendedKeyUsageOID.CODE_SIGNING,
    "email_protection": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "ipsec_end_system": ObjectIdentifier("1.3.6.1.5.5.7.3.5"),
    "ipsec_tunnel": ObjectIdentifier("1.3.6.1.5.5.7.3.6"),
    "ipsec_user": ObjectIdentifier("1.3.6.1.5.5.7.3.7"),
    "timestamping": ExtendedKeyUsageOID.TIME_STAMPING,
    "ocsp_signing": ExtendedKeyUsageOID.OCSP_SIGNING,
    "microsoft_server_gated_crypto": ObjectIdentifier("1.3.6.1.4.1.311.10.3.3"),
    "netscape_server_gated_crypto": ObjectIdentifier("2.16.840.1.113730.4.1"),
    "microsoft_commercial_code_signing": ObjectIdentifier("1.3.6.1.4.1.311.2.1.22"),
    "microsoft_kernel_code_signing": ObjectIdentifier("1.3.6.1.4.1.311.61.1.1"),
}

# Go's pkix.Name.ToRDNSequence order, and the short names pkix.Name.String() prints.
_SUBJECT_FIELDS: tuple[tuple[str, ObjectIdentifier], ...] = (
    ("country", NameOID.COUNTRY_NAME),
    ("province", NameOID.STATE_OR_PROVINCE_NAME),
    ("locality", NameOID.LOCALITY_NAME),
    ("street_address", NameOID.STREET_ADDRESS),
    ("postal_code", NameOID.POSTAL_CODE),
    ("organization", NameOID.ORGANIZATION_NAME),
    ("organizational_unit", NameOID.ORGANIZATIONAL_UNIT_NAME),
    ("common_name", NameOID.COMMON_NAME),
    ("serial_number", NameOID.SERIAL_NUMBER),
    ("email_address", NameOID.EMAIL_ADDRESS),
)
_GO_ATTR_NAMES: dict[str, str] = {
    NameOID.COUNTRY_NAME.dotted_string: "C",
    NameOID.STATE_OR_PROVINCE_NAME.dotted_string: "ST",
    NameOID.LOCALITY_NAME.dotted_string: "L",
    NameOID.STREET_ADDRESS.dotted_string: "STREET",
    NameOID.POSTAL_CODE.dotted_string: "POSTALCODE",
    NameOID.ORGANIZATION_NAME.dotted_string: "O",
    NameOID.ORGANIZATIONAL_UNIT_NAME.dotted_string: "OU",
    NameOID.COMMON_NAME.dotted_string: "CN",
    NameOID.SERIAL_NUMBER.dotted_string: "SERIALNUMBER",
}

_ca_cert_lock = threading.Lock()
_ca_cert_cache: dict[bytes, x509.Certificate] = {}


def build_name(subject: dict[str, Any] | None) -> x509.Name:
    """An X.509 name from a `subject` block value, in Go's attribute order."""
    rdns: list[x509.RelativeDistinguishedName] = []
    if subject:
        for field, oid in _SUBJECT_FIELDS:
            value = subject.get(field)
            values = value if isinstance(value, list) else [value]
            for item in values:
                if item:
                    try:
                        attribute = x509.NameAttribute(oid, str(item))
                    except ValueError as exc:
                        raise TLSError(
                            "Invalid subject", f"subject.{field}: {exc}", "subject"
                        ) from None
                    rdns.append(x509.RelativeDistinguishedName([attribute]))
    return x509.Name(rdns)


def _escape(value: str) -> str:
    out = []
    for i, ch in enumerate(value):
        special = ch in ',+"\\<>;' or (i == 0 and ch in "# ") or (i == len(value) - 1 and ch == " ")
        out.append("\\" + ch if special else ch)
    return "".join(out)


def go_name_string(name: x509.Name) -> str:
    """Format like Go's pkix.Name.String(): RFC 2253, last RDN first (e.g. CN=x,O=y,C=GB)."""
    parts: list[str] = []
    for rdn in reversed(list(name.rdns)):
        atvs = []
        for attr in rdn:
            label = _GO_ATTR_NAMES.get(attr.oid.dotted_string)
            if label is None:
                atvs.append(f"{attr.oid.dotted_string}=#{_value_der_hex(attr)}")
            else:
                atvs.append(f"{label}={_escape(str(attr.value))}")
        parts.append("+".join(atvs))
    return ",".join(parts)


def _value_der_hex(attr: x509.NameAttribute[Any]) -> str:
    """Go prints attributes it has no short name for as `OID=#<hex DER of the value>`."""
    value = attr.value.encode() if isinstance(attr.value, str) else bytes(attr.value)
    tag = 0x16 if attr.oid == NameOID.EMAIL_ADDRESS else 0x13  # IA5String / PrintableString
    return (bytes([tag]) + _der_length(len(value)) + value).hex()


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def build_sans(
    dns_names: list[str] | None, ip_addresses: list[str] | None, uris: list[str] | None
) -> list[x509.GeneralName]:
    """Subject alternative names in Go's order: DNS, IP, URI."""
    names: list[x509.GeneralName] = []
    for dns in dns_names or []:
        names.append(x509.DNSName(dns))
    for ip in ip_addresses or []:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(ip)))
        except ValueError:
            raise TLSError(
                "Invalid IP address", f'"{ip}" is not a valid IP address', "ip_addresses"
            ) from None
    for uri in uris or []:
        names.append(x509.UniformResourceIdentifier(uri))
    return names


def _hash_for(key: keys.PrivateKey) -> hashes.HashAlgorithm | None:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return None
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if key.curve.key_size == 384:
            return hashes.SHA384()
        if key.curve.key_size == 521:
            return hashes.SHA512()
    return hashes.SHA256()


def _pem_block(pem: str, label: str, attribute: str) -> bytes:
    text = pem.strip()
    if f"-----BEGIN {label}-----" not in text:
        raise TLSError(
            f"Failed to decode {label} PEM", f'{attribute} holds no "{label}" PEM block.', attribute
        )
    return pem.encode()


def create_csr(key_pem: str, subject: dict[str, Any] | None, sans: list[x509.GeneralName]) -> str:
    """A PEM CSR signed with the given key (tls_cert_request)."""
    key = keys.load_private_key_pem(key_pem)
    builder = x509.CertificateSigningRequestBuilder().subject_name(build_name(subject))
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    csr = builder.sign(key, _hash_for(key))  # type: ignore[arg-type]
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def load_csr(pem: str) -> x509.CertificateSigningRequest:
    """Parse a PEM CSR, as a user error when it is not one."""
    data = _pem_block(pem, "CERTIFICATE REQUEST", "cert_request_pem")
    try:
        return x509.load_pem_x509_csr(data)
    except ValueError as exc:
        raise TLSError(
            "Failed to parse certificate request", str(exc), "cert_request_pem"
        ) from None


def load_ca_cert(pem: str) -> x509.Certificate:
    """Parse the CA certificate, cached by a hash of the PEM."""
    digest = hashlib.sha256(pem.encode()).digest()
    with _ca_cert_lock:
        cached = _ca_cert_cache.get(digest)
    if cached is not None:
        return cached
    data = _pem_block(pem, "CERTIFICATE", "ca_cert_pem")
    try:
        cert = x509.load_pem_x509_certificate(data)
    except ValueError as exc:
        raise TLSError("Failed to parse CA certificate", str(exc), "ca_cert_pem") from None
    with _ca_cert_lock:
        _ca_cert_cache[digest] = cert
    return cert


def _usages(allowed_uses: list[str]) -> tuple[x509.KeyUsage | None, x509.ExtendedKeyUsage | None]:
    bad = [u for u in allowed_uses if u not in ALLOWED_USES]
    if bad:
        raise TLSError(
            "Invalid allowed_uses value",
            f"Unsupported value(s) {', '.join(repr(b) for b in bad)}; "
            f"allowed: {', '.join(ALLOWED_USES)}",
            "allowed_uses",
        )
    flags = {u: (u in allowed_uses) for u in KEY_USAGES}
    key_usage = None
    if any(flags.values()):
        try:
            key_usage = x509.KeyUsage(
                digital_signature=flags["digital_signature"],
                content_commitment=flags["content_commitment"],
                key_encipherment=flags["key_encipherment"],
                data_encipherment=flags["data_encipherment"],
                key_agreement=flags["key_agreement"],
                key_cert_sign=flags["cert_signing"],
                crl_sign=flags["crl_signing"],
                encipher_only=flags["encipher_only"],
                decipher_only=flags["decipher_only"],
            )
        except ValueError as exc:
            raise TLSError("Invalid allowed_uses combination", str(exc), "allowed_uses") from None
    ekus: list[ObjectIdentifier] = []
    for use in allowed_uses:
        oid = _EKU_OIDS.get(use)
        if oid is not None and oid not in ekus:
            ekus.append(oid)
    return key_usage, (x509.ExtendedKeyUsage(ekus) if ekus else None)


@dataclass(frozen=True)
class Issued:
    """An issued certificate and the state attributes derived from it."""

    cert_pem: str
    serial: int
    not_before: dt.datetime
    not_after: dt.datetime


def issue(
    *,
    subject: x509.Name,
    public_key: keys.PublicKey,
    sans: list[x509.GeneralName],
    issuer: x509.Name,
    signer: keys.PrivateKey,
    issuer_ski: bytes | None,
    self_signed_aki: bool,
    now: dt.datetime,
    validity_hours: int,
    allowed_uses: list[str],
    is_ca: bool,
    set_ski: bool,
) -> Issued:
    """Build and sign a certificate like Go's x509.CreateCertificate with the tls template."""
    key_usage, ext_key_usage = _usages(allowed_uses)
    serial = secrets.randbits(128)
    not_after = now + dt.timedelta(hours=validity_hours)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(now)
        .not_valid_after(not_after)
    )
    if key_usage is not None:
        builder = builder.add_extension(key_usage, critical=True)
    if ext_key_usage is not None:
        builder = builder.add_extension(ext_key_usage, critical=False)
    builder = builder.add_extension(
        x509.BasicConstraints(ca=is_ca, path_length=None), critical=True
    )
    ski: bytes | None = None
    if is_ca or set_ski:
        ski = x509.SubjectKeyIdentifier.from_public_key(public_key).digest
        builder = builder.add_extension(x509.SubjectKeyIdentifier(ski), critical=False)
    aki = ski if self_signed_aki else issuer_ski
    if aki is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier(aki, None, None), critical=False
        )
    if sans:
        # Go marks the SAN extension critical when the subject is empty (RFC 5280 4.2.1.6).
        builder = builder.add_extension(
            x509.SubjectAlternativeName(sans), critical=len(list(subject.rdns)) == 0
        )
    cert = builder.sign(signer, _hash_for(signer))  # type: ignore[arg-type]
    return Issued(
        cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        serial=serial,
        not_before=now,
        not_after=not_after,
    )


def ski_of(cert: x509.Certificate) -> bytes | None:
    """The subject key identifier of a certificate, if it has one."""
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except x509.ExtensionNotFound:
        return None


def csr_sans(csr: x509.CertificateSigningRequest) -> list[x509.GeneralName]:
    """DNS, IP and URI SANs requested by a CSR (what Go's template copies)."""
    try:
        ext = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    kinds = (x509.DNSName, x509.IPAddress, x509.UniformResourceIdentifier)
    return [name for kind in kinds for name in ext if isinstance(name, kind)]


def same_public_key(a: keys.PublicKey | Any, b: keys.PublicKey | Any) -> bool:
    """Compare two public keys by their DER encoding."""
    der = serialization.Encoding.DER
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    return bool(a.public_bytes(der, spki) == b.public_bytes(der, spki))


_SIG_NAMES: dict[str, str] = {
    "sha1WithRSAEncryption": "SHA1-RSA",
    "sha256WithRSAEncryption": "SHA256-RSA",
    "sha384WithRSAEncryption": "SHA384-RSA",
    "sha512WithRSAEncryption": "SHA512-RSA",
    "ecdsa-with-SHA1": "ECDSA-SHA1",
    "ecdsa-with-SHA256": "ECDSA-SHA256",
    "ecdsa-with-SHA384": "ECDSA-SHA384",
    "ecdsa-with-SHA512": "ECDSA-SHA512",
    "ed25519": "Ed25519",
    "RSASSA-PSS": "SHA256-RSAPSS",
}


def _public_key_algorithm(cert: x509.Certificate) -> str:
    public = cert.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        return "RSA"
    if isinstance(public, ec.EllipticCurvePublicKey):
        return "ECDSA"
    if isinstance(public, ed25519.Ed25519PublicKey):
        return "Ed25519"
    return "UnknownPublicKeyAlgorithm"


def describe_chain(content: str) -> list[dict[str, Any]]:
    """The `certificates` list of data tls_certificate for a PEM (possibly a chain)."""
    try:
        certs = x509.load_pem_x509_certificates(content.encode())
    except ValueError as exc:
        raise TLSError("Failed to parse certificate content", str(exc), "content") from None
    out: list[dict[str, Any]] = []
    for cert in certs:
        try:
            is_ca = bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
        except x509.ExtensionNotFound:
            is_ca = False
        oid_name = cert.signature_algorithm_oid._name
        der = cert.public_bytes(serialization.Encoding.DER)
        out.append(
            {
                "cert_pem": cert.public_bytes(serialization.Encoding.PEM).decode(),
                "is_ca": is_ca,
                "issuer": go_name_string(cert.issuer),
                "subject": go_name_string(cert.subject),
                "not_before": cert.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "not_after": cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "public_key_algorithm": _public_key_algorithm(cert),
                "serial_number": str(cert.serial_number),
                "sha1_fingerprint": hashlib.sha1(der).hexdigest(),  # noqa: S324 - fingerprint
                "signature_algorithm": _SIG_NAMES.get(oid_name, oid_name),
                "version": cert.version.value + 1,
            }
        )
    return out
