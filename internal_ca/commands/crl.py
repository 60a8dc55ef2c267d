"""`internal-ca crl [DIR]`: sign a CRL for every CA of every deployed stack.

Each CA (the root and each intermediate) gets `<ca>-crl.pem` and `<ca>.crl` (DER), listing
the serials the committed ledger (revocations/<stack>.json) revokes under that CA. The CA key
is read into memory for the signature and never written or printed. Re-run it whenever the
ledger changes and on a schedule well inside the CRL lifetime (the daily workflow does).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from ca_constructs import naming
from internal_ca.certs.facts import iso, utc_now
from internal_ca.certs.outputs import read_deployed
from internal_ca.certs.pins import refuse_foreign_cas
from internal_ca.commands.arguments import output_folder, whole_number
from internal_ca.revocation.crl import DEFAULT_LIFETIME_DAYS
from internal_ca.revocation.publish import SignedCrl, sign_for, write_crls
from internal_ca.terraform.workspace import Workspace, open_workspace

MAX_CRL_DAYS = 3650


def add_lifetime_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--crl-days",
        type=whole_number(low=1, high=MAX_CRL_DAYS, unit="number of days"),
        default=DEFAULT_LIFETIME_DAYS,
        metavar="DAYS",
        help=(
            f"CRL lifetime: nextUpdate is DAYS after thisUpdate (default {DEFAULT_LIFETIME_DAYS}); "
            "publish a new one well before then"
        ),
    )


def add_unrevoke_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-unrevoke",
        action="store_true",
        help="sign even when the ledger lacks entries the deployed state records",
    )


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "crl",
        help="sign a CRL for each CA from the revocation ledger: <ca>-crl.pem and <ca>.crl",
        description=(
            "For every CA of every deployed stack, write an X.509 v2 CRL signed by that CA, "
            "listing the serials revocations/STACK.json revokes under it, as <ca>-crl.pem and "
            "<ca>.crl (DER), mode 0644 in a 0755 folder, atomically. With several stacks each "
            "gets DIR/STACK/. CA keys come from the state (an adopted CA's from a certificate "
            "it signed), else for an adopted CA from TF_VAR_<ca>_private_key_pem; they are "
            "never written or printed. The CAs in state must be the ones pinned in pins/."
        ),
    )
    parser.add_argument(
        "dir",
        metavar="DIR",
        type=output_folder,
        nargs="?",
        default=None,
        help=f"folder to write (default: {naming.CRL_DIR}/ in the project)",
    )
    add_lifetime_argument(parser)
    add_unrevoke_argument(parser)
    parser.add_argument("--stack", default=None, help="only this stack (default: every stack)")
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")
    parser.set_defaults(handler=crl_command)


def crl_command(args: argparse.Namespace) -> int:
    workspace = open_workspace(args.stack, init=False)
    folder = args.dir if args.dir is not None else workspace.project.root / naming.CRL_DIR
    written = sign_and_write(
        workspace,
        folder,
        lifetime=dt.timedelta(days=args.crl_days),
        signed_at=utc_now(),
        allow_unrevoke=args.allow_unrevoke,
    )
    if not args.quiet:
        for path, crl in written:
            print(path)
            if path.name == crl.der_file:
                noun = "serial" if crl.entries == 1 else "serials"
                print(
                    f"  {crl.stack}/{crl.ca}: {crl.entries} revoked {noun}, next update "
                    f"{iso(crl.next_update)}: publish it before then"
                )
    return 0


def sign_and_write(
    workspace: Workspace,
    folder: Path,
    *,
    lifetime: dt.timedelta,
    signed_at: dt.datetime,
    allow_unrevoke: bool = False,
) -> list[tuple[Path, SignedCrl]]:
    """Check every stack's CAs against the pins, sign everything, then write: a foreign CA or
    a missing key leaves no half-published set."""
    deployed = read_deployed(workspace)
    for outputs in deployed:
        refuse_foreign_cas(workspace.project, outputs.stack, outputs.state)
    plans: list[tuple[Path, list[SignedCrl]]] = []
    for outputs in deployed:
        target = naming.stack_folder(folder, outputs.stack, workspace.all_stacks)
        crls = sign_for(
            workspace,
            outputs,
            target,
            signed_at=signed_at,
            lifetime=lifetime,
            allow_unrevoke=allow_unrevoke,
        )
        plans.append((target, crls))
    written: list[tuple[Path, SignedCrl]] = []
    for target, crls in plans:
        for crl in crls:
            written += [(path, crl) for path in write_crls(target, [crl])]
    return written
