"""Planning a stack without leaving a plan behind: the plan file and its JSON hold every key.

`terraform plan -out` writes into a 0700 temp folder, `terraform show -json` is read in
memory, and the folder is deleted before the summary is printed. When prevent_destroy refuses
the plan (a CA replacement), a second, review-only plan runs on a copy of the stack's config
with that one protection lifted for the refused addresses, in the same temp folder, so the
summary can still say how many certificates the change would re-issue. That copy is never
applied and is deleted with the folder; `deploy` synthesizes afresh and keeps the protection.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import OperationError
from .plan_fields import PlanFormatError
from .plan_model import Summary, blocked_summary, summarize_plan
from .project import Project
from .state_files import check_local_state
from .toolchain import run, terraform_init

_PREVENT_DESTROY = re.compile(
    r"Resource\s+([A-Za-z0-9_.\-\[\]\"]+)\s+has\s+lifecycle\.prevent_destroy\s+set"
)
_IN_RESOURCE = re.compile(r"in resource\.([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)")
_MAX_PLAN_BYTES = 512 * 1024 * 1024


@contextmanager
def private_tempdir() -> Iterator[Path]:
    """A 0700 folder that is removed, with everything in it, whatever happens."""
    path = Path(tempfile.mkdtemp(prefix="internal-ca-plan-"))
    try:
        path.chmod(0o700)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _plain(output: str) -> str:
    """Terraform's diagnostics without box-drawing borders, on one line."""
    return " ".join(output.replace("│", " ").replace("╷", " ").replace("╵", " ").split())


def prevent_destroy_addresses(output: str) -> list[str]:
    """The addresses a failed plan names as protected by prevent_destroy, in order."""
    found: list[str] = []
    for address in _PREVENT_DESTROY.findall(_plain(output)):
        if address not in found:
            found.append(address)
    return found


def failure_reason(output: str) -> str:
    """A failed plan in one line: Terraform's error summary and the resource, never values."""
    lines = [line.strip(" │╷╵") for line in output.splitlines()]
    for index, line in enumerate(lines):
        if line.startswith("Error: "):
            summary = line[len("Error: ") :][:120]
            nearby = " ".join(lines[index + 1 : index + 4])
            where = _IN_RESOURCE.search(nearby)
            return summary + (f" (in {where.group(1)})" if where else "")
    return "see `terraform plan` in the stack folder for details"


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
        if path.stat().st_size > _MAX_PLAN_BYTES:
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


def _show_json(plan_file: Path, cwd: Path, env: dict[str, str], stack: str) -> object:
    done = run(["terraform", "show", "-json", "-no-color", plan_file], cwd=cwd, env=env)
    if done.returncode != 0:
        raise OperationError(
            f"terraform show -json failed for stack {stack!r}: " + failure_reason(done.stderr)
        )
    return load_plan_json(done.stdout, f"the plan of stack {stack!r}")


def _plan(cwd: Path, plan_file: Path, env: dict[str, str]) -> tuple[int, str]:
    done = run(
        ["terraform", "plan", "-input=false", "-no-color", f"-out={plan_file}"],
        cwd=cwd,
        env=env,
    )
    return done.returncode, done.stdout + done.stderr


def lift_prevent_destroy(config: dict[str, Any], addresses: list[str], stack_dir: Path) -> None:
    """Review-only config: no prevent_destroy on `addresses`, local state found from elsewhere."""
    resources = config.get("resource", {})
    for address in addresses:
        type_name, _, name = address.partition(".")
        lifecycle = resources.get(type_name, {}).get(name, {}).get("lifecycle")
        if isinstance(lifecycle, dict):
            lifecycle.pop("prevent_destroy", None)
    local = config.get("terraform", {}).get("backend", {}).get("local")
    if isinstance(local, dict) and isinstance(local.get("path"), str):
        local["path"] = str((stack_dir / local["path"]).resolve())


def _review_plan(
    stack_dir: Path, tmp: Path, env: dict[str, str], stack: str, blocked: list[str]
) -> object:
    review = tmp / "review"
    review.mkdir(mode=0o700)
    config = json.loads((stack_dir / "cdk.tf.json").read_text())
    lift_prevent_destroy(config, blocked, stack_dir)
    (review / "cdk.tf.json").write_text(json.dumps(config))
    lock = stack_dir / ".terraform.lock.hcl"
    if lock.exists():
        shutil.copyfile(lock, review / ".terraform.lock.hcl")
    done = run(["terraform", "init", "-input=false", "-no-color"], cwd=review, env=env)
    if done.returncode != 0:
        raise OperationError("init failed: " + failure_reason(done.stdout + done.stderr))
    code, output = _plan(review, review / "plan", env)
    if code != 0:
        raise OperationError("plan failed: " + failure_reason(output))
    return _show_json(review / "plan", review, env, stack)


def plan_stack(project: Project, stack: str, env: dict[str, str], mode: str) -> Summary:
    """Plan one stack and summarize it; the plan file never outlives this call."""
    check_local_state(project, stack)
    terraform_init(project, stack, env, mode)
    stack_dir = project.stack_dir(stack)
    with private_tempdir() as tmp:
        code, output = _plan(stack_dir, tmp / "plan", env)
        if code == 0:
            return summarize_plan(stack, _show_json(tmp / "plan", stack_dir, env, stack))
        blocked = prevent_destroy_addresses(output)
        if not blocked:
            raise OperationError(
                f"terraform plan failed for stack {stack!r}: {failure_reason(output)}"
            )
        try:
            document = _review_plan(stack_dir, tmp, env, stack, blocked)
        except OperationError as error:
            note = f"the review-only plan without prevent_destroy failed: {error}"
            return blocked_summary(stack, blocked, note)
        return summarize_plan(stack, document, blocked)
