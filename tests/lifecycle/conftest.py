"""Shared helpers for the lifecycle tests: saved plans read as JSON, in a private temp folder."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from e2e_project import TempProject

PlannedChanges = Callable[..., dict[str, list[str]]]


def _planned_changes(project: TempProject, **env: str) -> dict[str, list[str]]:
    """Address -> actions of every resource a plan would change (reads and no-ops left out).

    The plan file and its JSON hold private keys, so they live only in a 0700 folder that is
    removed before this returns; only addresses and actions leave it.
    """
    folder = Path(tempfile.mkdtemp(prefix="lifecycle-plan-"))
    try:
        folder.chmod(0o700)
        plan = folder / "plan.tfplan"
        project.terraform("plan", "-input=false", "-no-color", f"-out={plan}", env=env)
        shown = project.terraform("show", "-json", str(plan), env=env)
        changes = json.loads(shown.stdout).get("resource_changes", [])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {
        change["address"]: list(change["change"]["actions"])
        for change in changes
        if set(change["change"]["actions"]) - {"no-op", "read"}
    }


@pytest.fixture(scope="session")
def planned_changes() -> PlannedChanges:
    return _planned_changes


@pytest.fixture(scope="session")
def synth() -> Callable[[TempProject], None]:
    """`cdktf synth` (and init) after main.py changed, so a plan sees the new configuration."""
    return TempProject.synth
