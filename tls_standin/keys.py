"""Private and public keys: generation, parsing and the formats hashicorp/tls exposes.

Formats follow the real provider (Go's crypto/x509 and x/crypto/ssh): PKCS#1 PEM for RSA,
SEC1 "EC PRIVATE KEY" for ECDSA and PKCS#8 for Ed25519; OpenSSH fields are empty for
P-224 (OpenSSH has no such curve). Parsing follows the real parsePrivateKeyPEM
(common_key.go): only the first PEM block is read, and only its three private-key types.
Parsed keys are cached by a hash of the PEM, so signing many certificates with one large
CA key parses it once per process.
"""

import base64
import hashlib
import threading
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from tls_standin import golike
from tls_standin.errors import TLSError

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey

_CURVES: dict[str, type[ec.EllipticCurve]] = {
    "P224": ec.SECP224R1,
    "P256": ec.SECP256R1,
    "P384": ec.SECP384R1,
    "P521": ec.SECP521R1,
}

_cache_lock = threading.Lock()
_key_cache: dict[bytes, PrivateKey] = {}


def generate(algorithm: str, rsa_bits: int, ecdsa_curve: str) -> PrivateKey:
    """Generate a key as tls_private_key does."""
    if algorithm == "RSA":
        if rsa_bits < 1024 or rsa_bits > 16384:
            raise TLSError(
                "Invalid rsa_bits", f"rsa_bits must be 1024..16384, got {rsa_bits}", "rsa_bits"
            )
        return rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
    if algorithm == "ECDSA":
        curve = _CURVES.get(ecdsa_curve)
        if curve is None:
            raise TLSError(
                "Unsupported ECDSA curve",
                f'ecdsa_curve must be one of {", ".join(_CURVES)}, got "{ecdsa_curve}"',
                "ecdsa_curve",
            )
        return ec.generate_private_key(curve())
    if algorithm == "ED25519":
        return ed25519.Ed25519PrivateKey.generate()
    raise TLSError(
        "Unsupported private key algorithm",
        f'algorithm must be one of RSA, ECDSA, ED25519, got "{algorithm}"',
        "algorithm",
    )


# parsePrivateKeyPEM (common_key.go) knows three PEM types, each with its own Go parser.
PRIVATE_KEY_PREAMBLES = ("RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY")
# pemBlockToPEMPreamble (types.go) also recognises these, but has no key parser for them.
_OTHER_PREAMBLES = ("PUBLIC KEY", "CERTIFICATE", "CERTIFICATE REQUEST")
_GO_CURVES = ("secp224r1", "secp256r1", "secp384r1", "secp521r1")
# ParsePKCS8PrivateKey's algorithms: rsaEncryption, id-ecPublicKey, Ed25519, X25519. Not
# id-RSASSA-PSS (1.2.840.113549.1.1.10): Go has no key type for it.
_PKCS8_ALGORITHMS = ("1.2.840.113549.1.1.1", "1.2.840.10045.2.1", "1.3.101.112", "1.3.101.110")
ID_EC_PUBLIC_KEY = "1.2.840.10045.2.1"
DER_INTEGER, DER_OID, DER_CONTEXT_0 = 0x02, 0x06, 0xA0
_NO_CURVE = "x509: unknown elliptic curve"


def der_read(data: bytes, pos: int = 0) -> tuple[int, bytes, int]:
    """One DER element at pos: (tag, contents, position after it). ValueError if cut short.

    Only what Go's parse rules need that cryptography hides: it reads explicit EC
    parameters and RSA-PSS keys and hands them back in the forms Go accepts.
    """
    if pos + 2 > len(data):
        raise ValueError("truncated DER")
    tag, length, pos = data[pos], data[pos + 1], pos + 2
    if length & 0x80:
        size = length & 0x7F
        if not 0 < size <= 4 or pos + size > len(data):
            raise ValueError("bad DER length")
        length, pos = int.from_bytes(data[pos : pos + size], "big"), pos + size
    if pos + length > len(data):
        raise ValueError("truncated DER")
    return tag, data[pos : pos + length], pos + length


def der_children(contents: bytes) -> list[tuple[int, bytes]]:
    """(tag, contents) of each element in a constructed value's contents."""
    found, pos = [], 0
    while pos < len(contents):
        tag, body, pos = der_read(contents, pos)
        found.append((tag, body))
    return found


def oid_text(body: bytes) -> str:
    """An OBJECT IDENTIFIER's contents in dotted form, as Go's ObjectIdentifier.String()."""
    arcs, value = [], 0
    for byte in body:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    if not arcs:
        raise ValueError("empty OID")
    first = min(arcs[0] // 40, 2)
    return ".".join(str(arc) for arc in (first, arcs[0] - 40 * first, *arcs[1:]))


def _sec1_names_curve(der: bytes) -> bool:
    """An ECPrivateKey whose [0] parameters are an OID (Go skips [0] of any other kind)."""
    for tag, body in der_children(der_read(der)[1]):
        if tag == DER_CONTEXT_0:
            return der_read(body)[0] == DER_OID
    return False


def _go_refusal(preamble: str, der: bytes) -> str | None:
    """Go's error for a key cryptography reads but Go does not; None when Go reads it too.

    Malformed DER gives None: cryptography's parser then reports it.
    """
    try:
        if preamble == "PRIVATE KEY":
            _, (_, algorithm), (_, inner) = der_children(der_read(der)[1])[:3]
            algorithm_fields = der_children(algorithm)
            oid = oid_text(algorithm_fields[0][1])
            if oid not in _PKCS8_ALGORITHMS:
                return f"x509: PKCS#8 wrapping contained private key with unknown algorithm: {oid}"
            named = len(algorithm_fields) > 1 and algorithm_fields[1][0] == DER_OID
            if oid == ID_EC_PUBLIC_KEY and not named and not _sec1_names_curve(inner):
                return "x509: failed to parse EC private key embedded in PKCS#8: " + _NO_CURVE
        elif preamble == "EC PRIVATE KEY" and not _sec1_names_curve(der):
            return _NO_CURVE
    except (ValueError, IndexError):
        return None
    return None


def _parse_der(preamble: str, der: bytes) -> Any:
    """Parse DER as exactly the format the PEM type names (Go picks a parser per type)."""
    body = base64.encodebytes(der).decode()
    text = f"-----BEGIN {preamble}-----\n{body}-----END {preamble}-----\n"
    return serialization.load_pem_private_key(text.encode(), password=None)


def _parse_private_key_pem(pem: str) -> PrivateKey:
    """parsePrivateKeyPEM: only the FIRST PEM block counts; errors carry Go's wording."""
    data = pem.encode()
    block = golike.pem_decode(data)
    if block is None:
        raise ValueError(f"failed to decode PEM block: decoded bytes 0, undecoded {len(data)}")
    preamble = block.type
    if preamble in _OTHER_PREAMBLES:
        raise ValueError(f"unable to determine parser for PEM preamble: {preamble}")
    if preamble not in PRIVATE_KEY_PREAMBLES:
        raise ValueError(f"unsupported PEM preamble/type: {preamble}")
    refusal = _go_refusal(preamble, block.data)
    if refusal is not None:
        raise ValueError(f"failed to parse private key given PEM preamble '{preamble}': {refusal}")
    try:
        key = _parse_der(preamble, block.data)
    except Exception:  # never echo key material, only say which parser failed
        raise ValueError(
            f"failed to parse private key given PEM preamble '{preamble}': "
            "x509: failed to parse private key"
        ) from None
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name not in _GO_CURVES:
        raise ValueError(
            f"failed to parse private key given PEM preamble '{preamble}': "
            "x509: unknown elliptic curve"
        )
    if not isinstance(
        key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
    ):
        raise ValueError(
            f"failed to determine key algorithm for private key of type {type(key).__name__}: "
            "unsupported private key type"
        )
    return key


def load_private_key_pem(
    pem: str, summary: str = "Failed to parse private key PEM", attribute: str | None = None
) -> PrivateKey:
    """Parse a private key as the real provider does, cached by a hash of the PEM.

    `summary` is the real provider's diagnostic summary for the calling resource; the
    detail is parsePrivateKeyPEM's error text.
    """
    digest = hashlib.sha256(pem.encode()).digest()
    with _cache_lock:
        cached = _key_cache.get(digest)
    if cached is not None:
        return cached
    try:
        key = _parse_private_key_pem(pem)
    except ValueError as exc:
        raise TLSError(summary, str(exc), attribute) from None
    with _cache_lock:
        _key_cache[digest] = key
    return key


def load_private_key_openssh(text: str) -> PrivateKey:
    """Parse an OpenSSH private key (data tls_public_key's private_key_openssh)."""
    summary = "Unable to parse private key"
    try:
        key = serialization.load_ssh_private_key(text.encode(), password=None)
    except Exception:  # never echo key material
        raise TLSError(summary, "failed to parse openssh private key: ssh: no key found") from None
    if not isinstance(
        key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
    ):
        raise TLSError(
            summary,
            f"failed to determine key algorithm for private key of type {type(key).__name__}: "
            "unsupported private key type",
        )
    return key


def algorithm_name(key: PrivateKey | PublicKey | Any) -> str:
    """The provider's algorithm name: RSA, ECDSA or ED25519."""
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return "RSA"
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        return "ECDSA"
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return "ED25519"
    raise TLSError("Unsupported key algorithm", f"{type(key).__name__} is not supported.")


def public_key_der(public: PublicKey) -> bytes:
    """SubjectPublicKeyInfo DER."""
    return public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def hash_for_state(data: bytes) -> str:
    """hashForState (common.go): SHA-1 hex of the value with Go's TrimSpace applied first.

    The trimming applies to DER too, so an id differs from a plain SHA-1 whenever the DER
    happens to end (or start) in bytes Go reads as white space.
    """
    if not data:
        return ""
    return hashlib.sha1(golike.trim_space(data)).hexdigest()  # noqa: S324 - identifier only


def public_key_id(public: PublicKey) -> str:
    """The id of tls_private_key and tls_public_key: hashForState of the public key DER."""
    return hash_for_state(public_key_der(public))


def _openssh_supported(public: PublicKey) -> bool:
    return not (isinstance(public, ec.EllipticCurvePublicKey) and public.curve.name == "secp224r1")


def public_attributes(public: PublicKey) -> dict[str, str]:
    """public_key_pem, public_key_openssh and both fingerprints (OpenSSH ones empty for P224)."""
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    openssh = md5 = sha256 = ""
    if _openssh_supported(public):
        line = public.public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        ).decode()
        openssh = line + "\n"
        blob = base64.b64decode(line.split()[1])
        md5_hex = hashlib.md5(blob).hexdigest()  # noqa: S324 - OpenSSH legacy fingerprint
        md5 = ":".join(md5_hex[i : i + 2] for i in range(0, len(md5_hex), 2))
        sha256 = "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return {
        "public_key_pem": pem,
        "public_key_openssh": openssh,
        "public_key_fingerprint_md5": md5,
        "public_key_fingerprint_sha256": sha256,
    }


def private_attributes(key: PrivateKey) -> dict[str, str]:
    """private_key_pem (PKCS#1 / SEC1 / PKCS#8), private_key_pem_pkcs8, private_key_openssh."""
    none = serialization.NoEncryption()
    pem_format = (
        serialization.PrivateFormat.PKCS8
        if isinstance(key, ed25519.Ed25519PrivateKey)
        else serialization.PrivateFormat.TraditionalOpenSSL
    )
    private_pem = key.private_bytes(serialization.Encoding.PEM, pem_format, none).decode()
    pkcs8 = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, none
    ).decode()
    openssh = ""
    if _openssh_supported(key.public_key()):
        openssh = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, none
        ).decode()
    return {
        "private_key_pem": private_pem,
        "private_key_pem_pkcs8": pkcs8,
        "private_key_openssh": openssh,
    }
