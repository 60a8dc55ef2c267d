"""Snapshots, the apply journal and the choice of the latest good copy, on plain files."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from internal_ca.errors import OperationError
from internal_ca.state import history
from internal_ca.state.local import load_local_state
from internal_ca.terraform.project import Project

STACK = "s"


def _write_state(project: Project, serial: int, lineage: str = "L", name: str = "") -> Path:
    path = project.state_dir / (name or f"{STACK}.tfstate")
    path.write_text(
        json.dumps({"version": 4, "serial": serial, "lineage": lineage, "resources": []})
    )
    return path


def test_a_snapshot_is_private_and_named_by_serial(project: Project) -> None:
    _write_state(project, 7)
    taken = history.snapshot(project, STACK)
    assert taken is not None and taken.serial == 7
    assert taken.path.name.endswith("-serial7.tfstate")
    assert taken.path.stat().st_mode & 0o777 == 0o600
    assert history.history_dir(project).stat().st_mode & 0o777 == 0o700


def test_no_state_no_snapshot(project: Project) -> None:
    assert history.snapshot(project, STACK) is None


def test_snapshots_are_bounded(project: Project) -> None:
    _write_state(project, 1)
    folder = history.stack_history(project, STACK)
    folder.mkdir(mode=0o700, parents=True)
    for index in range(history.KEEP_SNAPSHOTS + 5):
        old = folder / f"20260101T0000{index:02d}Z-serial{index}.tfstate"
        old.write_text("{}")
        os.utime(old, (index, index))
    taken = history.snapshot(project, STACK)
    kept = history.snapshot_files(project, STACK)
    assert len(kept) == history.KEEP_SNAPSHOTS
    assert taken is not None and taken.path in kept  # the newest stays, the oldest go
    assert not (folder / "20260101T000000Z-serial0.tfstate").exists()


def test_an_empty_state_is_damaged_and_read_only_commands_say_so(project: Project) -> None:
    _write_state(project, 2)
    history.snapshot(project, STACK)
    history.state_file(project, STACK).write_text("")
    assert history.state_problem(project, STACK) is not None
    with pytest.raises(OperationError, match=r"state damaged: .* Run `internal-ca recover`"):
        load_local_state(project, STACK)


def test_an_empty_state_with_no_good_copy_points_to_backups_not_recover(
    project: Project,
) -> None:
    history.state_file(project, STACK).write_text("")
    with pytest.raises(OperationError, match=r"No good copy exists .* from your backups") as got:
        load_local_state(project, STACK)
    assert "internal-ca recover" not in str(got.value)


def test_a_whole_state_is_loaded_as_written(project: Project) -> None:
    path = _write_state(project, 2)
    assert load_local_state(project, STACK) == json.loads(path.read_text())


def test_a_state_without_resources_is_damaged(project: Project) -> None:
    history.state_file(project, STACK).write_text(json.dumps({"serial": 1, "lineage": "L"}))
    with pytest.raises(OperationError, match=r"state damaged: .* is not a Terraform state"):
        load_local_state(project, STACK)


def test_a_missing_state_beside_snapshots_is_damaged_not_new(project: Project) -> None:
    _write_state(project, 3)
    history.snapshot(project, STACK)
    history.state_file(project, STACK).unlink()
    with pytest.raises(OperationError, match="is missing, but"):
        load_local_state(project, STACK)


def test_latest_good_prefers_a_newer_backup_of_the_same_lineage(project: Project) -> None:
    _write_state(project, 3)
    history.snapshot(project, STACK)
    _write_state(project, 5, name=f"{STACK}.tfstate.backup")
    good = history.latest_good(project, STACK)
    assert good is not None and good.serial == 5


def test_latest_good_ignores_a_backup_of_another_lineage(project: Project) -> None:
    _write_state(project, 3)
    history.snapshot(project, STACK)
    _write_state(project, 9, lineage="other", name=f"{STACK}.tfstate.backup")
    good = history.latest_good(project, STACK)
    assert good is not None and good.serial == 3


def test_the_journal_keeps_created_resources_only(project: Project) -> None:
    journal = history.start_journal(project, STACK)
    for line in (
        "tls_private_key.web: Creating...\n",
        "tls_locally_signed_cert.web: Creation complete after 0s [id=1234]\n",
        "tls_cert_request.web: Destruction complete after 0s\n",
    ):
        history.journal_line(journal, line)
    assert history.journaled(project, STACK) == [("tls_locally_signed_cert.web", "1234")]
    history.end_journal(journal)
    assert history.journaled(project, STACK) == []


def test_the_damage_message_names_the_good_copy_and_what_was_issued(project: Project) -> None:
    _write_state(project, 4)
    taken = history.snapshot(project, STACK)
    assert taken is not None
    journal = history.start_journal(project, STACK)
    history.journal_line(journal, "tls_locally_signed_cert.web: Creation complete after 0s [id=99]")
    history.state_file(project, STACK).write_text("")
    with pytest.raises(OperationError) as refused:
        load_local_state(project, STACK)
    message = str(refused.value)
    assert "is empty (0 bytes)" in message
    assert f"the latest good copy is {taken.path} (serial 4)" in message
    assert "had issued tls_locally_signed_cert.web" in message


def test_the_same_state_twice_is_kept_once(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A deploy snapshots after its checked apply, and the next deploy (later) before its apply.
    stamps = iter(["20260101T000000Z", "20260102T000000Z"])
    monkeypatch.setattr(time, "strftime", lambda *_: next(stamps))
    _write_state(project, 7)
    first = history.snapshot(project, STACK)
    again = history.snapshot(project, STACK)
    assert first is not None and again == first
    assert history.snapshot_files(project, STACK) == [first.path]


def test_the_same_serial_with_other_bytes_is_kept_again(project: Project) -> None:
    path = _write_state(project, 7)
    first = history.snapshot(project, STACK)
    path.write_text(path.read_text().replace('"resources": []', '"resources": [], "x": 1'))
    second = history.snapshot(project, STACK)
    assert first is not None and second is not None and second.path != first.path
    assert second.path.read_bytes() == path.read_bytes()
    assert first.path.read_text() != path.read_text()  # the first is not replaced


def test_a_state_equal_to_an_older_copy_but_not_the_newest_is_kept_again(
    project: Project,
) -> None:
    path = _write_state(project, 7)
    first = history.snapshot(project, STACK)
    assert first is not None
    os.utime(first.path, (1, 1))
    _write_state(project, 8)
    history.snapshot(project, STACK)
    path.write_bytes(first.path.read_bytes())  # serial 7 again, put back by hand
    third = history.snapshot(project, STACK)
    assert third is not None and third.path != first.path
    assert len(history.snapshot_files(project, STACK)) == 3


def test_two_snapshots_in_one_second_never_replace_each_other(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(time, "strftime", lambda *_: "20260101T000000Z")
    path = _write_state(project, 7)
    first = history.snapshot(project, STACK)
    path.write_text(path.read_text().replace('"resources": []', '"resources": [], "x": 1'))
    second = history.snapshot(project, STACK)
    assert first is not None and second is not None
    assert first.path.name == "20260101T000000Z-serial7.tfstate"
    assert second.path.name == "20260101T000000Z-2-serial7.tfstate"
    assert history.snapshot_files(project, STACK) == [first.path, second.path]


def test_copies_of_one_second_with_equal_file_times_sort_as_taken(project: Project) -> None:
    """Equal mtimes (a coarse filesystem, copied times): the counter orders them, -10 after -9."""
    folder = history.stack_history(project, STACK)
    folder.mkdir(parents=True, exist_ok=True)
    names = ["20260101T000000Z-serial1.tfstate"] + [
        f"20260101T000000Z-{count}-serial1.tfstate" for count in (2, 9, 10)
    ]
    for name in reversed(names):
        (folder / name).write_text("{}")
        os.utime(folder / name, (1000, 1000))
    assert [path.name for path in history.snapshot_files(project, STACK)] == names
