"""`internal-ca inventory`: every certificate in state, with its serial as openssl prints it.

Terraform "holds the serials" the way the recipe's `-set_serial` never did; this makes that
list visible, and `--expiring-within` turns it into a cron or CI check.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ca_constructs import naming
from internal_ca.certs.facts import CertFacts, facts, iso, load_cert, utc_now
from internal_ca.certs.outputs import StackOutputs, read_deployed
from internal_ca.certs.pins import refuse_foreign_cas
from internal_ca.certs.serials import openssl_hex
from internal_ca.commands.arguments import crl_folder, days
from internal_ca.errors import OperationError
from internal_ca.revocation.issuers import issued_certificates, revocation_of
from internal_ca.revocation.ledger_file import load_ledger
from internal_ca.revocation.publish import SignedCrl, read_crls
from internal_ca.terraform.workspace import Workspace, open_workspace

EXPIRING_EXIT = 2


@dataclass(frozen=True)
class Row:
    stack: str
    kind: str
    name: str
    facts: CertFacts
    in_window: bool
    renew_before_hours: float | None
    revoked: str | None = None
    """"reason, revoked_at" when the ledger revokes this serial."""

    def as_json(self, now: dt.datetime) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "kind": self.kind,
            "service": self.name,
            "serial": self.facts.serial_hex,
            "dns_names": list(self.facts.dns_names),
            "ip_addresses": list(self.facts.ip_addresses),
            "uris": list(self.facts.uris),
            "not_before": iso(self.facts.not_before),
            "not_after": iso(self.facts.not_after),
            "days_left": self.facts.days_left(now),
            "in_renewal_window": self.in_window,
            "renew_before_days": (
                None if self.renew_before_hours is None else self.renew_before_hours / 24
            ),
            "revoked": self.revoked,
        }


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "inventory",
        help="list every certificate in state: serial, SANs, expiry, renewal window",
        description=(
            "List every certificate the deployed state holds (CA rows first, then services): "
            "serial in hex as `openssl x509 -serial` prints it, SANs, validity, days left, "
            "and whether the next deploy will renew it. Reads state through "
            "`terraform output`; prints no key material."
        ),
        epilog=(
            "For monitoring: `internal-ca inventory --expiring-within 30` exits 2 with a "
            "one-line reason when any certificate expires within 30 days, and 0 otherwise."
        ),
    )
    parser.add_argument("--json", action="store_true", help="print a JSON list for scripts")
    parser.add_argument(
        "--expiring-within",
        type=days,
        metavar="DAYS",
        help=(
            f"exit {EXPIRING_EXIT} if any certificate (CA included) expires, or any CRL in "
            "--crl-dir reaches its nextUpdate, within DAYS days"
        ),
    )
    parser.add_argument(
        "--crl-dir",
        type=crl_folder,
        default=None,
        metavar="DIR",
        help=(
            f"where `internal-ca crl` wrote the CRLs to check (default: {naming.CRL_DIR}/, "
            "skipped while it has none); given, it must hold every CA's CRL"
        ),
    )
    parser.add_argument("--stack", default=None, help="only this stack (default: every stack)")
    parser.set_defaults(handler=inventory_command)


def inventory_command(args: argparse.Namespace) -> int:
    workspace = open_workspace(args.stack, init=False)
    deployed = read_deployed(workspace)
    for outputs in deployed:
        refuse_foreign_cas(workspace.project, outputs.stack, outputs.state)
    now = utc_now()
    crl_dir = args.crl_dir or workspace.project.root / naming.CRL_DIR
    required = args.crl_dir is not None
    rows = [
        row
        for stack in deployed
        for row in _revocation_rows(workspace, stack, collect_rows(stack, now), crl_dir, required)
    ]
    if args.json:
        print(json.dumps([row.as_json(now) for row in rows], indent=2))
    else:
        print(render_table(rows, now))
        revoked = [row for row in rows if row.revoked]
        for row in revoked:
            print(
                f"* {row.stack}/{row.name} serial {row.facts.serial_hex} is revoked "
                f"({row.revoked}); `internal-ca deploy` re-keys it"
            )
    if args.expiring_within is not None:
        return _expiry_status(rows, now, args.expiring_within)
    return 0


def _revocation_rows(
    workspace: Workspace,
    outputs: StackOutputs,
    rows: Sequence[Row],
    crl_dir: Path,
    required: bool = False,
) -> list[Row]:
    """Rows marked with the ledger's revocations, then a "crl" row per CRL in crl_dir.

    A service is revoked only as its CA's CRL says: its serial under the CA that issued it.
    With `required` (an explicit --crl-dir) every CA's CRL must be there.
    """
    ledger = load_ledger(workspace.project, outputs.stack)
    issued = {item.owner: item for item in issued_certificates(outputs) if item.kind == "service"}
    marked = []
    for row in rows:
        entry = revocation_of(ledger, issued[row.name]) if row.kind == "service" else None
        text = f"{entry.reason}, {entry.revoked_at}" if entry else None
        marked.append(dataclasses.replace(row, revoked=text))
    folder = naming.stack_folder(crl_dir, outputs.stack, workspace.all_stacks)
    crls = read_crls(folder, outputs)
    missing = sorted({ca.name for ca in outputs.cas} - {crl.ca for crl in crls})
    if required and missing:
        names = naming.CaNames(missing[0])
        raise OperationError(
            f"{folder / names.crl_der_file}: there is no CRL of CA {missing[0]!r} of stack "
            f"{outputs.stack!r}; expected --crl-dir to name the folder `internal-ca crl` wrote"
        )
    return marked + [_crl_row(crl) for crl in crls]


def _crl_row(crl: SignedCrl) -> Row:
    """A CRL as a row: SERIAL is its CRL number, NOT-AFTER its nextUpdate."""
    info = CertFacts(
        serial_hex=openssl_hex(crl.number),
        not_before=crl.this_update,
        not_after=crl.next_update,
        dns_names=(),
        ip_addresses=(),
        uris=(),
        is_ca=False,
    )
    return Row(crl.stack, "crl", crl.ca, info, False, None)


def collect_rows(outputs: StackOutputs, now: dt.datetime) -> list[Row]:
    rows: list[Row] = []
    for ca in outputs.cas:
        info = facts(load_cert(ca.cert_pem, f"stack {outputs.stack!r} CA {ca.name!r}"))
        rows.append(_row(outputs.stack, "ca", ca.name, info, ca.renew_before_hours, None, now))
    for service in outputs.services:
        owner = f"stack {outputs.stack!r} service {service.name!r}"
        info = facts(load_cert(service.cert_pem, owner))
        rows.append(
            _row(
                outputs.stack,
                "service",
                service.name,
                info,
                service.renew_before_hours,
                service.ready_for_renewal,
                now,
            )
        )
    return rows


def _row(
    stack: str,
    kind: str,
    name: str,
    info: CertFacts,
    hours: float | None,
    fallback: bool | None,
    now: dt.datetime,
) -> Row:
    # A service dropped from the code has no configured window; the last apply's flag stands in.
    in_window = info.in_renewal_window(now, hours) if hours is not None else bool(fallback)
    return Row(stack, kind, name, info, in_window, hours)


def render_table(rows: Sequence[Row], now: dt.datetime) -> str:
    header = ("STACK", "KIND", "NAME", "SERIAL", "SANS", "NOT-BEFORE", "NOT-AFTER", "DAYS", "RENEW")
    lines = [header]
    for row in rows:
        lines.append(
            (
                row.stack,
                row.kind,
                row.name,
                row.facts.serial_hex + ("*" if row.revoked else ""),
                ",".join(row.facts.sans) or "-",
                iso(row.facts.not_before),
                iso(row.facts.not_after),
                str(row.facts.days_left(now)),
                "yes" if row.in_window else "no",
            )
        )
    widths = [max(len(line[index]) for line in lines) for index in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def _expiry_status(rows: Sequence[Row], now: dt.datetime, days: float) -> int:
    limit = now + dt.timedelta(days=days)
    expiring = [row for row in rows if row.facts.not_after <= limit]
    if not expiring:
        return 0
    first = min(expiring, key=lambda row: row.facts.not_after)
    others = f" (and {len(expiring) - 1} more)" if len(expiring) > 1 else ""
    verb = "expired" if first.facts.not_after <= now else "expires"
    kind = "CRL (nextUpdate) of CA" if first.kind == "crl" else first.kind
    print(
        f"internal-ca: {kind} {first.stack}/{first.name} {verb} "
        f"{iso(first.facts.not_after)}, within {days:g} days{others}",
        file=sys.stderr,
    )
    return EXPIRING_EXIT
