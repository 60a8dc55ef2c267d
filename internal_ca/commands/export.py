"""`internal-ca export DIR`: the recipe's files, written from state.

The layout is the one the team already hands around: ca-crt.pem for the load-balancer
admins, and <service>-crt.pem, <service>-private-key.pem and <service>-fullchain.pem for each
service's host. Keys are secret, so they are written 0600 into a 0700 folder, atomically, and
never into a git work tree by accident. The CA key stays in state unless asked for by name.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ca_constructs import naming
from internal_ca.certs.facts import iso, load_cert, utc_now
from internal_ca.certs.outputs import (
    StackOutputs,
    read_ca_private_key,
    read_deployed,
)
from internal_ca.certs.pins import refuse_foreign_cas
from internal_ca.commands.arguments import output_folder
from internal_ca.commands.crl import add_lifetime_argument, add_unrevoke_argument
from internal_ca.errors import OperationError
from internal_ca.files.atomic import check_private_dir, private_dir, write_atomic
from internal_ca.files.git_guard import refuse_keys_in_work_tree
from internal_ca.revocation.publish import sign_for
from internal_ca.terraform.workspace import Workspace, open_workspace

CA_CERT = naming.CA_CERT_FILE
CA_KEY = naming.CA_KEY_FILE
MANIFEST = naming.MANIFEST_FILE


@dataclass(frozen=True)
class ExportFile:
    """One file to write. `content` of a secret file is key material: never print it."""

    name: str
    content: str | bytes
    secret: bool
    purpose: str


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "export",
        help="write ca-crt.pem and each service's cert, key and fullchain into DIR",
        description=(
            "Write the deployed certificates in the recipe's layout: ca-crt.pem, "
            "<service>-crt.pem, <service>-private-key.pem (mode 0600; DIR is 0700), "
            "<service>-fullchain.pem (certificate then intermediates) and a MANIFEST saying "
            "which files are secret and where each goes. Files are replaced atomically; "
            "each path written is printed, never the contents. With several stacks in the app, "
            "each stack gets its own subfolder DIR/<stack>/, also with --stack. Each CA's CRL "
            "is signed with its key from state (never from the environment). The CAs in state "
            "must be the ones pinned in pins/."
        ),
        epilog=(
            "Keys are refused inside a git work tree unless git ignores them or --force is "
            "given. The CA private key is never written unless --include-ca-key."
        ),
    )
    parser.add_argument(
        "dir", metavar="DIR", type=output_folder, help="folder to write (created 0700)"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="write keys even inside a git work tree that does not ignore them",
    )
    parser.add_argument(
        "--include-ca-key",
        action="store_true",
        help=f"also write the CA private key as {CA_KEY} (0600); read from state only now",
    )
    parser.add_argument(
        "--no-crl",
        action="store_true",
        help=(
            "do not sign and write each CA's CRL (<ca>-crl.pem, <ca>.crl); without it a CA "
            "whose key is nowhere in state gets none, with a warning"
        ),
    )
    add_lifetime_argument(parser)
    add_unrevoke_argument(parser)
    parser.add_argument("--stack", default=None, help="only this stack (default: every stack)")
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")
    parser.set_defaults(handler=export_command)


def export_command(args: argparse.Namespace) -> int:
    check_private_dir(args.dir)
    workspace = open_workspace(args.stack, init=False)
    deployed = read_deployed(workspace)
    for outputs in deployed:
        refuse_foreign_cas(workspace.project, outputs.stack, outputs.state)
    written = export_stacks(
        workspace,
        deployed,
        args.dir,
        force=args.force,
        include_ca_key=args.include_ca_key,
        crl_lifetime=None if args.no_crl else dt.timedelta(days=args.crl_days),
        allow_unrevoke=args.allow_unrevoke,
    )
    if not args.quiet:
        for path in written:
            print(path)
    return 0


def export_stacks(
    workspace: Workspace,
    deployed: Sequence[StackOutputs],
    folder: Path,
    *,
    force: bool,
    include_ca_key: bool,
    crl_lifetime: dt.timedelta | None = None,
    allow_unrevoke: bool = False,
) -> list[Path]:
    """Plan every file first, check the destination, then write; returns the paths written.

    With `crl_lifetime`, each CA's CRL is signed too, with the CA key from state, read into
    memory only; a CA whose key is nowhere in state (an adopted CA that has signed nothing
    yet) gets no CRL, a warning on stderr and a line in the MANIFEST.
    """
    plans: list[tuple[Path, list[ExportFile]]] = []
    warnings: list[str] = []
    for outputs in deployed:
        target = naming.stack_folder(folder, outputs.stack, workspace.all_stacks)
        ca_key = None
        if include_ca_key:
            ca_key = read_ca_private_key(outputs, root_ca_name(outputs))
        now = utc_now()
        crls: list[ExportFile] = []
        unsigned: list[str] = []
        if crl_lifetime:
            crls, unsigned = crl_files(
                workspace, outputs, target, crl_lifetime, now, allow_unrevoke
            )
        warnings += [_no_crl(outputs.stack, ca) for ca in unsigned]
        plans.append((target, plan_files(outputs, ca_key, now, crls, unsigned)))
    for target, files in plans:
        refuse_keys_in_work_tree(target, [f.name for f in files if f.secret], force)
    written: list[Path] = []
    if len(workspace.all_stacks) > 1:
        private_dir(folder)
    for target, files in plans:
        private_dir(target)
        for item in files:
            path = target / item.name
            write_atomic(path, item.content, secret=item.secret)
            written.append(path)
    for warning in warnings:
        print(f"internal-ca: warning: {warning}", file=sys.stderr)
    return written


def root_pem(outputs: StackOutputs) -> str:
    """The one trust anchor of a stack: what every service's chain ends at."""
    roots = {service.ca_cert_pem.strip() for service in outputs.services}
    for ca in outputs.cas:
        cert = load_cert(ca.cert_pem, f"CA {ca.name!r}")
        if cert.issuer == cert.subject:
            roots.add(ca.cert_pem.strip())
    if len(roots) != 1:
        raise OperationError(
            f"stack {outputs.stack!r} has {len(roots)} root CA certificates in its outputs; "
            "expected exactly one"
        )
    return roots.pop() + "\n"


def root_ca_name(outputs: StackOutputs) -> str:
    root = root_pem(outputs).strip()
    for ca in outputs.cas:
        if ca.cert_pem.strip() == root:
            return ca.name
    raise OperationError(
        f"stack {outputs.stack!r} has no output for its root CA, so its key cannot be found"
    )


def crl_files(
    workspace: Workspace,
    outputs: StackOutputs,
    target: Path,
    lifetime: dt.timedelta,
    now: dt.datetime,
    allow_unrevoke: bool,
) -> tuple[list[ExportFile], list[str]]:
    """Each CA's CRL, PEM and DER, signed now from the committed ledger: public files; and
    the CAs left without one, whose key is nowhere in state (never read from the environment).
    """
    crls = sign_for(
        workspace,
        outputs,
        target,
        signed_at=now,
        lifetime=lifetime,
        allow_unrevoke=allow_unrevoke,
        key_from_environment=False,
    )
    unsigned = sorted({ca.name for ca in outputs.cas} - {crl.ca for crl in crls})
    files: list[ExportFile] = []
    for crl in crls:
        where = (
            "install it wherever certificates from this CA are checked (the traffic manager; "
            f"nginx ssl_crl; HAProxy crl-file) and replace it before its nextUpdate "
            f"{iso(crl.next_update)}"
        )
        files += [
            ExportFile(crl.pem_file, crl.pem, False, f"CA {crl.ca!r}'s CRL (PEM): {where}"),
            ExportFile(
                crl.der_file, crl.der, False, "the same CRL in DER, for tools that want DER"
            ),
        ]
    return files, unsigned


def _no_crl(stack: str, ca: str) -> str:
    """Why an adopted CA's CRL is missing, and the two ways on."""
    names = naming.CaNames(ca)
    return (
        f"stack {stack!r} CA {ca!r}: no CRL exported ({names.crl_pem_file}, "
        f"{names.crl_der_file}): its key is not in state and no certificate it signed is "
        f"either; sign it with `internal-ca crl` ({names.key_env_var} set), or pass --no-crl"
    )


def plan_files(
    outputs: StackOutputs,
    ca_key: str | None,
    now: dt.datetime,
    crls: Sequence[ExportFile] = (),
    unsigned: Sequence[str] = (),
) -> list[ExportFile]:
    files = [
        ExportFile(
            CA_CERT,
            root_pem(outputs),
            False,
            "the CA certificate: send it to the load-balancer admins to install as trusted",
        )
    ]
    for service in outputs.services:
        name = service.name
        names = naming.ServiceNames(name)
        cert = _pem(service.cert_pem)
        files += [
            ExportFile(
                names.cert_file,
                cert,
                False,
                f"{name}'s certificate: copy it to the {name} host",
            ),
            ExportFile(
                names.fullchain_file,
                cert + (_pem(service.chain_pem) if service.chain_pem.strip() else ""),
                False,
                f"{name}'s certificate then its intermediates: for servers that want one file",
            ),
            ExportFile(
                names.key_file,
                _pem(outputs.private_key(name)),
                True,
                f"{name}'s private key: copy it only to the {name} host, then delete it here",
            ),
        ]
    if ca_key is not None:
        files.append(
            ExportFile(
                CA_KEY,
                _pem(ca_key),
                True,
                "the CA private key: keep it in the password manager; anyone with it can issue "
                "certificates every service trusts. Delete it here once stored",
            )
        )
    files += crls
    text = manifest(outputs.stack, files, now, [_no_crl(outputs.stack, ca) for ca in unsigned])
    files.append(ExportFile(MANIFEST, text, False, ""))
    return files


def manifest(
    stack: str, files: Sequence[ExportFile], now: dt.datetime, notes: Sequence[str] = ()
) -> str:
    """A short note for whoever opens the folder: what is secret and where each file goes."""
    width = max(len(item.name) for item in files)
    public = [item for item in files if not item.secret]
    secret = [item for item in files if item.secret]
    lines = [
        f"Exported by `internal-ca export` from stack {stack!r} at {iso(now)}.",
        "",
        "Not secret:",
        *(f"  {item.name.ljust(width)}  {item.purpose}" for item in public),
        "",
        "SECRET (mode 0600; never commit, e-mail or paste these):",
        *(f"  {item.name.ljust(width)}  {item.purpose}" for item in secret),
    ]
    if not any(item.name == CA_KEY for item in files):
        lines += [
            "",
            f"The CA private key is not exported: it stays in Terraform state. Export it only "
            f"when you must (`internal-ca export --include-ca-key`), as {CA_KEY}.",
        ]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"


def _pem(text: str) -> str:
    return text.strip() + "\n"
