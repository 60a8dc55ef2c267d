"""`internal-ca verify`: the recipe's "checking our work", for every service, every time.

Checks each service in state: the chain verifies to the CA, the certificate's SANs equal the
configured ones, the key matches the certificate, and it is neither expired nor inside its
renewal window. Keys are checked in memory and never shown.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass

from ca_constructs.ledger import Ledger
from internal_ca.certs.checks import ServiceMaterial, check_service, time_problems
from internal_ca.certs.facts import facts, load_cert, utc_now
from internal_ca.certs.outputs import StackOutputs, read_deployed
from internal_ca.certs.pins import refuse_foreign_cas
from internal_ca.revocation.issuers import issued_certificates, revocation_of
from internal_ca.revocation.ledger_file import load_ledger
from internal_ca.terraform.workspace import open_workspace


@dataclass(frozen=True)
class Result:
    stack: str
    kind: str
    name: str
    serial: str
    problems: list[str]


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="check every deployed certificate: chain, SANs, key match, expiry, renewal",
        description=(
            "For every service in state, check that its chain verifies to the CA, that the "
            "SANs in the certificate equal the configured SANs, that its private key matches "
            "the certificate, and that it is neither expired nor inside its renewal window. "
            "CA certificates are checked for expiry, and against the pins in pins/ first. A "
            "service whose serial the ledger revokes under its issuing CA fails. Prints one "
            "line per certificate and exits 1 if any check fails (run `internal-ca deploy` to "
            "renew)."
        ),
    )
    parser.add_argument("--json", action="store_true", help="print a JSON list for scripts")
    parser.add_argument("--stack", default=None, help="only this stack (default: every stack)")
    parser.set_defaults(handler=verify_command)


def verify_command(args: argparse.Namespace) -> int:
    workspace = open_workspace(args.stack, init=False)
    deployed = read_deployed(workspace)
    for outputs in deployed:
        refuse_foreign_cas(workspace.project, outputs.stack, outputs.state)
    results = [
        result
        for stack in deployed
        for result in verify_stack(stack, load_ledger(workspace.project, stack.stack))
    ]
    failed = [result for result in results if result.problems]
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "stack": result.stack,
                        "kind": result.kind,
                        "service": result.name,
                        "serial": result.serial,
                        "ok": not result.problems,
                        "problems": result.problems,
                    }
                    for result in results
                ],
                indent=2,
            )
        )
    else:
        for result in results:
            status = "ok" if not result.problems else "FAIL: " + "; ".join(result.problems)
            print(f"{result.stack}/{result.name} ({result.kind}, serial {result.serial}): {status}")
    if failed:
        names = ", ".join(f"{result.stack}/{result.name}" for result in failed)
        print(
            f"internal-ca: {len(failed)} of {len(results)} certificates failed verify: {names}",
            file=sys.stderr,
        )
        return 1
    return 0


def verify_stack(outputs: StackOutputs, ledger: Ledger | None = None) -> list[Result]:
    now = utc_now()
    results: list[Result] = []
    issued = {item.owner: item for item in issued_certificates(outputs) if item.kind == "service"}
    for ca in outputs.cas:
        cert = load_cert(ca.cert_pem, f"stack {outputs.stack!r} CA {ca.name!r}")
        problems = time_problems(cert, now, ca.renew_before_hours)
        results.append(Result(outputs.stack, "ca", ca.name, facts(cert).serial_hex, problems))
    for service in outputs.services:
        material = ServiceMaterial(
            name=service.name,
            cert_pem=service.cert_pem,
            chain_pem=service.chain_pem,
            ca_cert_pem=service.ca_cert_pem,
            key_pem=outputs.private_key(service.name),
            dns_names=service.dns_names,
            ip_addresses=service.ip_addresses,
            uris=service.uris,
            renew_before_hours=service.renew_before_hours,
        )
        serial = facts(load_cert(service.cert_pem, f"service {service.name!r}")).serial_hex
        problems = check_service(material, now)
        # Revoked only as the CRL says it: this serial under the CA that issued it.
        entry = revocation_of(ledger, issued[service.name]) if ledger is not None else None
        if entry is not None:
            problems.append(
                f"serial {serial} is revoked ({entry.reason}, {entry.revoked_at}); run "
                "`internal-ca deploy` to re-key it"
            )
        results.append(Result(outputs.stack, "service", service.name, serial, problems))
    return results
