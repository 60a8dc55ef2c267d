"""The one way this project makes a tls_private_key: algorithm and size or curve always explicit.

The provider's own defaults (RSA 2048, ECDSA P224) are weak, so no key here relies on them.
"""

from __future__ import annotations

from typing import Any

from cdktf_cdktf_provider_tls.private_key import PrivateKey

from .key_spec import KeySpec
from .rendered import Block, Handle, Place


class PrivateKeyHandle(Handle, PrivateKey):
    """A reference to a rendered tls_private_key (see constructs/rendered.py)."""


def private_key(
    place: Place, address: str, key: KeySpec, lifecycle: dict[str, Any]
) -> Block[PrivateKey]:
    """A key with construct id "key" at `address` (tls_private_key.<name>, from naming.py)."""
    args: dict[str, Any] = {"algorithm": key.algorithm}
    if key.rsa_bits is not None:
        args["rsa_bits"] = key.rsa_bits
    if key.ecdsa_curve is not None:
        args["ecdsa_curve"] = key.ecdsa_curve
    return place.resource(
        "key", address, PrivateKeyHandle, args, block_only={"lifecycle": lifecycle}
    )
