"""Snapshots belong to one stack and one lineage: `recover` never restores another state.

Two stacks whose names share a prefix (`internal-ca`, `internal-ca-dev`) keep separate
copies, and a copy of another lineage than the damaged state's is another state with
another CA: it is refused or left aside, never restored.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from internal_ca.commands.recover import recover
from internal_ca.errors import OperationError
from internal_ca.state import history
from internal_ca.terraform.project import Project

PROD = "internal-ca"
DEV = "internal-ca-dev"


StateText = Callable[..., str]
Deploy = Callable[[str, int, str], None]


@pytest.fixture
def deploy(project: Project, state_text: StateText) -> Deploy:
    """What a deploy leaves: the state as written, and a snapshot taken before the next."""

    def deployed(stack: str, serial: int, lineage: str) -> None:
        history.state_file(project, stack).write_text(state_text(serial, lineage))
        assert history.snapshot(project, stack) is not None

    return deployed


def _lineage_of(project: Project, stack: str) -> str:
    data = history.whole_state(history.state_file(project, stack))
    assert data is not None
    return str(data["lineage"])


def test_pruning_one_stack_keeps_the_other_stacks_snapshots(
    project: Project, deploy: Deploy
) -> None:
    deploy(DEV, 1, "dev-lineage")
    for serial in range(2, history.KEEP_SNAPSHOTS + 4):
        deploy(PROD, serial, "prod-lineage")
    history.state_file(project, DEV).write_text("")
    good = history.latest_good(project, DEV)
    assert good is not None and good.lineage == "dev-lineage"


def test_recover_never_restores_the_prefix_sharing_stacks_copy(
    project: Project, deploy: Deploy, capsys: pytest.CaptureFixture[str]
) -> None:
    deploy(PROD, 5, "prod-lineage")
    deploy(DEV, 9, "dev-lineage")  # a higher serial, and newer
    history.state_file(project, PROD).write_text("")
    recover(project, PROD)
    assert _lineage_of(project, PROD) == "prod-lineage"
    assert "internal-ca-dev" not in capsys.readouterr().out


def test_a_missing_state_is_not_reported_for_the_prefix_sharing_stack(
    project: Project, deploy: Deploy
) -> None:
    deploy(DEV, 2, "dev-lineage")
    assert history.state_problem(project, PROD) is None


def test_old_flat_snapshot_names_are_read_by_exact_stack(
    project: Project, state_text: StateText
) -> None:
    folder = history.history_dir(project)
    folder.mkdir(mode=0o700)
    (folder / f"{DEV}-20260101T000000Z-serial9.tfstate").write_text(state_text(9, "dev-lineage"))
    (folder / f"{PROD}-20260101T000000Z-serial4.tfstate").write_text(state_text(4, "prod-lineage"))
    history.state_file(project, PROD).write_text("")
    good = history.latest_good(project, PROD)
    assert good is not None and (good.serial, good.lineage) == (4, "prod-lineage")


def test_a_snapshot_of_another_lineage_than_the_damaged_state_is_refused(
    project: Project,
    deploy: Deploy,
    state_text: StateText,
) -> None:
    # The stack's only copies are of another state (copied in by hand, say); the damaged
    # file, cut short mid-write, still names its own lineage.
    deploy(PROD, 7, "someone-elses-lineage")
    cut_short = state_text(8, "prod-lineage")[:80]
    assert '"lineage": "prod-lineage"' in cut_short
    history.state_file(project, PROD).write_text(cut_short)
    with pytest.raises(OperationError, match="no good copy of its lineage prod-lineage"):
        recover(project, PROD)
    assert history.state_file(project, PROD).read_text() == cut_short


def test_the_journal_names_the_lineage_when_the_damaged_file_is_empty(
    project: Project, deploy: Deploy, state_text: StateText
) -> None:
    deploy(PROD, 3, "prod-lineage")
    os.utime(history.snapshot_files(project, PROD)[-1], (1, 1))
    deploy(PROD, 40, "other-lineage")  # newer, and a higher serial
    history.state_file(project, PROD).write_text(state_text(41, "prod-lineage"))
    history.start_journal(project, PROD)  # the interrupted apply started on prod-lineage
    history.state_file(project, PROD).write_text("")
    recover(project, PROD)
    assert _lineage_of(project, PROD) == "prod-lineage"


def test_snapshots_that_disagree_restore_the_newest_lineage_and_say_so(
    project: Project, deploy: Deploy, capsys: pytest.CaptureFixture[str]
) -> None:
    deploy(PROD, 50, "before-start-over")
    os.utime(history.snapshot_files(project, PROD)[-1], (1, 1))
    deploy(PROD, 2, "after-start-over")
    history.state_file(project, PROD).write_text("")
    recover(project, PROD)
    assert _lineage_of(project, PROD) == "after-start-over"
    out = capsys.readouterr().out
    assert "ignored 1 copy of another lineage" in out
    assert "the state's lineage is after-start-over, read from the newest snapshot" in out
