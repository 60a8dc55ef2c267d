"""X.509 work for the certificate resources and the tls_certificate data source.

Mirrors what hashicorp/tls 4.1.0 gets from Go's crypto/x509: random 128-bit serials,
NotBefore = now (no backdating), critical basic constraints on every certificate, critical
key usage, subject key identifier for CAs (or on request), the CA's SKI as the leaf's
authority key identifier, and Go's choice of signature hash per key (SHA-256 for RSA and
P-224/P-256, SHA-384 for P-384, SHA-512 for P-521, none for Ed25519).
"""

import hashlib
import ipaddress
import secrets
import threading
import warnings
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID, ObjectIdentifier

from tls_standin import clock, golike, keys
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


# encoding/asn1 writes a Go string as PrintableString when every character is in this
# set ('*' and '&' excluded, as Marshal does), otherwise as UTF8String.
_PRINTABLE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?")
_SINGLE_VALUED = frozenset({"common_name", "serial_number"})


def _go_string_attribute(oid: ObjectIdentifier, value: str) -> x509.NameAttribute[str]:
    """A name attribute typed as Go's asn1.Marshal types a plain string."""
    kind = _ASN1Type.PrintableString if set(value) <= _PRINTABLE else _ASN1Type.UTF8String
    with warnings.catch_warnings():  # Go checks no lengths (2-letter C, 64-char CN)
        warnings.simplefilter("ignore")
        return x509.NameAttribute(oid, value, kind, _validate=False)


def _name_from_fields(fields: dict[str, list[str]], email: str | None) -> x509.Name:
    """pkix.Name.ToRDNSequence: fixed type order, one RDN per type (a SET when several
    values), CN and SERIALNUMBER only when non-empty, emailAddress (ExtraNames) last."""
    rdns: list[x509.RelativeDistinguishedName] = []
    for name, oid in _SUBJECT_FIELDS:
        values = fields.get(name, [])
        if name in _SINGLE_VALUED:
            values = [values[-1]] if values and values[-1] else []
        if values:
            attrs = [_go_string_attribute(oid, v) for v in values]
            rdns.append(x509.RelativeDistinguishedName(attrs))
    if email is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            attr = x509.NameAttribute(
                NameOID.EMAIL_ADDRESS, email, _ASN1Type.IA5String, _validate=False
            )
        rdns.append(x509.RelativeDistinguishedName([attr]))
    return x509.Name(rdns)


def build_name(subject: dict[str, Any] | None) -> x509.Name:
    """An X.509 name from a `subject` block value, as createSubjectDistinguishedNames and
    Go's marshalling write it (PrintableString where the value allows)."""
    fields: dict[str, list[str]] = {}
    email: str | None = None
    for name, _oid in _SUBJECT_FIELDS:
        value = (subject or {}).get(name)
        if value is None:
            continue
        if name == "email_address":
            email = str(value)
        elif isinstance(value, list):
            fields[name] = [str(v) for v in value if v is not None]
        else:
            fields[name] = [str(value)]
    try:
        return _name_from_fields(fields, email)
    except ValueError as exc:
        raise TLSError("Invalid subject", str(exc), "subject") from None


def subject_from_csr(name: x509.Name) -> x509.Name:
    """The leaf subject Go writes for a CSR: parsed into pkix.Name and re-marshalled, so
    attributes pkix.Name has no field for (emailAddress included) are dropped."""
    by_oid = {oid.dotted_string: field for field, oid in _SUBJECT_FIELDS}
    fields: dict[str, list[str]] = {}
    for rdn in name.rdns:
        for attr in rdn:
            field = by_oid.get(attr.oid.dotted_string)
            if field is None or field == "email_address" or not isinstance(attr.value, str):
                continue
            fields.setdefault(field, []).append(attr.value)
    return _name_from_fields(fields, None)


def _escape(value: str) -> str:
    out = []
    for i, ch in enumerate(value):
        special = ch in ',+"\\<>;' or (i == 0 and ch in "# ") or (i == len(value) - 1 and ch == " ")
        out.append("\\" + ch if special else ch)
    return "".join(out)


# Types pkix.Name parses into named fields (CN, SERIALNUMBER, C, L, ST, STREET, O, OU,
# POSTALCODE); String() prints every other parsed attribute before them.
_NAMED_FIELD_OIDS = frozenset(f"2.5.4.{n}" for n in (3, 5, 6, 7, 8, 9, 10, 11, 17))


def go_name_string(name: x509.Name) -> str:
    """Format like Go's pkix.Name.String() of a parsed name (RFC 2253 style, reversed).

    Go rebuilds the sequence from the parsed fields: other attributes first (so they print
    last), then C, ST, L, STREET, POSTALCODE, O, OU, CN, SERIALNUMBER, one RDN per type.
    """
    by_oid = {oid.dotted_string: field for field, oid in _SUBJECT_FIELDS}
    extra: list[list[tuple[str, str]]] = []
    fields: dict[str, list[str]] = {}
    for rdn in name.rdns:
        for attr in rdn:
            value = attr.value if isinstance(attr.value, str) else bytes(attr.value).hex()
            dotted = attr.oid.dotted_string
            if dotted in _NAMED_FIELD_OIDS:
                fields.setdefault(by_oid[dotted], []).append(value)
            else:
                extra.append([(dotted, value)])
    sequence = list(extra)
    for field, oid in _SUBJECT_FIELDS:
        values = fields.get(field, [])
        if field in _SINGLE_VALUED:
            values = [values[-1]] if values and values[-1] else []
        if values and field != "email_address":
            sequence.append([(oid.dotted_string, v) for v in values])
    parts: list[str] = []
    for rdn_values in reversed(sequence):
        atvs = []
        for dotted, value in rdn_values:
            label = _GO_ATTR_NAMES.get(dotted)
            if label is None:
                atvs.append(f"{dotted}=#{_go_string_der(value).hex()}")
            else:
                atvs.append(f"{label}={_escape(value)}")
        parts.append("+".join(atvs))
    return ",".join(parts)


def _go_string_der(value: str) -> bytes:
    """asn1.Marshal of a Go string: PrintableString if it can be, else UTF8String."""
    raw = value.encode()
    tag = 0x13 if set(value) <= _PRINTABLE else 0x0C
    return bytes([tag]) + _der_length(len(raw)) + raw


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


def _decode_pem(pem: str, expected: str) -> bytes:
    """decodePEM (resource_locally_signed_cert.go): the first block, of the expected type."""
    block = golike.pem_decode(pem.encode())
    if block is None:
        raise ValueError(
            f"failed to decode PEM of expected type {golike.go_quote(expected)} from bytes"
        )
    if block.type != expected:
        raise ValueError(
            f"invalid PEM type - expected {golike.go_quote(expected)}, "
            f"got {golike.go_quote(block.type)}"
        )
    return block.data


def create_csr(
    key: keys.PrivateKey, subject: dict[str, Any] | None, sans: list[x509.GeneralName]
) -> tuple[str, bytes]:
    """A CSR signed with the given key (tls_cert_request), as PEM and as DER."""
    builder = x509.CertificateSigningRequestBuilder().subject_name(build_name(subject))
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    csr = builder.sign(key, _hash_for(key))  # type: ignore[arg-type]
    pem = csr.public_bytes(serialization.Encoding.PEM).decode()
    return pem, csr.public_bytes(serialization.Encoding.DER)


def load_csr(pem: str) -> x509.CertificateSigningRequest:
    """parseCertificateRequest, with the real provider's diagnostic summary."""
    summary = "Failed to parse certificate request PEM"
    try:
        der = _decode_pem(pem, "CERTIFICATE REQUEST")
    except ValueError as exc:
        raise TLSError(summary, str(exc)) from None
    try:
        return x509.load_der_x509_csr(der)
    except ValueError as exc:
        raise TLSError(summary, f"failed to parse certificate request: {exc}") from None


def go_parse_refusal(der: bytes) -> str | None:
    """Go's x509.ParseCertificate error for a certificate cryptography reads; None if Go reads it.

    Go 1.23+ refuses a negative serial (the provider's go.mod, go 1.23.7, keeps that default)
    and an EC key whose parameters are not a named-curve OID. An RSASSA-PSS key it parses as
    an unknown algorithm, so that CA fails where its key is read (keys.py). Malformed DER
    gives None: cryptography then reports it.
    """
    try:
        tbs = keys.der_children(keys.der_read(der)[1])[0][1]
        fields = keys.der_children(tbs)
        if fields[0][0] == keys.DER_CONTEXT_0:  # [0] version
            fields = fields[1:]
        serial_tag, serial = fields[0]
        if serial_tag == keys.DER_INTEGER and serial and serial[0] & 0x80:
            return "x509: negative serial number"
        algorithm = keys.der_children(keys.der_children(fields[5][1])[0][1])
        named = len(algorithm) > 1 and algorithm[1][0] == keys.DER_OID
        if keys.oid_text(algorithm[0][1]) == keys.ID_EC_PUBLIC_KEY and not named:
            return "x509: invalid ECDSA parameters"
    except (ValueError, IndexError):
        return None
    return None


def load_ca_cert(pem: str) -> x509.Certificate:
    """parseCertificate for ca_cert_pem (first block only), cached by a hash of the PEM."""
    digest = hashlib.sha256(pem.encode()).digest()
    with _ca_cert_lock:
        cached = _ca_cert_cache.get(digest)
    if cached is not None:
        return cached
    summary = "Failed to parse CA certificate PEM"
    try:
        der = _decode_pem(pem, "CERTIFICATE")
    except ValueError as exc:
        raise TLSError(summary, str(exc)) from None
    refusal = go_parse_refusal(der)
    if refusal is not None:
        raise TLSError(summary, f"failed to parse certificate: {refusal}")
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise TLSError(summary, f"failed to parse certificate: {exc}") from None
    with _ca_cert_lock:
        _ca_cert_cache[digest] = cert
    return cert


# Go's x509.KeyUsage bit positions (KeyUsageDigitalSignature = 1 << 0, ...).
_KEY_USAGE_BITS = {use: bit for bit, use in enumerate(KEY_USAGES)}


def _key_usage_extension(flags: int) -> x509.UnrecognizedExtension:
    """The KeyUsage value as Go marshals it: a DER named BIT STRING, bits reversed per byte.

    Written by hand because cryptography refuses encipher_only/decipher_only without
    key_agreement, which Go (and so the real provider) accepts.
    """
    octets = bytes([int(f"{(flags >> shift) & 0xFF:08b}"[::-1], 2) for shift in (0, 8)])
    octets = octets[:2] if octets[1] else octets[:1]
    last = octets[-1]
    unused = (last & -last).bit_length() - 1 if last else 0
    value = bytes([0x03, len(octets) + 1, unused]) + octets
    return x509.UnrecognizedExtension(ExtensionOID.KEY_USAGE, value)


def _usages(
    allowed_uses: list[str],
) -> tuple[x509.UnrecognizedExtension | None, x509.ExtendedKeyUsage | None]:
    bad = [u for u in allowed_uses if u not in ALLOWED_USES]
    if bad:
        raise TLSError(
            "Invalid allowed_uses value",
            f"Unsupported value(s) {', '.join(repr(b) for b in bad)}; "
            f"allowed: {', '.join(ALLOWED_USES)}",
            "allowed_uses",
        )
    flags = 0
    for use in allowed_uses:
        if use in _KEY_USAGE_BITS:
            flags |= 1 << _KEY_USAGE_BITS[use]
    key_usage = _key_usage_extension(flags) if flags else None
    ekus: list[ObjectIdentifier] = [_EKU_OIDS[use] for use in allowed_uses if use in _EKU_OIDS]
    return key_usage, (x509.ExtendedKeyUsage(ekus) if ekus else None)


def subject_key_id(public_key: keys.PublicKey) -> bytes:
    """generateSubjectKeyID (common_cert.go): SHA-1 of the PKCS#1 RSA key, of the
    uncompressed EC point, or of the Ed25519 key wrapped in an ASN.1 OCTET STRING."""
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        data = bytes([0x04, len(raw)]) + raw
    elif isinstance(public_key, rsa.RSAPublicKey):
        data = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    else:
        data = public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    return hashlib.sha1(data).digest()  # noqa: S324 - RFC 5280 key identifier


@dataclass(frozen=True)
class Issued:
    """An issued certificate and the state attributes derived from it."""

    cert_pem: str
    serial: int
    not_before_ns: int
    not_after_ns: int


def issue(
    *,
    subject: x509.Name,
    public_key: keys.PublicKey,
    sans: list[x509.GeneralName],
    issuer: x509.Name,
    signer: keys.PrivateKey,
    issuer_ski: bytes | None,
    self_signed: bool,
    set_authority_key_id: bool,
    now_ns: int,
    validity_hours: int,
    allowed_uses: list[str],
    is_ca: bool,
    set_ski: bool,
) -> Issued:
    """Build and sign a certificate like createCertificate + Go's x509.CreateCertificate.

    `issuer_ski` is the CA certificate's SubjectKeyId; a self-signed certificate's parent
    is its own template, so its parent SKI is the one generated here. The X.509 validity
    is the nanosecond instant rounded down to the second, as Go's UTCTime encoding does.
    """
    key_usage, ext_key_usage = _usages(allowed_uses)
    if is_ca and len(list(subject.rdns)) == 0:
        raise TLSError(
            "Invalid Certificate Subject",
            "Must contain at least one Distinguished Name when creating Certificate Authority (CA)",
        )
    ski = subject_key_id(public_key) if is_ca or set_ski else None
    parent_ski = ski if self_signed else issuer_ski
    aki: bytes | None = None
    if set_authority_key_id:
        if not parent_ski:
            raise TLSError(
                "Invalid Certificate Authority", "Could not determine Authority Key Identifier"
            )
        aki = parent_ski
    # Go copies the parent's SKI into the AKI whenever issuer and subject DER differ.
    if issuer.public_bytes() != subject.public_bytes() and parent_ski:
        aki = parent_ski
    serial = secrets.randbits(128)
    not_after_ns = now_ns + validity_hours * clock.NS_PER_HOUR
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(clock.whole_seconds(now_ns))
        .not_valid_after(clock.whole_seconds(not_after_ns))
    )
    if key_usage is not None:
        builder = builder.add_extension(key_usage, critical=True)
    if ext_key_usage is not None:
        builder = builder.add_extension(ext_key_usage, critical=False)
    builder = builder.add_extension(
        x509.BasicConstraints(ca=is_ca, path_length=None), critical=True
    )
    if ski is not None:
        builder = builder.add_extension(x509.SubjectKeyIdentifier(ski), critical=False)
    if aki is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier(aki, None, None), critical=False
        )
    if sans:
        # Go marks the SAN extension critical when the subject is empty (RFC 5280 4.2.1.6).
        builder = builder.add_extension(
            x509.SubjectAlternativeName(sans), critical=len(list(subject.rdns)) == 0
        )
    try:
        cert = builder.sign(signer, _hash_for(signer))  # type: ignore[arg-type]
    except ValueError as exc:
        raise TLSError("Failed to create certificate", str(exc)) from None
    return Issued(
        cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        serial=serial,
        not_before_ns=now_ns,
        not_after_ns=not_after_ns,
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


def describe_first(content: str) -> list[dict[str, Any]]:
    """The `certificates` list of data tls_certificate for `content`.

    Like the real data source, only the FIRST PEM block is read, so a bundle yields one
    certificate (data_source_certificate.go).
    """
    block = golike.pem_decode(content.encode())
    if block is None:
        raise TLSError(
            "Failed to decoded PEM", "Value is not a valid PEM encoding of a certificate", "content"
        )
    known = ("PUBLIC KEY", *keys.PRIVATE_KEY_PREAMBLES, "CERTIFICATE", "CERTIFICATE REQUEST")
    if block.type not in known:
        raise TLSError(
            "Failed to identify PEM preamble", f"unsupported PEM preamble/type: {block.type}"
        )
    if block.type != "CERTIFICATE":
        raise TLSError(
            "Unexpected PEM preamble",
            f'Certificate PEM should be "CERTIFICATE", got {golike.go_quote(block.type)}',
        )
    refusal = go_parse_refusal(block.data)
    if refusal is not None:
        raise TLSError("Unable to parse certificate", refusal)
    try:
        cert = x509.load_der_x509_certificate(block.data)
    except ValueError as exc:
        raise TLSError("Unable to parse certificate", str(exc)) from None
    return [_describe(cert)]


def _describe(cert: x509.Certificate) -> dict[str, Any]:
    """certificateToStruct: one element of `certificates`."""
    try:
        is_ca = bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        is_ca = False
    oid_name = cert.signature_algorithm_oid._name
    der = cert.public_bytes(serialization.Encoding.DER)
    return {
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


# CertificateModel's field order (models.go), which `%v` follows.
_MODEL_FIELDS = (
    "signature_algorithm",
    "public_key_algorithm",
    "serial_number",
    "is_ca",
    "version",
    "issuer",
    "subject",
    "not_before",
    "not_after",
    "sha1_fingerprint",
    "cert_pem",
)


def certificates_id(certificates: list[dict[str, Any]]) -> str:
    """The data source id: hashForState(fmt.Sprintf("%v", certs)) over the model structs,
    where framework strings print quoted (%q), bools as true/false and numbers plainly."""

    def show(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return str(value)
        return golike.go_quote(str(value))

    structs = ["{" + " ".join(show(c[f]) for f in _MODEL_FIELDS) + "}" for c in certificates]
    return keys.hash_for_state(("[" + " ".join(structs) + "]").encode())
