"""Snapshots belong to one stack and one lineage: `recover` never restores another state.

Two stacks whose names share a prefix (`internal-ca`, `internal-ca-dev`) keep separate
copies, and a copy of another lineage than the damaged state's is another state with
another CA: it is refused or left aside, never restored.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from internal_ca.commands.recover import recover
from internal_ca.errors import OperationError
from internal_ca.state import history
from internal_ca.terraform.project import Project

PROD = "internal-ca"
DEV = "internal-ca-dev"


@pytest.fixture
def project(tmp_path: Path) -> Project:
    (tmp_path / "state").mkdir(mode=0o700)
    return Project(tmp_path, tmp_path)


def _state(serial: int, lineage: str) -> str:
    """A small Terraform state; the certificate's id stands for its serial."""
    resource = {
        "mode": "managed",
        "type": "tls_locally_signed_cert",
        "name": "web",
        "instances": [{"attributes": {"id": str(1000 + serial)}}],
    }
    document = {"version": 4, "serial": serial, "lineage": lineage, "resources": [resource]}
    return json.dumps(document, indent=2)


def _deploy(project: Project, stack: str, serial: int, lineage: str) -> None:
    """What a deploy leaves: the state as written, and a snapshot taken before the next."""
    history.state_file(project, stack).write_text(_state(serial, lineage))
    taken = history.snapshot(project, stack)
    assert taken is not None


def _lineage_of(project: Project, stack: str) -> str:
    data = history.whole_state(history.state_file(project, stack))
    assert data is not None
    return str(data["lineage"])


def test_pruning_one_stack_keeps_the_other_stacks_snapshots(project: Project) -> None:
    _deploy(project, DEV, 1, "dev-lineage")
    for serial in range(2, history.KEEP_SNAPSHOTS + 4):
        _deploy(project, PROD, serial, "prod-lineage")
    history.state_file(project, DEV).write_text("")
    good = history.latest_good(project, DEV)
    assert good is not None and good.lineage == "dev-lineage"


def test_recover_never_restores_the_prefix_sharing_stacks_copy(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    _deploy(project, PROD, 5, "prod-lineage")
    _deploy(project, DEV, 9, "dev-lineage")  # a higher serial, and newer
    history.state_file(project, PROD).write_text("")
    recover(project, PROD)
    assert _lineage_of(project, PROD) == "prod-lineage"
    assert "internal-ca-dev" not in capsys.readouterr().out


def test_a_missing_state_is_not_reported_for_the_prefix_sharing_stack(project: Project) -> None:
    _deploy(project, DEV, 2, "dev-lineage")
    assert history.state_problem(project, PROD) is None


def test_old_flat_snapshot_names_are_read_by_exact_stack(project: Project) -> None:
    folder = history.history_dir(project)
    folder.mkdir(mode=0o700)
    (folder / f"{DEV}-20260101T000000Z-serial9.tfstate").write_text(_state(9, "dev-lineage"))
    (folder / f"{PROD}-20260101T000000Z-serial4.tfstate").write_text(_state(4, "prod-lineage"))
    history.state_file(project, PROD).write_text("")
    good = history.latest_good(project, PROD)
    assert good is not None and (good.serial, good.lineage) == (4, "prod-lineage")


def test_a_snapshot_of_another_lineage_than_the_damaged_state_is_refused(
    project: Project,
) -> None:
    # The stack's only copies are of another state (copied in by hand, say); the damaged
    # file, cut short mid-write, still names its own lineage.
    _deploy(project, PROD, 7, "someone-elses-lineage")
    cut_short = _state(8, "prod-lineage")[:80]
    assert '"lineage": "prod-lineage"' in cut_short
    history.state_file(project, PROD).write_text(cut_short)
    with pytest.raises(OperationError, match="no good copy of its lineage prod-lineage"):
        recover(project, PROD)
    assert history.state_file(project, PROD).read_text() == cut_short


def test_the_journal_names_the_lineage_when_the_damaged_file_is_empty(project: Project) -> None:
    _deploy(project, PROD, 3, "prod-lineage")
    os.utime(history.snapshot_files(project, PROD)[-1], (1, 1))
    _deploy(project, PROD, 40, "other-lineage")  # newer, and a higher serial
    history.state_file(project, PROD).write_text(_state(41, "prod-lineage"))
    history.start_journal(project, PROD)  # the interrupted apply started on prod-lineage
    history.state_file(project, PROD).write_text("")
    recover(project, PROD)
    assert _lineage_of(project, PROD) == "prod-lineage"


def test_snapshots_that_disagree_restore_the_newest_lineage_and_say_so(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    _deploy(project, PROD, 50, "before-start-over")
    os.utime(history.snapshot_files(project, PROD)[-1], (1, 1))
    _deploy(project, PROD, 2, "after-start-over")
    history.state_file(project, PROD).write_text("")
    recover(project, PROD)
    assert _lineage_of(project, PROD) == "after-start-over"
    out = capsys.readouterr().out
    assert "ignored 1 copy of another lineage" in out
    assert "the state's lineage is after-start-over, read from the newest snapshot" in out
