"""`internal-ca revoke SERVICE --reason REASON`: add a certificate to the revocation ledger.

The ledger (revocations/<stack>.json) is committed and reviewed like the CA pin. This command
only edits it: the next deploy re-keys a service whose current certificate it revokes and
records the entry in state, and `internal-ca crl` signs the CRLs that tell clients. It reads
certificates and serials from state, never a key, and changes the file under a lock, by
rename, so two runs at once both land and a reader never sees half a file.

Bad input is refused with one line and exit status 2, the ledger untouched.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from ca_constructs import naming
from ca_constructs.ledger import REASONS, Entry, format_time, parse_serial, revoking_a_ca
from internal_ca.certs.facts import utc_now
from internal_ca.certs.outputs import StackOutputs, read_stack
from internal_ca.certs.pins import refuse_foreign_cas
from internal_ca.errors import OperationError
from internal_ca.revocation.issuers import (
    ca_certs,
    ca_entries,
    issued_in_state,
    root_name,
)
from internal_ca.revocation.ledger_file import update_ledger
from internal_ca.terraform.project import Project, find_project
from internal_ca.terraform.workspace import open_workspace

BAD_INPUT = 2


class Refused(OperationError):
    """Bad input: one line, exit 2, nothing written."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "revoke",
        help="revoke a service's certificate in the ledger (then commit, deploy, publish CRLs)",
        description=(
            "Add a certificate to revocations/STACK.json: by default the service's current "
            "certificate, read from state; with --serial one that is no longer there (replaced "
            "or removed earlier). The next deploy re-keys a service whose current certificate "
            "is revoked; `internal-ca crl` signs the CRLs. Reads no key. A CA's own certificate "
            "cannot be revoked (rotate the CA, or replace the intermediate). Exits 2 on bad "
            "input and leaves the ledger unchanged."
        ),
        epilog=f"Reasons (RFC 5280): {', '.join(REASONS)}.",
    )
    parser.add_argument("service", metavar="SERVICE", help="the service id, as in main.py")
    parser.add_argument(
        "--reason",
        required=True,
        metavar="REASON",
        help=f"why: one of {', '.join(REASONS)}",
    )
    parser.add_argument(
        "--serial",
        metavar="HEX",
        help="a serial no longer in state, in hex as `openssl x509 -serial` prints it",
    )
    parser.add_argument(
        "--ca",
        metavar="NAME",
        help="the CA that issued --serial (default: the service's CA in state, else the root)",
    )
    parser.add_argument("--stack", default=None, help="the stack (needed only when ambiguous)")
    parser.add_argument("--quiet", action="store_true", help="print only the ledger path")
    parser.set_defaults(handler=revoke_command)


def revoke_command(args: argparse.Namespace) -> int:
    try:
        return _revoke(args)
    except Refused as error:
        print(f"internal-ca: {error}", file=sys.stderr)
        return BAD_INPUT


@dataclass(frozen=True)
class _Request:
    service: str
    reason: str
    serial: str | None
    ca: str | None


def _request(args: argparse.Namespace) -> _Request:
    if args.reason not in REASONS:
        raise Refused(f"reason {args.reason!r} is not known; expected one of {', '.join(REASONS)}")
    try:
        service = naming.service_names(args.service).name
        serial = parse_serial(args.serial) if args.serial is not None else None
        ca = naming.ca_names(args.ca).name if args.ca is not None else None
    except ValueError as error:
        raise Refused(str(error)) from None
    return _Request(service, args.reason, serial, ca)


def _stacks(project: Project, chosen: str | None) -> Sequence[str]:
    """The app's stacks from the last synth; synthesize only when there is none.

    Not synthesizing every time keeps two revoke runs at once from rewriting cdktf.out/
    under each other.
    """
    try:
        names: Sequence[str] = project.stacks()
    except OperationError:
        names = open_workspace(chosen, project=project, init=False).all_stacks
    if chosen is not None:
        if chosen not in names:
            raise Refused(f"stack {chosen!r} is not in this app; expected one of {list(names)}")
        return [chosen]
    return names


def _choose(
    request: _Request, deployed: dict[str, StackOutputs | None], chosen: str | None
) -> tuple[str, StackOutputs | None]:
    having = [
        stack
        for stack, outputs in deployed.items()
        if outputs and any(item.name == request.service for item in outputs.services)
    ]
    if len(having) > 1:
        raise Refused(
            f"service {request.service!r} is in stacks {having}; expected --stack to say which"
        )
    if having:
        return having[0], deployed[having[0]]
    if request.serial is None:
        where = f"stack {chosen!r}" if chosen else f"stacks {sorted(deployed)}"
        known = sorted(
            item.name for outputs in deployed.values() if outputs for item in outputs.services
        )
        raise Refused(
            f"service {request.service!r} is unknown: no certificate of it in the state of "
            f"{where}; expected one of {known} (for a certificate no longer in state, give "
            "its --serial)"
        )
    if len(deployed) > 1:
        raise Refused(
            f"service {request.service!r} is not in state; expected --stack to say whose "
            f"ledger serial {request.serial} belongs in"
        )
    stack = next(iter(deployed))
    return stack, deployed[stack]


def _entry(request: _Request, stack: str, outputs: StackOutputs | None) -> Entry:
    issued = issued_in_state(outputs) if outputs else {}
    cas = ca_certs(outputs) if outputs else {}
    live = next(
        (
            item
            for item in issued.values()
            if item.kind == "service" and item.owner == request.service
        ),
        None,
    )
    current = live.serial if live else None
    current_ca = live.ca if live else None
    serial = request.serial or current
    assert serial is not None  # _choose refuses a service not in state without --serial
    known = issued.get(serial)
    if known is not None and known.kind == "ca":
        raise Refused(revoking_a_ca(serial, known.owner, root=False))
    if known is not None and known.owner != request.service:
        raise Refused(
            f"serial {serial} is service {known.owner!r}'s certificate in state, not "
            f"{request.service!r}'s; expected a serial of {request.service!r}"
        )
    if outputs is None:
        # No state: no CA to check the entry against, and synth would refuse a wrong one.
        raise Refused(
            f"stack {stack!r} has nothing deployed (no state); expected a deployed stack: "
            "restore its state first if it was lost"
        )
    if not cas:
        # Synth refuses a ledger entry naming no CA of its own stack: never write one.
        raise Refused(
            f"stack {stack!r} has no CA; a certificate is revoked in the ledger of the stack "
            "whose CA signed it: expected --stack with that stack's name"
        )
    ca = request.ca or (known.ca if known else None) or current_ca or root_name(cas)
    if ca is None or ca not in cas:
        raise Refused(f"CA {ca!r} is not a CA of stack {stack!r}; expected one of {sorted(cas)}")
    revoked_ca = ca_entries(cas).get((ca, serial))
    if revoked_ca is not None:
        # The root is not among `issued`: its serial, listed in its own CRL, revokes it.
        raise Refused(revoking_a_ca(serial, revoked_ca, root=revoked_ca == root_name(cas)))
    if known is not None and known.ca is not None and known.ca != ca:
        raise Refused(
            f"serial {serial} was issued by CA {known.ca!r} (in state), not by CA {ca!r}; "
            f"expected --ca {known.ca} or no --ca"
        )
    return Entry(
        ca=ca,
        serial=serial,
        service=request.service,
        revoked_at=format_time(utc_now()),
        reason=request.reason,
        live=serial == current,
    )


def _revoke(args: argparse.Namespace) -> int:
    request = _request(args)
    project = find_project()
    stacks = _stacks(project, args.stack)
    deployed = {stack: read_stack(project, stack, os.environ) for stack in stacks}
    for stack, outputs in deployed.items():
        if outputs is not None:
            refuse_foreign_cas(project, stack, outputs.state)
    stack, outputs = _choose(request, deployed, args.stack)
    entry = _entry(request, stack, outputs)
    try:
        path = update_ledger(project, stack, lambda ledger: ledger.add(entry))
    except ValueError as error:
        raise Refused(str(error)) from None
    shown = path.relative_to(project.root)
    if args.quiet:
        print(shown)
        return 0
    what = "its current certificate" if entry.live else "a certificate no longer in state"
    print(
        f"revoked serial {entry.serial} of CA {entry.ca!r} in stack {stack} "
        f"(service {entry.service}, {entry.reason}, {what}, at {entry.revoked_at})"
    )
    print(f"wrote {shown}")
    print("next:")
    print(
        f"  1. review and commit it: git add {shown} && git commit -m "
        f"'Revoke {entry.service} serial {entry.serial} ({entry.reason})'"
    )
    if entry.live:
        print(
            f"  2. internal-ca deploy: re-keys {entry.service} (new key, CSR and certificate), "
            "because its current certificate is revoked; install them on its host"
        )
    else:
        print("  2. internal-ca deploy: records the revocation in state")
    print(
        "  3. internal-ca crl, then install the CRLs where certificates are checked "
        "(README: Revoking a certificate)"
    )
    return 0
