"""The revocation ledger at synth: read once per stack, recorded in state, re-keying live certs.

Two effects, both only when the stack's ledger has entries, so a stack without revocations
synthesizes exactly as before:
- `terraform_data.revocation_ledger` holds every entry ("ca/SERIAL") as its input. State thus
  remembers the ledger as deployed, and a plan that drops an entry shows it as a change the
  guard refuses (`--allow-unrevoke`). Every CA and ServiceCert asks for it, so a stack whose
  services were all removed keeps it too: its deletion would read as every entry dropped.
- a service whose then-current certificate was revoked gets the revoked serials in its
  key_version input, which its key's replace_triggered_by turns into a new key, CSR and
  certificate at the next deploy.

The ledger's entries must name CAs of the stack, which is complete only once main.py has
built everything: a validation on the stack checks them at synth (`app.synth()`), with an
ExistingCa's own serial, which synth knows, refused as well.

The ledger path is relative to the folder synth runs in (the project root), like
ExistingCa's cert_file.
"""

from __future__ import annotations

import weakref
from pathlib import Path

import jsii
from cdktf import TerraformProviderGeneratorMetadata, TerraformResource, TerraformStack, Token
from constructs import IValidation
from cryptography import x509

from . import naming
from .authority import CaFacts
from .ledger import (
    Ledger,
    canonical_serial,
    check_cas,
    key_version_input,
    read_ledger_file,
    record_input,
)

_ledgers: weakref.WeakKeyDictionary[object, Ledger] = weakref.WeakKeyDictionary()


def stack_ledger(stack: TerraformStack) -> Ledger:
    """The stack's ledger, read at the first call (by the stack's first CA or service); its
    record is created then.

    Takes the stack, not a scope: callers already hold it, and `TerraformStack.of` is a
    round trip to the jsii kernel per service.
    """
    found = _ledgers.get(stack)
    if found is not None:
        return found
    name = stack.node.id
    ledger = read_ledger_file(Path(naming.ledger_file(name)), name)
    _ledgers[stack] = ledger
    if ledger.entries:
        owner = "the revocation ledger"
        naming.claim(
            stack,
            owner,
            naming.REVOCATION_RECORD_ID,
            names=(naming.REVOCATION_RECORD_ADDRESS,),
        )
        record = TerraformResource(
            stack,
            naming.REVOCATION_RECORD_ID,
            terraform_resource_type=naming.TERRAFORM_DATA,
            terraform_generator_metadata=TerraformProviderGeneratorMetadata(
                provider_name="terraform"
            ),
        )
        record.add_override("input", record_input(ledger))
        record.override_logical_id(naming.REVOCATION_RECORD_ID)
        stack.node.add_validation(_LedgerNamesCas(stack, ledger))
    return ledger


@jsii.implements(IValidation)
class _LedgerNamesCas:
    """Run by cdktf at synth, once every CA of the stack exists."""

    def __init__(self, stack: TerraformStack, ledger: Ledger) -> None:
        self._stack = stack
        self._ledger = ledger

    def validate(self) -> list[str]:
        # Raised, not returned: cdktf would bury returned messages under its own text, while
        # the exception reaches the user (as jsii's RuntimeError) in these words.
        check_cas(self._ledger, _stack_cas(self._stack))
        return []


def _stack_cas(stack: TerraformStack) -> dict[str, str | None]:
    """CA id -> serial of its certificate where synth knows it (an ExistingCa), else None."""
    found: dict[str, str | None] = {}
    for construct in stack.node.find_all():
        facts = getattr(construct, "facts", None)
        if isinstance(facts, CaFacts):
            found[construct.node.id] = _known_serial(facts.cert_pem)
    return found


def _known_serial(cert_pem: str) -> str | None:
    if Token.is_unresolved(cert_pem):
        return None
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    return canonical_serial(cert.serial_number) if cert.issuer == cert.subject else None


def revoked_key_input(stack: TerraformStack, service: str) -> dict[str, object]:
    """Extra key_version input for `service`: its revoked live serials, or nothing."""
    return key_version_input(stack_ledger(stack), service)
