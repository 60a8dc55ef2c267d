"""A stack's CRLs, `<ca>-crl.pem` and `<ca>.crl`: signed, written, and read back.

`internal-ca crl` and `internal-ca export` sign here (`sign_for`); `inventory` reads back what
`crl` wrote, each CRL checked against its CA's certificate in state before its dates are
believed. The CA key is read into memory only, from the state (RootCa, IntermediateCa) or, for
an adopted ExistingCa whose key never enters state as its own resource, from
TF_VAR_<ca>_private_key_pem as deploy takes it. It is never written, printed or put into an
error message.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from ca_constructs import naming
from ca_constructs.key_spec import KEY_PEM_TYPES
from ca_constructs.ledger import Ledger
from internal_ca.certs.outputs import StackOutputs, ca_key_in_state
from internal_ca.errors import OperationError
from internal_ca.files.atomic import write_atomic
from internal_ca.plan.fields import data_input
from internal_ca.revocation.crl import (
    build_crl,
    check_key_matches,
    load_ca_key,
    pem_and_der,
    previous_crl_number,
)
from internal_ca.revocation.issuers import ca_certs
from internal_ca.revocation.ledger_file import load_ledger
from internal_ca.state.read import StackState
from internal_ca.terraform.workspace import Workspace

# The first block deploy's precondition would take too, so both sign with the same key.
_KEY_BLOCK = re.compile(
    "|".join(rf"-----BEGIN {kind}-----\r?\n.*?-----END {kind}-----" for kind in KEY_PEM_TYPES),
    re.DOTALL,
)
_PUBLIC_DIR_MODE = 0o755


@dataclass(frozen=True)
class SignedCrl:
    """One CA's CRL, public, signed here or read back: PEM and DER, and what reports say of it."""

    stack: str
    ca: str
    pem: str
    der: bytes
    number: int
    entries: int
    this_update: dt.datetime
    next_update: dt.datetime

    @property
    def pem_file(self) -> str:
        return naming.CaNames(self.ca).crl_pem_file

    @property
    def der_file(self) -> str:
        return naming.CaNames(self.ca).crl_der_file


def _signed_crl(stack: str, ca: str, crl: x509.CertificateRevocationList) -> SignedCrl:
    """Raises x509.ExtensionNotFound for a CRL without a CRL number."""
    pem, der = pem_and_der(crl)
    return SignedCrl(
        stack=stack,
        ca=ca,
        pem=pem,
        der=der,
        number=crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number,
        entries=len(crl),
        this_update=crl.last_update_utc,
        next_update=crl.next_update_utc or crl.last_update_utc,
    )


def ca_key_pem(state: StackState | None, environ: Mapping[str, str], stack: str, ca: str) -> str:
    """The CA key PEM, SECRET: from state, else from the ExistingCa's sensitive variable."""
    key = ca_key_in_state(state, ca)
    if key is not None:
        return key
    names = naming.CaNames(ca)
    variable = names.key_env_var
    found = _KEY_BLOCK.search(environ.get(variable, "").replace("\r\n", "\n"))
    if found:
        return found.group(0)
    raise OperationError(
        f"stack {stack!r} CA {ca!r}: its key is not in state ({names.key_address}) and "
        f"{variable} holds no unencrypted PEM private key; for an adopted CA set it as for deploy: "
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
        signed.append(_signed_crl(outputs.stack, name, crl))
    return signed


def sign_for(
    workspace: Workspace,
    outputs: StackOutputs,
    folder: Path,
    *,
    signed_at: dt.datetime,
    lifetime: dt.timedelta,
    allow_unrevoke: bool = False,
) -> list[SignedCrl]:
    """The stack's CRLs from its committed ledger, numbered above those in `folder` (the
    stack's own, from `naming.stack_folder`): what `crl` and `export` both sign, nothing written."""
    return sign_stack(
        outputs,
        outputs.state,
        load_ledger(workspace.project, outputs.stack),
        workspace.env,
        signed_at=signed_at,
        lifetime=lifetime,
        previous=previous_crls(folder, outputs),
        allow_unrevoke=allow_unrevoke,
    )


def recorded_entries(state: StackState | None) -> frozenset[str]:
    """The ledger entries ("ca/SERIAL") the last deploy recorded in state."""
    value = state.attribute(naming.REVOCATION_RECORD_ADDRESS, "input") if state else None
    if isinstance(value, dict) and "type" in value:
        value = value.get("value")  # state keeps a dynamic value with its type
    found = data_input(value)
    return frozenset(found.record) if found and found.record is not None else frozenset()


def _stored_crl(folder: Path, ca: str) -> tuple[Path, bytes | None]:
    """The DER CRL file of `ca` in the stack's folder, and its bytes, or None if there is none."""
    path = folder / naming.CaNames(ca).crl_der_file
    try:
        return path, path.read_bytes()
    except FileNotFoundError:
        return path, None
    except OSError as error:
        raise OperationError(f"{path}: cannot be read ({error.strerror})") from None


def previous_crls(folder: Path, outputs: StackOutputs) -> dict[str, bytes | None]:
    """The DER CRLs already in `folder`, by CA: their numbers are the floor for the next."""
    return {ca.name: _stored_crl(folder, ca.name)[1] for ca in outputs.cas}


def read_crls(folder: Path, outputs: StackOutputs) -> list[SignedCrl]:
    """The stack's CRLs in `folder` (its own, from `naming.stack_folder`), checked against state."""
    found: list[SignedCrl] = []
    for name, cert in sorted(ca_certs(outputs).items()):
        path, der = _stored_crl(folder, name)
        if der is None:
            continue
        try:
            crl = x509.load_der_x509_crl(der)
            signed = _signed_crl(outputs.stack, name, crl)
        except (ValueError, x509.ExtensionNotFound):
            raise OperationError(
                f"{path}: not a DER CRL with a CRL number; expected one `internal-ca crl` wrote"
            ) from None
        if crl.issuer != cert.subject or not crl.is_signature_valid(cert.public_key()):  # type: ignore[arg-type]
            raise OperationError(
                f"{path}: not signed by CA {name!r} of stack {outputs.stack!r} as it is in "
                "state; run `internal-ca crl` to sign a new one"
            )
        found.append(signed)
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
