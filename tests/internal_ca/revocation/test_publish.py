"""Where `crl` and `export` take an adopted CA's key from: the blocks deploy takes, no others."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from ca_constructs import naming
from internal_ca.errors import OperationError
from internal_ca.revocation.publish import ca_key_pem

VARIABLE = naming.CaNames("ca").key_env_var
_PEM = serialization.Encoding.PEM
_PLAIN = serialization.NoEncryption()


def _some_ca() -> x509.Certificate:
    """A CA certificate no key in these tests matches: with no state, the variable decides."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )


CA = _some_ca()


def _ec_key(form: serialization.PrivateFormat) -> str:
    return ec.generate_private_key(ec.SECP256R1()).private_bytes(_PEM, form, _PLAIN).decode()


@pytest.mark.parametrize(
    "key",
    [
        _ec_key(serialization.PrivateFormat.PKCS8),
        _ec_key(serialization.PrivateFormat.TraditionalOpenSSL),
        rsa.generate_private_key(65537, 2048)
        .private_bytes(_PEM, serialization.PrivateFormat.TraditionalOpenSSL, _PLAIN)
        .decode(),
    ],
    ids=["pkcs8", "sec1", "pkcs1"],
)
def test_each_unencrypted_block_deploy_takes_is_taken(key: str) -> None:
    text = "Bag Attributes\n    localKeyID: 01\r\n" + key.replace("\n", "\r\n")
    assert ca_key_pem(None, {VARIABLE: text}, "internal-ca", "ca", CA) == key.strip()


def test_an_encrypted_block_is_not_taken_for_the_key() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    encrypted = key.private_bytes(
        _PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"passphrase"),
    ).decode()
    with pytest.raises(OperationError, match=f"{VARIABLE} holds no unencrypted PEM private key"):
        ca_key_pem(None, {VARIABLE: encrypted}, "internal-ca", "ca", CA)
