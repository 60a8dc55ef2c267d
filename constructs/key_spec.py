"""Key algorithms, always explicit: the provider's own defaults (RSA 2048, ECDSA P224) are weak."""

from __future__ import annotations

from dataclasses import dataclass

_CURVES = ("P256", "P384", "P521")
_MIN_RSA_BITS = 2048


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
            if bits < _MIN_RSA_BITS:
                raise ValueError(
                    f"{owner}: key.rsa_bits value {bits} is too small; expected at least 2048 "
                    "(4096 as in the recipe)"
                )
            if self.ecdsa_curve is not None:
                raise ValueError(f"{owner}: key.ecdsa_curve is set on an RSA key; leave it out")
            return
        if self.algorithm == "ECDSA":
            if self.ecdsa_curve not in _CURVES:
                raise ValueError(
                    f"{owner}: key.ecdsa_curve value {self.ecdsa_curve!r} is not supported; "
                    f"expected one of {', '.join(_CURVES)} (P224 is too weak)"
                )
            if self.rsa_bits is not None:
                raise ValueError(f"{owner}: key.rsa_bits is set on an ECDSA key; leave it out")
            return
        raise ValueError(
            f"{owner}: key.algorithm value {self.algorithm!r} is not supported; "
            "expected 'RSA' or 'ECDSA'"
        )

    @property
    def is_rsa(self) -> bool:
        return self.algorithm == "RSA"

    def describe(self) -> str:
        return f"RSA {self.rsa_bits}" if self.is_rsa else f"ECDSA {self.ecdsa_curve}"


def rsa(bits: int = 4096) -> KeySpec:
    """An RSA key; 4096 bits by default, as in the recipe's `openssl genrsa ... 4096`."""
    return KeySpec("RSA", rsa_bits=bits)


def ecdsa(curve: str = "P256") -> KeySpec:
    """An ECDSA key on P256 (default), P384 or P521."""
    return KeySpec("ECDSA", ecdsa_curve=curve)


RSA_4096 = rsa(4096)
ECDSA_P256 = ecdsa("P256")
ECDSA_P384 = ecdsa("P384")
