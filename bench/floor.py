"""The floor: the same keys, CSRs and signatures made with `cryptography` in one process.

Nothing is cheaper than this on one core: no processes, no RPC, no files. `python -m
bench.floor N ALGORITHM RESULT_JSON` writes the seconds spent after the imports.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from bench.projects import RSA, dns_names, service_names

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def _key(algorithm: str) -> PrivateKey:
    if algorithm == RSA:
        return rsa.generate_private_key(public_exponent=65537, key_size=4096)
    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "GB"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Bench Org"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def issue_all(count: int, algorithm: str) -> float:
    """CA plus `count` services; returns seconds. Keys are serialized as the provider does."""
    start = time.perf_counter()
    now = dt.datetime.now(dt.UTC)
    ca_key = _key(algorithm)
    ca_name = _name("Bench CA")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    _pem(ca_key)
    ca_cert.public_bytes(serialization.Encoding.PEM)
    for name in service_names(count):
        key = _key(algorithm)
        _pem(key)
        sans = x509.SubjectAlternativeName([x509.DNSName(dns) for dns in sorted(dns_names(name))])
        csr = (
            x509.CertificateSigningRequestBuilder()
            .subject_name(_name(dns_names(name)[0]))
            .add_extension(sans, critical=False)
            .sign(key, hashes.SHA256())
        )
        csr.public_bytes(serialization.Encoding.PEM)
        cert = (
            x509.CertificateBuilder()
            .subject_name(csr.subject)
            .issuer_name(ca_name)
            .public_key(csr.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=397))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
            .add_extension(sans, critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        cert.public_bytes(serialization.Encoding.PEM)
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    seconds = issue_all(int(argv[0]), argv[1])
    Path(argv[2]).write_text(json.dumps({"issue_s": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
