"""What `plan` and `deploy` share: the guard's flags, the CA pins, and the report they print.

Besides the plan itself the guard checks what needs the state as it is before any apply: the
CA pins, and that each revocation ledger entry names the CA state shows issued its serial.

A deploy is refused by exactly what refuses a pull request, so both commands take the same
flags with the same defaults from here and print the same certificate-level summary.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass

from internal_ca.certs.outputs import parse_outputs
from internal_ca.certs.pins import PINS_DIR, pin_check, pin_reasons, refuse_initial_when_pinned
from internal_ca.commands.arguments import whole_number
from internal_ca.errors import OperationError
from internal_ca.plan.guard import DEFAULT_MAX_REISSUE, GuardOptions, check
from internal_ca.plan.model import Summary
from internal_ca.plan.render import FORMATS
from internal_ca.revocation.issuers import ledger_problems
from internal_ca.revocation.ledger_file import load_ledger
from internal_ca.state.read import StackState, read_state
from internal_ca.terraform.workspace import Workspace

GUARD_TRIPPED = 3
"""Exit status when the plan is fine to read but the guard refuses it (1 is an error)."""


def add_guard_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--initial",
        action="store_true",
        help=(
            "the first deploy of each stack with no pin yet: let the plan create its CAs (or "
            "issue the first certificates under an ExistingCa); deploy then pins them in "
            "pins/STACK/ (commit that folder). Stacks with pins are guarded as without it; "
            "refused when every stack of the run has a pin"
        ),
    )
    parser.add_argument(
        "--allow-ca-replacement",
        action="store_true",
        help=(
            "let the plan replace or destroy a CA key or certificate, or adopt another CA's "
            "certificate in an ExistingCa's cert_file (re-issues everything)"
        ),
    )
    parser.add_argument(
        "--allow-destroy", action="store_true", help="let the plan remove service certificates"
    )
    parser.add_argument(
        "--allow-unrevoke",
        action="store_true",
        help="let the plan drop entries from the revocation ledger (trusts them again)",
    )
    parser.add_argument(
        "--max-reissue",
        type=whole_number(unit="number of certificates"),
        default=DEFAULT_MAX_REISSUE,
        metavar="N",
        help=(
            f"most certificates one plan may re-issue or re-key (default {DEFAULT_MAX_REISSUE}; "
            "renewals do not count)"
        ),
    )


def guard_options(args: argparse.Namespace) -> GuardOptions:
    return GuardOptions(
        allow_ca_replacement=args.allow_ca_replacement,
        allow_destroy=args.allow_destroy,
        max_reissue=args.max_reissue,
        allow_unrevoke=args.allow_unrevoke,
    )


def review(
    summaries: Sequence[Summary],
    options: GuardOptions,
    fmt: str = "text",
    extra: Sequence[str] = (),
) -> tuple[str, list[str]]:
    """The report and the guard's reasons to refuse (empty when it passes)."""
    reasons = [*check(summaries, options), *extra]
    report = FORMATS[fmt](summaries, reasons)
    # A last check on top of the plan reader's allow-list: no PEM block ever leaves here.
    if "-----BEGIN" in report or "PRIVATE KEY" in report:
        raise OperationError("the report would contain a PEM block; nothing was printed")
    return report, reasons


@dataclass(frozen=True)
class Reviewed:
    """A workspace's plans as reviewed: the report, the guard's verdict, the states before."""

    report: str
    reasons: list[str]
    states: dict[str, StackState | None]


def review_workspace(
    workspace: Workspace,
    summaries: Sequence[Summary],
    options: GuardOptions,
    *,
    initial: bool,
    fmt: str = "text",
) -> Reviewed:
    """The guard plus the CA pins and the ledger's issuers, which need the state as it is
    before any apply."""
    if initial:
        refuse_initial_when_pinned(workspace.project, [item.stack for item in summaries])
    states: dict[str, StackState | None] = {}
    extra: list[str] = []
    for summary in summaries:
        state = read_state(workspace.project, summary.stack, workspace.env)
        states[summary.stack] = state
        where = f"{PINS_DIR}/{summary.stack}/"
        extra += pin_reasons(
            pin_check(workspace.project, summary, state),
            initial=initial,
            allow_ca_replacement=options.allow_ca_replacement,
            where=where,
        )
        ledger = load_ledger(workspace.project, summary.stack)
        if state is not None and ledger.entries:
            outputs = parse_outputs(summary.stack, state.outputs, {})
            extra += ledger_problems(ledger, outputs)
    report, reasons = review(summaries, options, fmt, extra)
    return Reviewed(report, reasons, states)
