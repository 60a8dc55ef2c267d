"""What a certificate needs from the CA that signs it.

RootCa, IntermediateCa and ExistingCa each publish one `CaFacts`, so ServiceCert (and an
IntermediateCa under another CA) works with any of them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Protocol

from cdktf import Fn, IResolvable, Op

from .key_spec import KeySpec
from .subject import DistinguishedName


@dataclass(frozen=True)
class CaFacts:
    """A signing CA as the certificates it issues see it. PEM fields are cdktf tokens."""

    name: str
    """A short name for messages, e.g. "CA 'ca'"."""
    subject: DistinguishedName
    """The CA's subject; what it signs inherits the organisation fields."""
    key_spec: KeySpec
    """The CA's key algorithm; the default for what it signs."""
    private_key_pem: str
    """The CA key (sensitive; never output)."""
    cert_pem: str
    chain_pems: tuple[str, ...]
    """The intermediates from this CA up to, not including, the root."""
    root_cert_pem: str
    """The trust anchor: what the load-balancer admins install."""
    validity_end_time: str
    """The CA's NotAfter (RFC 3339)."""
    max_leaf_validity_days: int | None
    """Days a certificate may last if issued now, when known at synth time."""


class CertificateAuthority(Protocol):
    """Anything that can sign: it publishes its facts once, when it is built."""

    @property
    def facts(self) -> CaFacts: ...


def check_authority(owner: str, field: str, ca: object) -> CaFacts:
    """The CA's facts, or a TypeError naming what was passed instead."""
    facts = getattr(ca, "facts", None)
    if not isinstance(facts, CaFacts):
        raise TypeError(
            f"{owner}: {field} value {ca!r} is not a CA; expected a RootCa, IntermediateCa or "
            "ExistingCa (e.g. stack.ca)"
        )
    return facts


def check_within_ca_lifetime(owner: str, days: int, ca: CaFacts) -> None:
    """The synth-time half of "never outlive the CA", where the CA's NotAfter is known now."""
    limit = ca.max_leaf_validity_days
    if limit is not None and days > limit:
        raise ValueError(
            f"{owner}: validity_days value {days} outlives {ca.name}, which is valid for "
            f"{limit} days; expected at most {limit}"
        )


def within_ca_lifetime(hours: int, ca: CaFacts, error_message: str) -> dict[str, object]:
    """The plan-time half: a precondition block, a certificate issued now for `hours` ends by
    the CA's NotAfter."""
    return {"condition": _ends_by(hours, ca.validity_end_time), "error_message": error_message}


@functools.lru_cache(maxsize=256)
def _ends_by(hours: int, not_after: str) -> IResolvable:
    # Once per CA and lifetime, not per certificate: the Fn and Op calls are four round trips
    # to the jsii kernel. A token is one object in the kernel, so sharing it is safe.
    issued_until = Fn.timeadd(Fn.plantimestamp(), f"{hours}h")
    # timecmp is -1, 0 or 1: "not after the CA's NotAfter" is "!= 1".
    return Op.neq(Fn.timecmp(issued_until, not_after), 1)


@functools.lru_cache(maxsize=256)
def joined(pems: tuple[str, ...]) -> str:
    """The PEMs as one string (a token when they are), built once per CA chain."""
    return Fn.join("", list(pems)) if pems else ""
