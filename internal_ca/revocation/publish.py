"""Sign every CA's CRL of the deployed stacks and write `<ca>-crl.pem` and `<ca>.crl`.

`internal-ca crl` and `internal-ca export` both come here. The CA key is read into memory
only, from the state (RootCa, IntermediateCa) or, for an adopted ExistingCa whose key never
enters state as its own resource, from TF_VAR_<ca>_private_key_pem as deploy takes it. It is
never written, printed or put into an error message.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ca_constructs import naming
from ca_constructs.ledger import RECORD_FIELD, Ledger
from internal_ca.certs.outputs import StackOutputs
from internal_ca.errors import OperationError
from internal_ca.files.atomic import write_atomic
from internal_ca.revocation.crl import (
    build_crl,
    check_key_matches,
    load_ca_key,
    pem_and_der,
    previous_crl_number,
)
from internal_ca.revocation.issuers import ca_certs
from internal_ca.state.read import StackState

_KEY_BLOCK = re.compile(
    r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----\r?\n.*?-----END \1PRIVATE KEY-----", re.DOTALL
)
_PUBLIC_DIR_MODE = 0o755


@dataclass(frozen=True)
class SignedCrl:
    """One CA's CRL, public: PEM and DER, with what a report needs to say about it."""

    stack: str
    ca: str
    pem: str
    der: bytes
    entries: int
    this_update: dt.datetime
    next_update: dt.datetime

    @property
    def pem_file(self) -> str:
        return naming.CaNames(self.ca).crl_pem_file

    @property
    def der_file(self) -> str:
        return naming.CaNames(self.ca).crl_der_file


def crl_folder(folder: Path, stack: str, all_stacks: Sequence[str]) -> Path:
    """Where a stack's CRLs go: `folder` itself, or `folder/<stack>` in a several-stack app."""
    return folder / stack if len(all_stacks) > 1 else folder


def ca_key_pem(state: StackState | None, environ: Mapping[str, str], stack: str, ca: str) -> str:
    """The CA key PEM, SECRET: from state, else from the ExistingCa's sensitive variable."""
    names = naming.CaNames(ca)
    key = state.attribute(names.key_address, "private_key_pem") if state else None
    if isinstance(key, str) and key:
        return key
    variable = names.key_env_var
    found = _KEY_BLOCK.search(environ.get(variable, "").replace("\r\n", "\n"))
    if found:
        return found.group(0)
    raise OperationError(
        f"stack {stack!r} CA {ca!r}: its key is not in state ({names.key_address}) and "
        f"{variable} holds no PEM private key; for an adopted CA set it as for deploy: "
        f'export {variable}="$(your-password-manager get ca-private-key.pem)"'
    )


def sign_stack(
    outputs: StackOutputs,
    state: StackState | None,
    ledger: Ledger,
    environ: Mapping[str, str],
    *,
    signed_at: dt.datetime,
    lifetime: dt.timedelta,
    previous: Mapping[str, bytes | None] | None = None,
    allow_unrevoke: bool = False,
) -> list[SignedCrl]:
    """A CRL for each CA of the stack, listing the ledger's entries for that CA.

    Refused when the ledger lacks an entry the deployed state records (the plan guard's
    `--allow-unrevoke` case): a CRL signed from it would quietly trust that certificate again.
    """
    dropped = sorted(recorded_entries(state) - set(ledger.record()))
    if dropped and not allow_unrevoke:
        raise OperationError(
            f"{naming.ledger_file(outputs.stack)} lacks {len(dropped)} revoked "
            f"certificate(s) the deployed state records ({', '.join(dropped)}); a CRL signed "
            "from it would trust them again. Restore them, or pass --allow-unrevoke"
        )
    cas = ca_certs(outputs)
    unknown = sorted({entry.ca for entry in ledger.entries} - set(cas))
    if unknown:
        raise OperationError(
            f"{naming.ledger_file(outputs.stack)}: CA {unknown[0]!r} has revoked serials but is "
            f"not a CA of stack {outputs.stack!r} in state; expected one of {sorted(cas)}"
        )
    signed: list[SignedCrl] = []
    for name, cert in sorted(cas.items()):
        owner = f"stack {outputs.stack!r} CA {name!r}"
        key = load_ca_key(ca_key_pem(state, environ, outputs.stack, name), owner)
        check_key_matches(cert, key, owner)
        entries = ledger.for_ca(name)
        crl = build_crl(
            cert,
            key,
            entries,
            signed_at=signed_at,
            lifetime=lifetime,
            previous_number=previous_crl_number((previous or {}).get(name)),
        )
        pem, der = pem_and_der(crl)
        signed.append(
            SignedCrl(
                stack=outputs.stack,
                ca=name,
                pem=pem,
                der=der,
                entries=len(entries),
                this_update=crl.last_update_utc,
                next_update=crl.next_update_utc or crl.last_update_utc,
            )
        )
    return signed


def recorded_entries(state: StackState | None) -> frozenset[str]:
    """The ledger entries ("ca/SERIAL") the last deploy recorded in state."""
    value = state.attribute(naming.REVOCATION_RECORD_ADDRESS, "input") if state else None
    if isinstance(value, dict) and "type" in value:
        value = value.get("value")  # state keeps a dynamic value with its type
    items = value.get(RECORD_FIELD) if isinstance(value, dict) else None
    if not isinstance(items, list):
        return frozenset()
    return frozenset(item for item in items if isinstance(item, str))


def previous_crls(folder: Path, outputs: StackOutputs) -> dict[str, bytes | None]:
    """The DER CRLs already in `folder`, by CA: their numbers are the floor for the next."""
    found: dict[str, bytes | None] = {}
    for ca in outputs.cas:
        path = folder / naming.CaNames(ca.name).crl_der_file
        try:
            found[ca.name] = path.read_bytes()
        except OSError:
            found[ca.name] = None
    return found


def write_crls(folder: Path, crls: Sequence[SignedCrl]) -> list[Path]:
    """Write each CRL as PEM and DER, atomically, mode 0644; returns the paths written."""
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(_PUBLIC_DIR_MODE)  # CRLs are public: the web server must read them
    written: list[Path] = []
    for crl in crls:
        for name, content in ((crl.pem_file, crl.pem), (crl.der_file, crl.der)):
            path = folder / name
            write_atomic(path, content, secret=False)
            written.append(path)
    return written
