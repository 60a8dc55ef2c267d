"""What a service certificate needs from the CA that signs it.

RootCa, IntermediateCa and ExistingCa all provide this, so ServiceCert works with any of them.
"""

from __future__ import annotations

from typing import Protocol

from .key_spec import KeySpec
from .subject import DistinguishedName


class CertificateAuthority(Protocol):
    """A signing CA as seen by the certificates it issues."""

    @property
    def name(self) -> str:
        """A short name for messages, e.g. "root CA"."""
        ...

    @property
    def subject(self) -> DistinguishedName:
        """The CA's subject; services inherit its organisation fields."""
        ...

    @property
    def key_spec(self) -> KeySpec:
        """The CA's key algorithm; the default for the services it signs."""
        ...

    @property
    def private_key_pem(self) -> str:
        """A token for the CA key; sensitive, never output."""
        ...

    @property
    def cert_pem(self) -> str:
        """A token for the CA certificate PEM."""
        ...

    @property
    def chain_pems(self) -> list[str]:
        """Tokens for the intermediates from this CA up to (not including) the root."""
        ...

    @property
    def root_cert_pem(self) -> str:
        """The trust anchor: what the load-balancer admins install."""
        ...

    @property
    def validity_end_time(self) -> str:
        """A token for the CA's NotAfter (RFC 3339)."""
        ...

    @property
    def max_leaf_validity_days(self) -> int | None:
        """Days a leaf may last if issued now, when known at synth time; None if not."""
        ...
