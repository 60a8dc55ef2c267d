"""Independent checks of issued certificates with the openssl CLI (never the code under test)."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from e2e_project import openssl


@contextmanager
def secret_dir() -> Iterator[Path]:
    """A 0700 folder for key files a check needs on disk; removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="ca-check-") as name:
        folder = Path(name)
        folder.chmod(0o700)
        yield folder


def write_private(path: Path, text: str) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    return path


def sans(cert_pem: str) -> set[str]:
    """The SAN entries as openssl prints them: DNS:x, IP Address:y, URI:z."""
    text = openssl("x509", "-noout", "-ext", "subjectAltName", input=cert_pem).stdout
    lines = [line.strip() for line in text.splitlines()[1:] if line.strip()]
    return {item.strip() for line in lines for item in line.split(",")}


def serial_hex(cert_pem: str) -> str:
    return openssl("x509", "-noout", "-serial", input=cert_pem).stdout.strip().split("=", 1)[1]


def public_key_of_cert(cert_pem: str) -> str:
    return openssl("x509", "-noout", "-pubkey", input=cert_pem).stdout


def public_key_of_private(key_pem: str) -> str:
    return openssl("pkey", "-pubout", input=key_pem).stdout


def text_of(cert_pem: str) -> str:
    return openssl("x509", "-noout", "-text", input=cert_pem).stdout


def verify(ca_pem: str, cert_pem: str, hostname: str | None = None, *extra: str) -> bool:
    """`openssl verify -x509_strict -purpose sslserver [-verify_hostname NAME]`."""
    with secret_dir() as folder:
        (folder / "ca.pem").write_text(ca_pem)
        (folder / "leaf.pem").write_text(cert_pem)
        args = [
            "verify",
            "-x509_strict",
            "-purpose",
            "sslserver",
            "-CAfile",
            str(folder / "ca.pem"),
        ]
        if hostname:
            args += ["-verify_hostname", hostname]
        done = openssl(*args, *extra, str(folder / "leaf.pem"), check=False)
        return done.returncode == 0 and re.search(r": OK\s*$", done.stdout) is not None


def sha256_fingerprint(pem_file: Path) -> str:
    """The fingerprint as `openssl x509 -fingerprint -sha256` prints it (AA:BB:…)."""
    done = openssl("x509", "-noout", "-fingerprint", "-sha256", "-in", str(pem_file))
    return done.stdout.strip().partition("=")[2]
