"""Serial numbers as people compare them: the hex `openssl x509 -serial` prints.

Terraform keeps a certificate's serial as its id in decimal; nobody can match that against
`openssl x509 -serial` by eye, so every command shows the openssl form.
"""

from __future__ import annotations

from ca_constructs.ledger import canonical_serial


def openssl_hex(decimal: str | int) -> str:
    """Upper-case hex with an even number of digits, as openssl prints it (`01`, `0A1B`)."""
    value = int(decimal)
    if value < 0:
        raise ValueError(f"serial value {decimal!r} is negative; expected a positive integer")
    return canonical_serial(value)
