"""`internal-ca demo`: try the project offline, end to end, in one command.

It deploys the project's own app through `internal-ca deploy`'s own code path, but with the
offline stand-in for hashicorp/tls and in a scratch copy (.internal-ca/demo-work, git-ignored)
with its own state, so the project's real CA and state are never touched. Then it exports
the recipe's files, checks them, and says what was issued. Stand-in certificates are for
trying the tool only, never for production.
"""

from __future__ import annotations

import argparse
import io
import json
import shlex
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from ca_constructs import naming
from internal_ca.certs.checks import ServiceMaterial, check_service
from internal_ca.certs.facts import facts, iso, load_cert, utc_now
from internal_ca.certs.outputs import StackOutputs, read_deployed
from internal_ca.certs.pins import load_pins
from internal_ca.commands.arguments import output_folder
from internal_ca.commands.deploy import deploy
from internal_ca.commands.export import CA_CERT, MANIFEST, export_stacks
from internal_ca.errors import OperationError
from internal_ca.files.atomic import check_private_dir
from internal_ca.plan.guard import GuardOptions
from internal_ca.terraform.project import Project, find_project
from internal_ca.terraform.provider_source import STANDIN
from internal_ca.terraform.workspace import Workspace, open_workspace

WORK_DIR = "demo-work"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="try it offline: deploy the example with the stand-in provider into demo/",
        description=(
            "Deploy this project's app (main.py) offline with the real cdktf CLI and Terraform "
            "and the stand-in for hashicorp/tls (CA_TLS_PROVIDER=standin is forced), in a "
            "scratch copy under .internal-ca/demo-work with its own state: your real state is "
            "never read or changed. Then export the recipe's files into DIR, check them, and "
            "print each certificate and which files are secret. The certificates are for "
            "trying the tool only."
        ),
        epilog=(
            "Re-running reuses the scratch CA and state, so it is quick and issues nothing new "
            "unless main.py changed or a certificate is due for renewal. --reset deletes the "
            "scratch copy first and starts with a new CA."
        ),
    )
    parser.add_argument(
        "--dir",
        type=output_folder,
        default=Path("demo"),
        help="where to write the files (default: ./demo, created 0700)",
    )
    parser.add_argument(
        "--reset",
        action="store_true",
        help="start over with a new scratch CA (deletes .internal-ca/demo-work)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="write keys even inside a git work tree that does not ignore DIR",
    )
    parser.set_defaults(handler=demo_command)


def demo_command(args: argparse.Namespace) -> int:
    project = find_project()
    check_private_dir(args.dir)
    work = prepare_work_dir(project, reset=args.reset)
    print(f"Deploying {project.root / 'main.py'} offline (stand-in provider) in {work.root} ...")
    workspace = deploy_offline(work)
    deployed = read_deployed(workspace)
    folder = args.dir.resolve()
    written = export_stacks(workspace, deployed, folder, force=args.force, include_ca_key=False)
    print(f"\nWrote {len(written)} files into {folder}:")
    for path in written:
        print(f"  {path.name}")
    failures = check_files(deployed, folder, workspace.all_stacks)
    print_issued(deployed, folder, workspace.all_stacks)
    if failures:
        for failure in failures:
            print(f"internal-ca: demo check failed: {failure}", file=sys.stderr)
        return 1
    print("\nChecked: every chain verifies to ca-crt.pem, SANs match, keys match certificates.")
    return 0


def prepare_work_dir(project: Project, *, reset: bool) -> Project:
    """The scratch project: a copy of main.py and cdktf.json whose app runs this Python."""
    project.private_dir.mkdir(mode=0o700, exist_ok=True)
    root = project.private_dir / WORK_DIR
    if reset and root.exists():
        shutil.rmtree(root)
    root.mkdir(mode=0o700, exist_ok=True)
    source = project.root / "main.py"
    if not source.is_file():
        raise OperationError(f"{source} does not exist; the demo deploys the project's app")
    try:
        config = json.loads((project.root / "cdktf.json").read_text())
    except json.JSONDecodeError as error:
        raise OperationError(f"cdktf.json is not valid JSON ({error.msg})") from None
    config["app"] = f"{shlex.quote(sys.executable)} main.py"
    (root / "cdktf.json").write_text(json.dumps(config, indent=2) + "\n")
    shutil.copyfile(source, root / "main.py")
    return Project(root, project.tools)


def deploy_offline(work: Project) -> Workspace:
    """`internal-ca deploy --auto-approve` on the scratch copy, with the stand-in provider."""
    # The scratch CA's state stays in the scratch folder even if a shared backend is configured.
    workspace = open_workspace(
        project=work, mode=STANDIN, env_overrides={"INTERNAL_CA_BACKEND": "local"}
    )
    # The scratch copy pins its own CA in its own pins/; the first run is its --initial.
    first = not all(load_pins(work, stack) for stack in workspace.stacks)
    summary = io.StringIO()
    try:
        code = deploy(workspace, GuardOptions(), initial=first, auto_approve=True, out=summary)
    except OperationError as error:
        raise OperationError(
            f"demo deploy failed: {error}; rerun with --reset to start over"
        ) from None
    if code != 0:
        raise OperationError(
            f"demo deploy refused by the guard (exit {code}); rerun with --reset to start over"
        )
    return workspace


def check_files(deployed: list[StackOutputs], folder: Path, all_stacks: Sequence[str]) -> list[str]:
    """Check the files as written (not the state they came from): what a host would get."""
    now = utc_now()
    failures: list[str] = []
    for outputs in deployed:
        target = naming.stack_folder(folder, outputs.stack, all_stacks)
        for service in outputs.services:
            names = naming.ServiceNames(service.name)
            material = ServiceMaterial(
                name=service.name,
                cert_pem=(target / names.cert_file).read_text(),
                chain_pem=_chain_part(target / names.fullchain_file),
                ca_cert_pem=(target / CA_CERT).read_text(),
                key_pem=(target / names.key_file).read_text(),
                dns_names=service.dns_names,
                ip_addresses=service.ip_addresses,
                uris=service.uris,
                renew_before_hours=service.renew_before_hours,
            )
            failures += [f"{service.name}: {problem}" for problem in check_service(material, now)]
        if not (target / MANIFEST).is_file():
            failures.append(f"{target / MANIFEST} was not written")
    return failures


def _chain_part(fullchain: Path) -> str:
    """The intermediates: everything in the fullchain file after the leaf."""
    marker = "-----END CERTIFICATE-----"
    text = fullchain.read_text()
    return text.split(marker, 1)[1].lstrip() if marker in text else ""


def print_issued(deployed: list[StackOutputs], folder: Path, all_stacks: Sequence[str]) -> None:
    print("\nIssued:")
    for outputs in deployed:
        for ca in outputs.cas:
            info = facts(load_cert(ca.cert_pem, f"CA {ca.name!r}"))
            print(f"  CA {ca.name}: serial {info.serial_hex}, expires {iso(info.not_after)}")
        for service in outputs.services:
            info = facts(load_cert(service.cert_pem, f"service {service.name!r}"))
            print(
                f"  {service.name}: serial {info.serial_hex}, SANs {', '.join(info.sans)}, "
                f"expires {iso(info.not_after)}"
            )
    print("\nSecret files (mode 0600; copy each only to its service's host):")
    for outputs in deployed:
        target = naming.stack_folder(folder, outputs.stack, all_stacks)
        for service in outputs.services:
            print(f"  {target / naming.ServiceNames(service.name).key_file}")
    print(f"Not secret: {CA_CERT} (for the load-balancer admins), *-crt.pem, *-fullchain.pem.")
    print("The CA key stays in the scratch state; these are stand-in certificates for trying only.")
