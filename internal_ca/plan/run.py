"""Planning a stack, once: the plan file and its JSON hold every key, so neither outlives use.

`terraform plan -out` writes into a 0700 folder under the project's private folder,
`terraform show -json` is read in memory, and the folder is deleted when the caller is done:
`internal-ca plan` right after the summary, `internal-ca deploy` after applying exactly that
plan file. When prevent_destroy refuses the plan (a CA replacement), a second, review-only
plan runs on a copy of the stack's config with that protection lifted for every protected
address, so the summary can still say how many certificates the change would re-issue.
That copy is never applied and has no plan file to apply.

The synthesized stack (`cdk.tf.json`, read by `workspace.stack_config`) is needed here: the
plan JSON does not describe locals, so which outputs carry a private key is found by following
references in it (plan.key_flow). A saved plan JSON (`internal-ca plan --plan-json`) comes
without it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from internal_ca.errors import OperationError
from internal_ca.plan.fields import PlanFormatError
from internal_ca.plan.key_flow import output_key_sources
from internal_ca.plan.model import Summary, blocked_summary, summarize_plan
from internal_ca.state.read import check_usable
from internal_ca.terraform import diagnostics
from internal_ca.terraform.workspace import Workspace, stack_config

MAX_PLAN_BYTES = 512 * 1024 * 1024
"""The largest plan JSON read; `--plan-json` is checked against it before any work."""


@dataclass(frozen=True)
class PlannedStack:
    """A stack's summary and, when Terraform could plan it as configured, its plan file."""

    stack: str
    summary: Summary
    plan_file: Path | None


def load_plan_json(text: str, origin: str) -> object:
    """Parse `terraform show -json` output; errors give a position, never content."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise PlanFormatError(
            f"{origin} is not valid JSON (line {error.lineno}, column {error.colno})"
        ) from None
    except RecursionError:
        raise PlanFormatError(f"{origin} is nested too deeply to be a plan") from None


def read_plan_file(path: Path) -> object:
    """A saved `terraform show -json` file (it may hold keys: it is only ever read)."""
    try:
        if path.stat().st_size > MAX_PLAN_BYTES:
            raise PlanFormatError(f"{path} is larger than 512 MiB; expected a plan JSON")
        data = path.read_bytes()
    except FileNotFoundError:
        raise OperationError(
            f"{path} does not exist; expected a `terraform show -json` file"
        ) from None
    except IsADirectoryError:
        raise OperationError(
            f"{path} is a folder; expected a `terraform show -json` file"
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise PlanFormatError(f"{path} is not UTF-8 text; expected a plan JSON") from None
    return load_plan_json(text, str(path))


def _show_json(workspace: Workspace, stack: str, plan_file: Path, cwd: Path) -> object:
    done = workspace.terraform(stack, "show", "-json", "-no-color", plan_file, cwd=cwd)
    if done.returncode != 0:
        raise diagnostics.failure(f"terraform show -json failed for stack {stack!r}", done.stderr)
    return load_plan_json(done.stdout, f"the plan of stack {stack!r}")


def _plan(workspace: Workspace, stack: str, cwd: Path, plan_file: Path) -> tuple[int, str]:
    done = workspace.terraform(
        stack, "plan", "-input=false", "-no-color", f"-out={plan_file}", cwd=cwd
    )
    return done.returncode, done.stdout + done.stderr


def lift_prevent_destroy(config: dict[str, Any], stack_dir: Path) -> None:
    """Review-only config: no prevent_destroy anywhere, local state found from elsewhere.

    Lifted everywhere at once: Terraform names only the first protected address it meets,
    and a CA key change reaches the certificate, the intermediates and every leaf.
    """
    for blocks in config.get("resource", {}).values():
        for block in blocks.values() if isinstance(blocks, dict) else ():
            lifecycle = block.get("lifecycle") if isinstance(block, dict) else None
            if isinstance(lifecycle, dict):
                lifecycle.pop("prevent_destroy", None)
    local = config.get("terraform", {}).get("backend", {}).get("local")
    if isinstance(local, dict) and isinstance(local.get("path"), str):
        local["path"] = str((stack_dir / local["path"]).resolve())


def _review_plan(workspace: Workspace, stack: str, tmp: Path, config: dict[str, Any]) -> object:
    """Plan a copy of `config` (changed in place) with prevent_destroy lifted."""
    stack_dir = workspace.stack_dir(stack)
    review = tmp / "review"
    review.mkdir(mode=0o700)
    lift_prevent_destroy(config, stack_dir)
    (review / "cdk.tf.json").write_text(json.dumps(config))
    lock = stack_dir / ".terraform.lock.hcl"
    if lock.exists():
        shutil.copyfile(lock, review / ".terraform.lock.hcl")
    done = workspace.terraform(stack, "init", "-input=false", "-no-color", cwd=review)
    if done.returncode != 0:
        raise OperationError("init failed: " + diagnostics.reason(done.stdout + done.stderr))
    code, output = _plan(workspace, stack, review, review / "plan")
    if code != 0:
        raise OperationError("plan failed: " + diagnostics.reason(output))
    return _show_json(workspace, stack, review / "plan", review)


@contextmanager
def planned(workspace: Workspace, stack: str) -> Iterator[PlannedStack]:
    """Plan one stack and summarize it; the plan file is deleted when the block ends."""
    check_usable(workspace.project, stack, workspace.env)
    stack_dir = workspace.stack_dir(stack)
    config = stack_config(workspace.project, stack)
    key_chains = output_key_sources(config)
    with workspace.private_tempdir("plan") as tmp:
        plan_file = tmp / "plan"
        code, output = _plan(workspace, stack, stack_dir, plan_file)
        if code == 0:
            document = _show_json(workspace, stack, plan_file, stack_dir)
            summary = summarize_plan(stack, document, key_chains=key_chains)
            yield PlannedStack(stack, summary, plan_file)
            return
        blocked = diagnostics.prevent_destroy_addresses(output)
        if not blocked:
            raise diagnostics.failure(f"terraform plan failed for stack {stack!r}", output)
        try:
            document = _review_plan(workspace, stack, tmp, config)
        except OperationError as error:
            note = f"the review-only plan without prevent_destroy failed: {error}"
            yield PlannedStack(stack, blocked_summary(stack, blocked, note), None)
            return
        yield PlannedStack(stack, summarize_plan(stack, document, blocked, key_chains), None)


def plan_stack(workspace: Workspace, stack: str) -> Summary:
    """Plan one stack for review only: the summary, with the plan file already gone."""
    with planned(workspace, stack) as result:
        return result.summary
