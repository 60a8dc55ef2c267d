"""Hex serials must read exactly like `openssl x509 -serial`, checked against openssl itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_project import openssl

from internal_ca.certs.serials import openssl_hex


@pytest.mark.parametrize("serial", [1, 10, 255, 256, 0x80, 0xABCDEF, 2**127 + 5, 2**128 - 1])
def test_hex_serial_matches_openssl(tmp_path: Path, serial: int) -> None:
    key = tmp_path / "key.pem"
    cert = tmp_path / "cert.pem"
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", str(key))
    openssl(
        "req", "-x509", "-new", "-key", str(key), "-subj", "/CN=serial test", "-days", "1",
        "-set_serial", str(serial), "-out", str(cert),
    )  # fmt: skip
    printed = openssl("x509", "-noout", "-serial", "-in", str(cert)).stdout.strip()
    assert printed == f"serial={openssl_hex(str(serial))}"


def test_negative_serial_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        openssl_hex("-1")
