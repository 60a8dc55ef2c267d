"""`internal-ca recover` as a new user meets it: no traceback, no false success, no repeats."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from internal_ca.commands.recover import recover
from internal_ca.errors import OperationError
from internal_ca.state import history
from internal_ca.terraform.project import Project

STACK = "internal-ca"
CREATED = "tls_locally_signed_cert.web: Creation complete after 0s [id={}]"


StateText = Callable[..., str]


def _killed_apply(project: Project, state_text: StateText, issued: str) -> None:
    """A deploy snapshotted serial 3, journaled one certificate, then left 0 bytes."""
    history.state_file(project, STACK).write_text(state_text(3))
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
    project: Project, state_text: StateText, capsys: pytest.CaptureFixture[str]
) -> None:
    history.state_file(project, STACK).write_text(state_text(4, cert_id="77"))
    journal = history.start_journal(project, STACK)
    history.journal_line(journal, CREATED.format("77"))
    recover(project, STACK)
    out = capsys.readouterr().out
    assert "every certificate the unfinished apply issued is in the state" in out
    assert history.journal_paths(project, STACK) == []


def test_running_twice_restores_once_and_names_a_lost_serial_once(
    project: Project, state_text: StateText, capsys: pytest.CaptureFixture[str]
) -> None:
    _killed_apply(project, state_text, issued="255")
    recover(project, STACK)
    first = capsys.readouterr().out
    assert "restored" in first and "serial FF was issued by the interrupted apply" in first
    recover(project, STACK)
    second = capsys.readouterr().out
    assert "state is whole; nothing to restore" in second
    assert "serial FF" not in second


def test_a_damaged_file_that_cannot_be_set_aside_stops_before_restoring(
    project: Project, state_text: StateText, monkeypatch: pytest.MonkeyPatch
) -> None:
    _killed_apply(project, state_text, issued="255")
    state = history.state_file(project, STACK)
    rename = Path.rename

    def refuse_state(self: Path, target: str | Path) -> Path:
        if self == state:
            raise PermissionError(13, "Permission denied")
        return rename(self, target)

    monkeypatch.setattr(Path, "rename", refuse_state)
    with pytest.raises(OperationError, match=r"cannot keep the damaged state .*nothing was"):
        recover(project, STACK)
    assert state.read_text() == ""
    assert history.issued(project, STACK)  # the journal is still there for the next try


@pytest.fixture
def far_from_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time five hours ahead of UTC (POSIX TZ counts west as positive)."""
    monkeypatch.setenv("TZ", "XYZ-05")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("far_from_utc")
def test_kept_copies_are_stamped_in_utc(project: Project, state_text: StateText) -> None:
    _killed_apply(project, state_text, issued="255")
    recover(project, STACK)
    now = dt.datetime.now(dt.UTC)
    kept = [*project.state_dir.glob(f"{STACK}.tfstate.damaged-*")]
    journals = [*history.stack_history(project, STACK).glob("apply-journal.recovered-*")]
    assert len(kept) == 1 and len(journals) == 1
    for path in (kept[0], journals[0]):
        stamp = path.name.rpartition("-")[2]
        when = dt.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
        assert abs(when - now) < dt.timedelta(minutes=10), path.name  # local time is 5 h off


def test_a_second_recover_in_the_same_second_keeps_both_damaged_copies(
    project: Project, state_text: StateText, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(time, "strftime", lambda *_: "20260101T000000Z")  # one second for all
    _killed_apply(project, state_text, issued="255")
    history.state_file(project, STACK).write_text("first damage")
    recover(project, STACK)
    _killed_apply(project, state_text, issued="256")
    history.state_file(project, STACK).write_text("second damage")
    recover(project, STACK)
    damaged = f"{STACK}.tfstate.damaged-20260101T000000Z"
    assert (project.state_dir / damaged).read_text() == "first damage"
    assert (project.state_dir / f"{damaged}-2").read_text() == "second damage"
    journals = history.stack_history(project, STACK)
    first = (journals / "apply-journal.recovered-20260101T000000Z").read_text()
    second = (journals / "apply-journal.recovered-20260101T000000Z-2").read_text()
    assert first.endswith(" 255\n") and second.endswith(" 256\n")


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
