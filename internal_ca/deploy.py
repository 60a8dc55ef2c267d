"""`internal-ca deploy`: synth, init with the chosen provider source, then `cdktf deploy`."""

from __future__ import annotations

import argparse
import os
import sys

from .deploy_failure import terraform_errors
from .errors import OperationError
from .project import Project, find_project
from .provider_source import REGISTRY, selected_mode
from .state_files import check_local_state, ensure_state_dir, refuse_tracked_state
from .toolchain import run, synth, terraform_init, tool_env


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "deploy",
        help="issue and renew certificates: synth, terraform init, then cdktf deploy",
        description=(
            "Synthesize the app, install hashicorp/tls from the source CA_TLS_PROVIDER names "
            "(registry by default; mirror with CA_TLS_PROVIDER_MIRROR=DIR; standin for offline "
            "trials), then run `cdktf deploy`, which asks for approval unless --auto-approve."
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
    parser.add_argument(
        "--apply-with-terraform",
        action="store_true",
        help=(
            "after synth, run `terraform apply` in each stack folder instead of `cdktf deploy`: "
            "the same plan, approval and state, about 6x faster for a CA of 1000 services "
            "(docs/benchmarks.md)"
        ),
    )
    parser.set_defaults(handler=deploy_command)


def deploy_command(args: argparse.Namespace) -> int:
    project = find_project()
    mode = selected_mode(REGISTRY)
    if not args.auto_approve and not sys.stdin.isatty():
        raise OperationError(
            "no terminal to ask for approval; review `make plan` and run with AUTO_APPROVE=1"
        )
    refuse_tracked_state(project)
    os.umask(0o077)
    ensure_state_dir(project)
    env = tool_env(project, mode)
    stacks = synth(project, env)
    chosen = [args.stack] if args.stack else stacks
    for stack in chosen:
        if stack not in stacks:
            raise OperationError(f"stack {stack!r} is not in this app; expected one of {stacks}")
        check_local_state(project, stack)
        terraform_init(project, stack, env, mode)
    if args.apply_with_terraform:
        return _apply_with_terraform(project, chosen, env, auto_approve=args.auto_approve)
    command = [project.bin("cdktf"), "deploy", *chosen, "--skip-synth"]
    if args.auto_approve:
        command.append("--auto-approve")
    done = run(command, cwd=project.root, env=env, capture=False)
    ensure_state_dir(project)
    if done.returncode != 0:
        for stack in chosen:
            for block in terraform_errors(project, stack, env):
                print(f"stack {stack}: {block}", file=sys.stderr)
        raise OperationError(f"cdktf deploy failed (exit {done.returncode}); see the output above")
    return 0


def _apply_with_terraform(
    project: Project, stacks: list[str], env: dict[str, str], *, auto_approve: bool
) -> int:
    """cdktf deploy renders the whole plan through Node, which dominates large CAs."""
    for stack in stacks:
        command = ["terraform", "apply", "-input=true"]
        if auto_approve:
            command.append("-auto-approve")
        done = run(command, cwd=project.stack_dir(stack), env=env, capture=False)
        ensure_state_dir(project)
        if done.returncode != 0:
            raise OperationError(
                f"terraform apply failed for stack {stack!r} (exit {done.returncode}); "
                "see the output above"
            )
    return 0
