"""`internal-ca recover` as a new user meets it: no traceback, no false success, no repeats."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from internal_ca.commands.recover import recover
from internal_ca.errors import OperationError
from internal_ca.state import history
from internal_ca.terraform.project import Project

STACK = "internal-ca"
CREATED = "tls_locally_signed_cert.web: Creation complete after 0s [id={}]"


@pytest.fixture
def project(tmp_path: Path) -> Project:
    (tmp_path / "state").mkdir(mode=0o700)
    return Project(tmp_path, tmp_path)


def _state(serial: int, cert_id: str = "1001", lineage: str = "L") -> str:
    resource = {
        "mode": "managed",
        "type": "tls_locally_signed_cert",
        "name": "web",
        "instances": [{"attributes": {"id": cert_id}}],
    }
    return json.dumps({"version": 4, "serial": serial, "lineage": lineage, "resources": [resource]})


def _killed_apply(project: Project, issued: str) -> None:
    """A deploy snapshotted serial 3, journaled one certificate, then left 0 bytes."""
    history.state_file(project, STACK).write_text(_state(3))
    history.snapshot(project, STACK)
    journal = history.start_journal(project, STACK)
    history.journal_line(journal, CREATED.format(issued))
    history.state_file(project, STACK).write_text("")


def test_no_state_and_no_history_says_never_deployed(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    recover(project, STACK)
    out = capsys.readouterr().out
    assert "no local state and no snapshot of it (never deployed here)" in out
    assert "state is whole" not in out


def test_a_whole_state_with_a_stale_journal_names_nothing_already_in_state(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    history.state_file(project, STACK).write_text(_state(4, cert_id="77"))
    journal = history.start_journal(project, STACK)
    history.journal_line(journal, CREATED.format("77"))
    recover(project, STACK)
    out = capsys.readouterr().out
    assert "every certificate the unfinished apply issued is in the state" in out
    assert history.journal_paths(project, STACK) == []


def test_running_twice_restores_once_and_names_a_lost_serial_once(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    _killed_apply(project, issued="255")
    recover(project, STACK)
    first = capsys.readouterr().out
    assert "restored" in first and "serial FF was issued by the interrupted apply" in first
    recover(project, STACK)
    second = capsys.readouterr().out
    assert "state is whole; nothing to restore" in second
    assert "serial FF" not in second


def test_a_damaged_file_that_cannot_be_set_aside_stops_before_restoring(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    _killed_apply(project, issued="255")
    monkeypatch.setattr(time, "strftime", lambda *_: "FIXED")  # the kept name, known ahead
    blocker = history.state_file(project, STACK).with_name(f"{STACK}.tfstate.damaged-FIXED")
    blocker.mkdir()
    (blocker / "occupied").write_text("")  # a non-empty folder: rename cannot replace it
    with pytest.raises(OperationError, match=r"cannot keep the damaged state .*nothing was"):
        recover(project, STACK)
    assert history.state_file(project, STACK).read_text() == ""
    assert history.issued(project, STACK)  # the journal is still there for the next try


def test_a_killed_first_apply_has_nothing_older_and_says_deploy_initial(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = history.start_journal(project, STACK)  # no state before it: no snapshot
    history.journal_line(journal, CREATED.format("9"))
    history.state_file(project, STACK).write_text("")
    recover(project, STACK)
    out = capsys.readouterr().out
    assert "the interrupted apply was the stack's first" in out
    assert "`internal-ca deploy --initial`" in out
    assert not history.state_file(project, STACK).exists()


def test_a_state_damaged_without_any_copy_is_refused_and_left_as_it_is(
    project: Project,
) -> None:
    history.state_file(project, STACK).write_text("{")
    with pytest.raises(OperationError, match=r"there is no good copy .*nothing was changed"):
        recover(project, STACK)
    assert history.state_file(project, STACK).read_text() == "{"
