"""A stack's CRLs, `<ca>-crl.pem` and `<ca>.crl`: signed, written, and read back.

`internal-ca crl` and `internal-ca export` sign here (`sign_for`); `inventory` reads back what
`crl` wrote, each CRL checked against its CA's certificate in state before its dates or its
number are believed. The CA key is read into memory only (`ca_key_pem`): from the state, where
an adopted ExistingCa's key is no resource of its own but every certificate it signed keeps a
copy, or for `crl` from TF_VAR_<ca>_private_key_pem as deploy takes it. It is never written,
printed or put into an error message.
"""

from __future__ import annotations

import datetime as dt
import re
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from ca_constructs import naming
from ca_constructs.key_spec import KEY_PEM_TYPES
from ca_constructs.ledger import Ledger
from internal_ca.certs.checks import key_matches
from internal_ca.certs.outputs import StackOutputs, ca_key_in_state
from internal_ca.errors import OperationError
from internal_ca.files.atomic import public_dir, write_atomic
from internal_ca.plan.fields import data_input
from internal_ca.revocation.crl import (
    MAX_CRL_NUMBER,
    build_crl,
    check_key_matches,
    load_ca_key,
    pem_and_der,
)
from internal_ca.revocation.issuers import ca_certs, ledger_problems
from internal_ca.revocation.ledger_file import load_ledger
from internal_ca.state.read import StackState
from internal_ca.terraform.workspace import Workspace

# The first block deploy's precondition would take too, so both sign with the same key.
_KEY_BLOCK = re.compile(
    "|".join(rf"-----BEGIN {kind}-----\r?\n.*?-----END {kind}-----" for kind in KEY_PEM_TYPES),
    re.DOTALL,
)
_MAX_CRL_FILE_BYTES = 64 * 1024 * 1024
"""Far above any CRL this CA signs; a bigger `<ca>.crl` is not one of its CRLs."""


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


def ca_key_pem(
    state: StackState | None,
    environ: Mapping[str, str] | None,
    stack: str,
    ca: str,
    cert: x509.Certificate,
) -> str | None:
    """The CA key PEM, SECRET, in memory: the one place every command takes a CA key from.

    First the CA's own key in state; else the copy each certificate the CA signed keeps in
    state (`ca_private_key_pem`), the one matching the CA certificate: an adopted ExistingCa's
    key is no resource of its own. Only when `environ` is given (`crl`), then the
    ExistingCa's TF_VAR_<ca>_private_key_pem as deploy takes it. None when it is nowhere in
    state and `environ` is None: `export` never needs the environment.
    """
    key = ca_key_in_state(state, ca)
    if key is not None:
        return key
    copy = _signed_copy(state, cert)
    if copy is not None:
        return copy
    if environ is None:
        return None
    names = naming.CaNames(ca)
    variable = names.key_env_var
    found = _KEY_BLOCK.search(environ.get(variable, "").replace("\r\n", "\n"))
    if found:
        return found.group(0)
    raise OperationError(
        f"stack {stack!r} CA {ca!r}: its key is not in state ({names.key_address}, nor in a "
        f"certificate it signed) and {variable} holds no unencrypted PEM private key; for an "
        f'adopted CA set it as for deploy: export {variable}="$(your-password-manager get '
        'ca-private-key.pem)"'
    )


def _signed_copy(state: StackState | None, cert: x509.Certificate) -> str | None:
    """The CA key as a certificate it signed keeps it in state, matched to `cert`."""
    if state is None:
        return None
    prefix = f"{naming.LOCALLY_SIGNED_CERT}."
    seen: set[str] = set()
    for address in sorted(item for item in state.addresses if item.startswith(prefix)):
        pem = state.attribute(address, "ca_private_key_pem")
        if not isinstance(pem, str) or not pem or pem in seen:
            continue
        seen.add(pem)
        try:
            key = load_pem_private_key(pem.encode(), password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            continue  # another CA's key in a form this CA never uses: not the one sought
        if key_matches(key, cert):
            return pem
    return None


def sign_stack(
    outputs: StackOutputs,
    state: StackState | None,
    ledger: Ledger,
    environ: Mapping[str, str] | None,
    *,
    signed_at: dt.datetime,
    lifetime: dt.timedelta,
    previous: Mapping[str, SignedCrl | None] | None = None,
    allow_unrevoke: bool = False,
) -> list[SignedCrl]:
    """A CRL for each CA of the stack, listing the ledger's entries for that CA.

    Refused when the ledger lacks an entry the deployed state records (the plan guard's
    `--allow-unrevoke` case): a CRL signed from it would quietly trust that certificate again;
    and when an entry would revoke a CA of the stack, or names another CA than the one state
    shows issued its serial. With `environ` None (export), a CA whose key is nowhere in state
    gets no CRL: `ca_key_pem` says None.
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
    problems = ledger_problems(ledger, outputs)
    if problems:
        raise OperationError(problems[0])
    signed: list[SignedCrl] = []
    for name, cert in sorted(cas.items()):
        owner = f"stack {outputs.stack!r} CA {name!r}"
        pem = ca_key_pem(state, environ, outputs.stack, name, cert)
        if pem is None:
            continue
        key = load_ca_key(pem, owner)
        check_key_matches(cert, key, owner)
        before = (previous or {}).get(name)
        crl = build_crl(
            cert,
            key,
            ledger.for_ca(name),
            signed_at=signed_at,
            lifetime=lifetime,
            previous_number=before.number if before else None,
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
    key_from_environment: bool = True,
) -> list[SignedCrl]:
    """The stack's CRLs from its committed ledger, numbered above those in `folder` (the
    stack's own, from `naming.stack_folder`): what `crl` and `export` both sign, nothing written.

    Without `key_from_environment` (export) a CA whose key is not in state is left out.
    """
    return sign_stack(
        outputs,
        outputs.state,
        load_ledger(workspace.project, outputs.stack),
        workspace.env if key_from_environment else None,
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


def _stored_der(path: Path) -> bytes | None:
    """The bytes of a CRL file, None if there is none; anything else there is refused.

    stat() first: reading a FIFO would wait for a writer, a device might never end.
    """
    expected = "expected the DER CRL `internal-ca crl` wrote"
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise OperationError(f"{path}: cannot be read ({error.strerror}); {expected}") from None
    if not stat.S_ISREG(info.st_mode):
        raise OperationError(f"{path}: not a regular file; {expected}")
    if info.st_size > _MAX_CRL_FILE_BYTES:
        raise OperationError(f"{path}: {info.st_size} bytes, too big for a CRL; {expected}")
    try:
        return path.read_bytes()
    except OSError as error:
        raise OperationError(f"{path}: cannot be read ({error.strerror}); {expected}") from None


def stored_crl(folder: Path, stack: str, ca: str, cert: x509.Certificate) -> SignedCrl | None:
    """The CRL `<ca>.crl` in `folder`, checked to be this CA's: its issuer is the CA's subject
    and the CA's key signed it. None if there is none; one line for anything else."""
    path = folder / naming.CaNames(ca).crl_der_file
    der = _stored_der(path)
    if der is None:
        return None
    try:
        crl = x509.load_der_x509_crl(der)
        signed = _signed_crl(stack, ca, crl)
    except (ValueError, x509.ExtensionNotFound):
        raise OperationError(
            f"{path}: not a DER CRL with a CRL number; expected one `internal-ca crl` wrote"
        ) from None
    if crl.issuer != cert.subject or not crl.is_signature_valid(cert.public_key()):  # type: ignore[arg-type]
        raise OperationError(
            f"{path}: not signed by CA {ca!r} of stack {stack!r} as it is in state (another "
            "CA's CRL, or a stray file); expected that CA's CRL: move it away and run "
            "`internal-ca crl` to sign a new one"
        )
    return signed


def previous_crls(folder: Path, outputs: StackOutputs) -> dict[str, SignedCrl | None]:
    """The CRLs already in `folder`, by CA, each checked to be that CA's: their numbers are the
    floor for the next, so a stranger's file must not set it."""
    found: dict[str, SignedCrl | None] = {}
    for name, cert in sorted(ca_certs(outputs).items()):
        crl = stored_crl(folder, outputs.stack, name, cert)
        if crl is not None and crl.number >= MAX_CRL_NUMBER:
            path = folder / crl.der_file
            raise OperationError(
                f"{path}: its CRL number {crl.number} leaves no larger one within the 20 "
                "octets RFC 5280 allows (5.2.3); expected a CRL `internal-ca crl` signed "
                "(numbered by the time): move it away and run again"
            )
        found[name] = crl
    return found


def read_crls(folder: Path, outputs: StackOutputs) -> list[SignedCrl]:
    """The stack's CRLs in `folder` (its own, from `naming.stack_folder`), checked against state."""
    found: list[SignedCrl] = []
    for name, cert in sorted(ca_certs(outputs).items()):
        crl = stored_crl(folder, outputs.stack, name, cert)
        if crl is not None:
            found.append(crl)
    return found


def write_crls(folder: Path, crls: Sequence[SignedCrl]) -> list[Path]:
    """Write each CRL as PEM and DER, atomically, mode 0644 in a 0755 folder (CRLs are public:
    the web server must read them); returns the paths written."""
    public_dir(folder)
    written: list[Path] = []
    for crl in crls:
        for name, content in ((crl.pem_file, crl.pem), (crl.der_file, crl.der)):
            path = folder / name
            write_atomic(path, content, secret=False)
            written.append(path)
    return written
