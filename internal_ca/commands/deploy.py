"""`internal-ca deploy`: plan once, show the certificate summary, guard, approve, apply that plan.

What is applied is exactly what was summarized and guarded: the saved plan file from the same
run, never a fresh plan. Terraform refuses a saved plan whose state has moved on ("stale"),
so a colleague's deploy in between cannot be overwritten either. `cdktf deploy` still works
on the same project (the users' card); this wrapper adds the summary, the guard, private
state folders and speed, since it runs the app and Terraform directly without the Node CLI.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from functools import partial
from typing import TextIO

from internal_ca.certs.facts import facts, iso, load_cert
from internal_ca.certs.outputs import parse_outputs
from internal_ca.certs.pins import fingerprint, write_pins
from internal_ca.commands.review import (
    GUARD_TRIPPED,
    add_guard_arguments,
    guard_options,
    review_workspace,
)
from internal_ca.errors import OperationError
from internal_ca.plan.guard import GuardOptions
from internal_ca.plan.model import Action
from internal_ca.plan.render import old_certificate_text
from internal_ca.plan.run import PlannedStack, planned
from internal_ca.state import history
from internal_ca.state.local import ensure_state_dir, refuse_tracked_state
from internal_ca.state.read import StackState, read_state, uses_local_state
from internal_ca.terraform import diagnostics
from internal_ca.terraform.toolchain import stream
from internal_ca.terraform.workspace import Workspace, open_workspace


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "deploy",
        help="issue and renew certificates: plan, summary, guard, approval, apply that plan",
        description=(
            "Synthesize the app, install hashicorp/tls from the source CA_TLS_PROVIDER names "
            "(registry by default; mirror with CA_TLS_PROVIDER_MIRROR=DIR; standin for offline "
            "trials), plan once, print the same certificate summary as `internal-ca plan`, "
            "run the same guard (exit 3 when it trips), ask for approval unless "
            "--auto-approve, then apply exactly that plan and report what was issued."
        ),
    )
    parser.add_argument(
        "--auto-approve",
        action="store_true",
        default=os.environ.get("AUTO_APPROVE") == "1",
        help="apply without asking (default: ask in a terminal; AUTO_APPROVE=1 also sets this)",
    )
    parser.add_argument(
        "--stack", default=None, help="deploy only this stack (default: every stack)"
    )
    add_guard_arguments(parser)
    parser.set_defaults(handler=deploy_command)


def deploy_command(args: argparse.Namespace) -> int:
    if not args.auto_approve and not sys.stdin.isatty():
        raise OperationError(
            "no terminal to ask for approval; review `make plan` and run with AUTO_APPROVE=1"
        )
    workspace = open_workspace(args.stack)
    return deploy(
        workspace, guard_options(args), initial=args.initial, auto_approve=args.auto_approve
    )


def deploy(
    workspace: Workspace,
    options: GuardOptions,
    *,
    initial: bool,
    auto_approve: bool,
    out: TextIO = sys.stdout,
) -> int:
    """The one deploy path, for `deploy` and `demo` alike; returns the exit status."""
    refuse_tracked_state(workspace.project)
    ensure_state_dir(workspace.project)
    with ExitStack() as plans:
        stacks = [plans.enter_context(planned(workspace, name)) for name in workspace.stacks]
        summaries = [item.summary for item in stacks]
        reviewed = review_workspace(workspace, summaries, options, initial=initial)
        out.write(reviewed.report)
        if reviewed.reasons:
            print("internal-ca: guard: " + "; ".join(reviewed.reasons), file=sys.stderr)
            return GUARD_TRIPPED
        if all(summary.nothing_to_do for summary in summaries):
            # A CA deployed before it was pinned (a root before pins existed, an adopted CA
            # before ExistingCa was pinned) is pinned by its first deploy since.
            for name, state in reviewed.states.items():
                _pin(workspace, name, state, out)
            out.write("Nothing to deploy.\n")
            return 0
        _refuse_unappliable(stacks)
        if not auto_approve and not _approved():
            raise OperationError("not approved; nothing was applied")
        for item in stacks:
            if not item.summary.nothing_to_do:
                _apply(workspace, item, out)
    _report(workspace, stacks, reviewed.states, out)
    return 0


def _refuse_unappliable(stacks: Sequence[PlannedStack]) -> None:
    for item in stacks:
        if item.plan_file is None:
            raise OperationError(
                f"stack {item.stack!r}: prevent_destroy refuses this plan, so there is nothing "
                "to apply; for a deliberate CA rotation set prevent_ca_destroy=False (or the "
                "CA's prevent_destroy=False) in the app as well (README, 'Replacing the CA')"
            )


def _approved() -> bool:
    print("Apply exactly this plan? Only 'yes' is accepted: ", end="", flush=True)
    try:
        answer = input()
    except EOFError:
        return False
    return answer.strip() == "yes"


def _apply(workspace: Workspace, item: PlannedStack, out: TextIO) -> None:
    """Apply the saved plan; local state is snapshotted first and journaled throughout."""
    assert item.plan_file is not None
    project = workspace.project
    journal = None
    if uses_local_state(item.stack, workspace.env):
        history.snapshot(project, item.stack)
        journal = history.start_journal(project, item.stack)
    code, shown = stream(
        ["terraform", "apply", "-input=false", "-no-color", item.plan_file],
        cwd=workspace.stack_dir(item.stack),
        env=workspace.env,
        out=out,
        on_line=None if journal is None else partial(history.journal_line, journal),
    )
    ensure_state_dir(project)
    if code == 0:
        return
    if "Saved plan is stale" in shown:
        raise OperationError(
            f"stack {item.stack!r}: the state changed after this plan was made (another deploy "
            "ran); nothing was applied. Run `internal-ca deploy` again to review the new plan"
        )
    raise OperationError(
        f"terraform apply failed for stack {item.stack!r} (exit {code}): "
        f"{diagnostics.reason(shown)}. Run `internal-ca plan` to see what is left to do"
    )


def _report(
    workspace: Workspace,
    stacks: Sequence[PlannedStack],
    before: Mapping[str, StackState | None],
    out: TextIO,
) -> None:
    """Check the apply's outcome in the state itself, then say what it issued and pin CAs.

    Terraform's exit status is not trusted alone: a killed Terraform can leave a state that
    was never written, so the state must have advanced and hold every planned certificate.
    """
    for item in stacks:
        if item.summary.nothing_to_do:
            # Unchanged beside a changed stack: pinned from the state the guard checked.
            _pin(workspace, item.stack, before.get(item.stack), out)
            continue
        state = _state_after(workspace, item.stack, before.get(item.stack))
        outputs = parse_outputs(item.stack, state.outputs, {})
        issued = {service.name: service for service in outputs.services}
        out.write(f"\nDeployed stack {item.stack}:\n")
        cas = {ca.name: ca for ca in outputs.cas}
        for ca_row in item.summary.cas:
            deployed = cas.get(ca_row.name)
            if ca_row.changed and deployed is not None:
                cert = facts(load_cert(deployed.cert_pem, f"CA {ca_row.name!r}"))
                out.write(
                    f"  CA {ca_row.name}: key {ca_row.key_action}, certificate "
                    f"{ca_row.cert_action}; serial {cert.serial_hex}, expires "
                    f"{iso(cert.not_after)}\n"
                )
        for row in item.summary.services:
            if row.action is Action.UNCHANGED:
                continue
            old = old_certificate_text(row, item.summary.ledger)
            if row.action is Action.REMOVE:
                out.write(f"  removed    {row.service}: {old or 'serial ' + (row.serial or '?')}\n")
                continue
            service = issued.get(row.service)
            if service is None:
                raise OperationError(
                    f"stack {item.stack!r}: service {row.service!r} was planned but is not in "
                    "state after the apply; run `internal-ca plan` to see what is left to do"
                )
            cert = facts(load_cert(service.cert_pem, f"service {row.service!r}"))
            out.write(
                f"  {row.action.value:<9}  {row.service}: serial {cert.serial_hex}, "
                f"expires {iso(cert.not_after)}\n"
            )
            if old:
                out.write(f"             old cert: {old}\n")
        if uses_local_state(item.stack, workspace.env):
            # A stack deployed once has no pre-apply copy: keep the checked result as one.
            history.snapshot(workspace.project, item.stack)
        history.end_journal(history.journal_path(workspace.project, item.stack))
        _pin(workspace, item.stack, state, out)
    out.write("Done.\n")


def _pin(workspace: Workspace, stack: str, state: StackState | None, out: TextIO) -> None:
    for path in write_pins(workspace.project, stack, state):
        out.write(
            f"  pinned CA certificate {path} (sha256 {fingerprint(path.read_text())}): "
            "commit it; plans and deploys check the CA in state against it\n"
        )


def _state_after(workspace: Workspace, stack: str, before: StackState | None) -> StackState:
    state = read_state(workspace.project, stack, workspace.env)
    if state is None or (before is not None and state.serial <= before.serial):
        raise OperationError(
            f"stack {stack!r}: Terraform reported success but the state did not advance "
            "(it was not written); nothing is confirmed deployed. Run `internal-ca plan`"
        )
    return state
