"""The CLI's own contract around every command: exit status, and what the environment may do."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from internal_ca.cli import main
from internal_ca.terraform.environment import ALLOW_DEBUG_LOG_VAR

# A command of the real CLI's shape whose report is as long as the test wants.
_FAKE_COMMAND = textwrap.dedent(
    """
    import sys, types
    import internal_ca.cli as cli

    def add_parser(subparsers):
        parser = subparsers.add_parser("report")
        parser.add_argument("lines", type=int)
        parser.set_defaults(handler=lambda args: [print("x" * 99) for _ in range(args.lines)] and 3)

    cli._COMMANDS = (types.SimpleNamespace(add_parser=add_parser),)
    sys.exit(cli.main(sys.argv[1:]))
    """
)


def _report_into_closed_pipe(lines: int, *, with_stderr: bool = False) -> int:
    """Run the fake command with its stdout (and stderr, as `2>&1`) a pipe nobody reads."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run(
            [sys.executable, "-c", _FAKE_COMMAND, "report", str(lines)],
            stdout=write,
            stderr=write if with_stderr else subprocess.PIPE,
            text=True,
            check=False,
            # Block-buffered, as a pipe normally is: the short report is written at the end.
            env={name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"},
        )
    finally:
        os.close(write)
    return done.returncode


def test_a_reader_leaving_early_is_not_a_success_for_unfinished_work() -> None:
    """`internal-ca deploy | head -1`: the command stopped mid-report, so it did not finish."""
    assert _report_into_closed_pipe(100_000) == 128 + signal.SIGPIPE


def test_a_closed_stderr_too_still_gives_the_pipe_status_not_a_traceback() -> None:
    """`internal-ca deploy 2>&1 | head -1`: the one line cannot be written either."""
    assert _report_into_closed_pipe(100_000, with_stderr=True) == 128 + signal.SIGPIPE


def test_a_reader_leaving_after_the_work_keeps_the_commands_status() -> None:
    """The report fit in the buffer and the command returned 3: the lost flush changes nothing."""
    assert _report_into_closed_pipe(1) == 3


def test_an_inherited_allow_variable_is_not_the_explicit_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(ALLOW_DEBUG_LOG_VAR, "1")
    monkeypatch.setenv("TF_LOG", "TRACE")
    assert main(["inventory"]) == 1
    assert "TF_LOG='TRACE' is set" in capsys.readouterr().err
    assert os.environ[ALLOW_DEBUG_LOG_VAR] == "1"  # put back as it was


def test_every_command_checks_the_environment_before_it_reads_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """revoke reads state without building Terraform's environment; it is refused all the same."""
    (tmp_path / "cdktf.json").write_text('{"app": "false"}')
    (tmp_path / "cdktf.out").mkdir()  # synthesized before: revoke reads it and does not synth
    (tmp_path / "cdktf.out" / "manifest.json").write_text('{"stacks": {"internal-ca": {}}}')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TF_WORKSPACE", "staging")
    assert main(["revoke", "web", "--reason", "superseded"]) == 1
    assert "TF_WORKSPACE='staging' is set" in capsys.readouterr().err
