"""`internal-ca plan`: a certificate-level summary of what deploy would change, and a guard."""

from __future__ import annotations

import argparse
import sys

from internal_ca.commands.arguments import output_file, plan_json_file
from internal_ca.commands.review import (
    GUARD_TRIPPED,
    add_guard_arguments,
    guard_options,
    review,
    review_workspace,
)
from internal_ca.plan.model import summarize_plan
from internal_ca.plan.render import FORMATS
from internal_ca.plan.run import plan_stack, read_plan_file
from internal_ca.terraform.workspace import open_workspace


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "plan",
        help="summarize what deploy would change, certificate by certificate, and guard it",
        description=(
            "Synthesize, plan every stack and print one row per service: issue, re-issue, "
            "renew, re-key, remove or unchanged, with the reason, the names after the change "
            "and the current expiry and serial. CA changes come first. Exits 3 with a "
            "one-line reason when the guard trips: the CA key or certificate would be "
            "replaced or destroyed, a service certificate removed, or more than --max-reissue "
            "certificates re-issued. `internal-ca deploy` runs the same guard. The plan file "
            "is kept in a private folder and deleted; no key or plan content is printed."
        ),
    )
    parser.add_argument(
        "--format", choices=sorted(FORMATS), default="text", help="text (default) or markdown"
    )
    parser.add_argument(
        "--output",
        type=output_file,
        help="write the report to this file instead of standard output",
    )
    add_guard_arguments(parser)
    parser.add_argument("--stack", default=None, help="plan only this stack (default: every one)")
    parser.add_argument(
        "--plan-json",
        type=plan_json_file,
        metavar="FILE",
        help=(
            "summarize this `terraform show -json PLANFILE` output instead of planning "
            "(it holds keys: keep it private and delete it); without the synthesized stack "
            "a non-sensitive output whose value comes through a reference only that stack "
            "could follow (a local, a module output, a terraform_data or any resource outside "
            "hashicorp/tls) counts as holding a private key and trips the guard: run plan "
            "without --plan-json to trace it"
        ),
    )
    parser.set_defaults(handler=plan_command)


def _review(args: argparse.Namespace) -> tuple[str, list[str]]:
    options = guard_options(args)
    if args.plan_json is not None:
        # A saved plan JSON comes with no state to check pins against: the guard only.
        summaries = [summarize_plan(args.stack or "plan", read_plan_file(args.plan_json))]
        return review(summaries, options, args.format)
    workspace = open_workspace(args.stack)
    summaries = [plan_stack(workspace, name) for name in workspace.stacks]
    reviewed = review_workspace(
        workspace, summaries, options, initial=args.initial, fmt=args.format
    )
    return reviewed.report, reviewed.reasons


def plan_command(args: argparse.Namespace) -> int:
    report, reasons = _review(args)
    if args.output is not None:
        args.output.write_text(report)
        print(f"internal-ca: wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(report)
    if reasons:
        print("internal-ca: guard: " + "; ".join(reasons), file=sys.stderr)
        return GUARD_TRIPPED
    return 0
