"""`internal-ca plan`: a certificate-level summary of what deploy would change, and a guard."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .errors import OperationError
from .plan_guard import DEFAULT_MAX_REISSUE, GuardOptions, check
from .plan_model import Summary, summarize_plan
from .plan_render import FORMATS
from .plan_run import plan_stack, read_plan_file
from .project import find_project
from .provider_source import REGISTRY, selected_mode
from .toolchain import synth, tool_env

GUARD_TRIPPED = 3
"""Exit status when the plan is fine to read but the guard refuses it (1 is an error)."""


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative; expected 0 or more")
    return value


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
            "certificates re-issued. The plan file is kept in a private temp folder and "
            "deleted; no key or plan content is printed."
        ),
    )
    parser.add_argument(
        "--format", choices=sorted(FORMATS), default="text", help="text (default) or markdown"
    )
    parser.add_argument(
        "--output", type=Path, help="write the report to this file instead of standard output"
    )
    parser.add_argument(
        "--allow-ca-replacement",
        action="store_true",
        help="let the plan replace or destroy the CA key or certificate (re-issues everything)",
    )
    parser.add_argument(
        "--allow-destroy", action="store_true", help="let the plan remove service certificates"
    )
    parser.add_argument(
        "--max-reissue",
        type=_count,
        default=DEFAULT_MAX_REISSUE,
        metavar="N",
        help=(
            f"most certificates one plan may re-issue or re-key (default {DEFAULT_MAX_REISSUE}; "
            "renewals do not count)"
        ),
    )
    parser.add_argument("--stack", default=None, help="plan only this stack (default: every one)")
    parser.add_argument(
        "--plan-json",
        type=Path,
        metavar="FILE",
        help=(
            "summarize this `terraform show -json PLANFILE` output instead of planning "
            "(it holds keys: keep it private and delete it)"
        ),
    )
    parser.set_defaults(handler=plan_command)


def _plan_stacks(stack: str | None) -> list[Summary]:
    project = find_project()
    mode = selected_mode(REGISTRY)
    os.umask(0o077)
    env = tool_env(project, mode)
    stacks = synth(project, env)
    if stack is not None and stack not in stacks:
        raise OperationError(f"stack {stack!r} is not in this app; expected one of {stacks}")
    return [plan_stack(project, name, env, mode) for name in ([stack] if stack else stacks)]


def _refuse_pem(report: str) -> None:
    """A last check on top of the allow-list: no PEM block ever leaves this command."""
    if "-----BEGIN" in report or "PRIVATE KEY" in report:
        raise OperationError("the report would contain a PEM block; nothing was printed")


def plan_command(args: argparse.Namespace) -> int:
    if args.plan_json is not None:
        summaries = [summarize_plan(args.stack or "plan", read_plan_file(args.plan_json))]
    else:
        summaries = _plan_stacks(args.stack)
    options = GuardOptions(
        allow_ca_replacement=args.allow_ca_replacement,
        allow_destroy=args.allow_destroy,
        max_reissue=args.max_reissue,
    )
    reasons = check(summaries, options)
    report = FORMATS[args.format](summaries, reasons)
    _refuse_pem(report)
    if args.output is not None:
        args.output.write_text(report)
        print(f"internal-ca: wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(report)
    if reasons:
        print("internal-ca: guard: " + "; ".join(reasons), file=sys.stderr)
        return GUARD_TRIPPED
    return 0
