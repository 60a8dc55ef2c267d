"""What inventory and verify need to know about revocation: revoked serials and CRL freshness.

The CRLs checked are the ones `internal-ca crl` wrote into the project's crl/ folder (or
--crl-dir): what was last signed here, so what was last published from here. Each is checked
against its CA's certificate in state before its dates are believed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from ca_constructs import naming
from internal_ca.certs.outputs import StackOutputs
from internal_ca.errors import OperationError
from internal_ca.revocation.issuers import ca_certs
from internal_ca.revocation.publish import crl_folder


@dataclass(frozen=True)
class CrlStatus:
    stack: str
    ca: str
    path: Path
    number: int
    entries: int
    this_update: dt.datetime
    next_update: dt.datetime


def read_crls(folder: Path, outputs: StackOutputs, all_stacks: Sequence[str]) -> list[CrlStatus]:
    """The stack's CRLs found in `folder` (as `internal-ca crl` lays them out), checked."""
    target = crl_folder(folder, outputs.stack, all_stacks)
    found: list[CrlStatus] = []
    for name, cert in sorted(ca_certs(outputs).items()):
        path = target / naming.CaNames(name).crl_der_file
        try:
            der = path.read_bytes()
        except FileNotFoundError:
            continue
        except OSError as error:
            raise OperationError(f"{path}: cannot be read ({error.strerror})") from None
        try:
            crl = x509.load_der_x509_crl(der)
            number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
        except (ValueError, x509.ExtensionNotFound):
            raise OperationError(
                f"{path}: not a DER CRL with a CRL number; expected one `internal-ca crl` wrote"
            ) from None
        if crl.issuer != cert.subject or not crl.is_signature_valid(cert.public_key()):  # type: ignore[arg-type]
            raise OperationError(
                f"{path}: not signed by CA {name!r} of stack {outputs.stack!r} as it is in "
                "state; run `internal-ca crl` to sign a new one"
            )
        found.append(
            CrlStatus(
                stack=outputs.stack,
                ca=name,
                path=path,
                number=number,
                entries=len(crl),
                this_update=crl.last_update_utc,
                next_update=crl.next_update_utc or crl.last_update_utc,
            )
        )
    return found
