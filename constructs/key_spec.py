"""Key algorithms, always explicit: the provider's own defaults (RSA 2048, ECDSA P224) are weak.

This module is the one statement of the key policy: the keys this project makes (`KeySpec`)
and the keys it adopts (`key_spec_of`, for ExistingCa's certificate) pass the same check.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa as rsa_keys

CURVES = ("P256", "P384", "P521")
MIN_RSA_BITS = 2048
ALLOWED_KEYS = f"RSA of at least {MIN_RSA_BITS} bits, or ECDSA {', '.join(CURVES)}"
"""The policy in words, for messages."""
KEY_PEM_TYPES = ("RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY")
"""The PEM blocks an adopted CA key is taken from, unencrypted: PKCS#1, SEC 1 and PKCS#8, the
ones hashicorp/tls 4.1.0 reads (Go's parsePrivateKeyPEM). Deploy and `crl` must pick the same."""
_X509_CURVES = {"secp256r1": "P256", "secp384r1": "P384", "secp521r1": "P521"}


@dataclass(frozen=True)
class KeySpec:
    """An algorithm with its size or curve. Build one with `rsa()` or `ecdsa()`."""

    algorithm: str
    rsa_bits: int | None = None
    ecdsa_curve: str | None = None

    def validate(self, owner: str) -> None:
        """Raise ValueError naming `owner` for unknown algorithms, short RSA keys or P224."""
        if self.algorithm == "RSA":
            bits = self.rsa_bits
            if isinstance(bits, bool) or not isinstance(bits, int):
                raise TypeError(
                    f"{owner}: key.rsa_bits value {bits!r} is not an integer; expected e.g. 4096"
                )
        problem = self.problem()
        if problem is not None:
            raise ValueError(f"{owner}: {problem}")

    def problem(self) -> str | None:
        """Why this key falls outside the policy, in words for a message; None if it is fine."""
        if self.algorithm == "RSA":
            if isinstance(self.rsa_bits, int) and self.rsa_bits < MIN_RSA_BITS:
                return (
                    f"key.rsa_bits value {self.rsa_bits} is too small; expected at least "
                    f"{MIN_RSA_BITS} (4096 as in the recipe)"
                )
            if self.ecdsa_curve is not None:
                return "key.ecdsa_curve is set on an RSA key; leave it out"
            return None
        if self.algorithm == "ECDSA":
            if self.ecdsa_curve not in CURVES:
                return (
                    f"key.ecdsa_curve value {self.ecdsa_curve!r} is not supported; "
                    f"expected one of {', '.join(CURVES)} (P224 is too weak)"
                )
            if self.rsa_bits is not None:
                return "key.rsa_bits is set on an ECDSA key; leave it out"
            return None
        return f"key.algorithm value {self.algorithm!r} is not supported; expected 'RSA' or 'ECDSA'"

    @property
    def is_rsa(self) -> bool:
        return self.algorithm == "RSA"

    def describe(self) -> str:
        return f"RSA {self.rsa_bits}" if self.is_rsa else f"ECDSA {self.ecdsa_curve}"


def check_key_spec(owner: str, key: object) -> KeySpec:
    """`key` if it is a KeySpec within the policy, or raise naming `owner` and the value."""
    if not isinstance(key, KeySpec):
        raise TypeError(f"{owner}: key value {key!r} is not a KeySpec (use rsa() or ecdsa())")
    key.validate(owner)
    return key


def key_spec_of(public_key: object, what: str) -> KeySpec:
    """The spec of an existing public key, or raise ValueError naming `what` and the key.

    :param what: the key's holder in the message, e.g. "CA 'ca': the certificate in ca.pem".
    """
    spec: KeySpec | None = None
    if isinstance(public_key, rsa_keys.RSAPublicKey):
        spec, found = rsa(public_key.key_size), f"{public_key.key_size}-bit RSA"
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        curve = public_key.curve.name
        spec, found = ecdsa(_X509_CURVES.get(curve, curve)), f"ECDSA {curve}"
    else:
        found = type(public_key).__name__
    if spec is None or spec.problem() is not None:
        raise ValueError(
            f"{what} has a {found} key, which this project does not sign with; expected "
            f"{ALLOWED_KEYS}"
        )
    return spec


def rsa(bits: int = 4096) -> KeySpec:
    """An RSA key; 4096 bits by default, as in the recipe's `openssl genrsa ... 4096`."""
    return KeySpec("RSA", rsa_bits=bits)


def ecdsa(curve: str = "P256") -> KeySpec:
    """An ECDSA key on P256 (default), P384 or P521."""
    return KeySpec("ECDSA", ecdsa_curve=curve)


RSA_4096 = rsa(4096)
ECDSA_P256 = ecdsa("P256")
ECDSA_P384 = ecdsa("P384")
