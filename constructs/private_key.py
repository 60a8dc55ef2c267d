"""The one way this project makes a tls_private_key: algorithm and size or curve always explicit.

The provider's own defaults (RSA 2048, ECDSA P224) are weak, so no key here relies on them.
"""

from __future__ import annotations

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_tls.private_key import PrivateKey
from constructs import Construct

from .key_spec import KeySpec


def private_key(
    scope: Construct, name: str, key: KeySpec, lifecycle: TerraformResourceLifecycle
) -> PrivateKey:
    """A key with construct id "key" and the stable Terraform address tls_private_key.<name>."""
    resource = PrivateKey(
        scope,
        "key",
        algorithm=key.algorithm,
        rsa_bits=key.rsa_bits,
        ecdsa_curve=key.ecdsa_curve,
        lifecycle=lifecycle,
    )
    resource.override_logical_id(name)
    return resource
