"""Bad command-line input: one line naming the option, the value and what is expected, exit 2,
and no work done (no synth, so no cdktf.out; no plan). One negative test per rule.

The project here has a valid app, so a command that got past its arguments would synthesize
it and leave cdktf.out behind: its absence proves the refusal came first.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_project import TempProject

from internal_ca.cli import build_parser
from internal_ca.commands import arguments

Cli = Callable[..., Any]  # conftest's `cli` fixture; it returns a Ran


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TempProject]:
    project = TempProject(tmp_path / "project")
    project.write_app()
    monkeypatch.chdir(project.root)
    yield project
    assert not (project.root / "cdktf.out").exists(), "the command synthesized before refusing"
    assert not (project.root / ".internal-ca").exists(), "the command did work before refusing"


def refused(ran: Any, command: str, option: str, *expected: str) -> str:
    """The usage error argparse prints: exit 2, its last line names command and option."""
    assert ran.code == 2, ran.explain()
    assert ran.out == ""
    last: str = ran.err.strip().splitlines()[-1]
    assert last.startswith(f"internal-ca {command}: error: argument {option}: "), ran.explain()
    for text in expected:
        assert text in last, ran.explain()
    return last


# --- numbers: finite and bounded ---------------------------------------------------------------


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e400", "Infinity"])
def test_expiring_within_refuses_a_number_that_is_not_finite(
    cli: Cli, project: TempProject, value: str
) -> None:
    ran = cli("inventory", f"--expiring-within={value}")
    refused(ran, "inventory", "--expiring-within", repr(value), "not a finite number", "0 to 36525")


@pytest.mark.parametrize("value", ["99999999999", "36526", "1e10"])
def test_expiring_within_refuses_more_days_than_the_limit(
    cli: Cli, project: TempProject, value: str
) -> None:
    ran = cli("inventory", f"--expiring-within={value}")
    refused(ran, "inventory", "--expiring-within", repr(value), "out of range", "0 to 36525")


@pytest.mark.parametrize("value", ["-1", "-0.5"])
def test_expiring_within_refuses_negative_days(cli: Cli, project: TempProject, value: str) -> None:
    ran = cli("inventory", f"--expiring-within={value}")
    refused(ran, "inventory", "--expiring-within", repr(value), "out of range")


@pytest.mark.parametrize("value", ["thirty", "", "30d", "0x10"])
def test_expiring_within_refuses_what_is_not_a_number(
    cli: Cli, project: TempProject, value: str
) -> None:
    ran = cli("inventory", f"--expiring-within={value}")
    refused(ran, "inventory", "--expiring-within", repr(value), "not a number")


@pytest.mark.parametrize("value", ["0", "30", "0.5", "36525", "-0"])
def test_expiring_within_takes_days_from_0_to_the_limit(value: str) -> None:
    args = build_parser().parse_args(["inventory", "--expiring-within", value])
    assert args.expiring_within == float(value)
    assert str(args.expiring_within) != "-0.0"


@pytest.mark.parametrize("command", ["plan", "deploy"])
@pytest.mark.parametrize("value", ["100001", "99999999999999999999", str(10**400)])
def test_max_reissue_refuses_a_huge_count(
    cli: Cli, project: TempProject, command: str, value: str
) -> None:
    ran = cli(command, "--max-reissue", value)
    last = refused(ran, command, "--max-reissue", repr(value[:40]), "out of range", "0 to 100000")
    assert len(last) < 200  # a 400-digit value is named, cut short


@pytest.mark.parametrize("value", ["-1", "1.5", "ten", "", "1e3", "inf"])
def test_max_reissue_refuses_what_is_not_a_count(
    cli: Cli, project: TempProject, value: str
) -> None:
    ran = cli("plan", f"--max-reissue={value}")
    refused(ran, "plan", "--max-reissue", repr(value), "number of certificates from 0 to 100000")


@pytest.mark.parametrize("value", ["0", "10", "100000"])
def test_max_reissue_takes_counts_up_to_the_limit(value: str) -> None:
    assert build_parser().parse_args(["plan", "--max-reissue", value]).max_reissue == int(value)


def test_the_number_types_name_value_and_range() -> None:
    count = arguments.whole_number(low=1, high=5, unit="number of tries")
    with pytest.raises(argparse.ArgumentTypeError, match=r"'6' is out of range; .* from 1 to 5"):
        count("6")
    with pytest.raises(argparse.ArgumentTypeError, match=r"'nan' is not a finite number"):
        arguments.days("nan")


# --- output paths: checked before planning ----------------------------------------------------


def test_plan_output_refuses_a_folder(cli: Cli, project: TempProject, tmp_path: Path) -> None:
    ran = cli("plan", "--output", str(tmp_path))
    refused(ran, "plan", "--output", repr(str(tmp_path)), "is a folder", "expected a file")


def test_plan_output_refuses_a_missing_folder(
    cli: Cli, project: TempProject, tmp_path: Path
) -> None:
    target = tmp_path / "missing" / "summary.md"
    ran = cli("plan", "--output", str(target))
    refused(ran, "plan", "--output", "missing", "does not exist", "existing folder")


def test_plan_output_refuses_a_path_under_a_file(
    cli: Cli, project: TempProject, tmp_path: Path
) -> None:
    (tmp_path / "file").write_text("x")
    ran = cli("plan", "--output", str(tmp_path / "file" / "summary.md"))
    refused(ran, "plan", "--output", "is not a folder")


def test_plan_output_refuses_an_unwritable_folder(cli: Cli, project: TempProject) -> None:
    # /proc/1 refuses new files even to root, whose permission bits are not checked.
    ran = cli("plan", "--output", "/proc/1/summary.md")
    refused(ran, "plan", "--output", "'/proc/1/summary.md'", "is not writable")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a 0500 folder")
def test_plan_output_refuses_a_read_only_folder(
    cli: Cli, project: TempProject, tmp_path: Path
) -> None:
    folder = tmp_path / "read-only"
    folder.mkdir(mode=0o500)
    ran = cli("plan", "--output", str(folder / "summary.md"))
    refused(ran, "plan", "--output", "is not writable")


def test_plan_output_refuses_a_device(cli: Cli, project: TempProject) -> None:
    ran = cli("plan", "--output", "/dev/null")
    refused(ran, "plan", "--output", "'/dev/null'", "not a regular file")


def test_plan_output_refuses_a_dangling_symlink(
    cli: Cli, project: TempProject, tmp_path: Path
) -> None:
    (tmp_path / "link.md").symlink_to(tmp_path / "nowhere" / "x.md")
    ran = cli("plan", "--output", str(tmp_path / "link.md"))
    refused(ran, "plan", "--output", "symbolic link to nothing")


def test_plan_output_takes_a_new_or_existing_file(tmp_path: Path) -> None:
    (tmp_path / "old.md").write_text("old")
    for name in ("new.md", "old.md"):
        args = build_parser().parse_args(["plan", "--output", str(tmp_path / name)])
        assert args.output == tmp_path / name


def test_export_refuses_a_file_as_its_folder(
    cli: Cli, project: TempProject, tmp_path: Path
) -> None:
    (tmp_path / "certs").write_text("not a folder")
    ran = cli("export", str(tmp_path / "certs"))
    refused(ran, "export", "DIR", repr(str(tmp_path / "certs")), "exists and is not a folder")


def test_export_refuses_a_folder_under_a_file(
    cli: Cli, project: TempProject, tmp_path: Path
) -> None:
    (tmp_path / "file").write_text("x")
    ran = cli("export", str(tmp_path / "file" / "a" / "b"))
    refused(ran, "export", "DIR", "is not a folder")


def test_export_refuses_a_place_where_no_folder_can_be_made(cli: Cli, project: TempProject) -> None:
    ran = cli("export", "/proc/1/certs/new")
    refused(ran, "export", "DIR", "'/proc/1'", "is not writable")


def test_demo_refuses_a_file_as_its_folder(cli: Cli, project: TempProject, tmp_path: Path) -> None:
    (tmp_path / "demo").write_text("x")
    ran = cli("demo", "--dir", str(tmp_path / "demo"))
    refused(ran, "demo", "--dir", "exists and is not a folder")


def test_export_takes_a_folder_with_missing_parents(tmp_path: Path) -> None:
    target = tmp_path / "new" / "a" / "b"
    assert build_parser().parse_args(["export", str(target)]).dir == target
    assert not (tmp_path / "new").exists()  # checking creates nothing


# --- --plan-json: a regular file below the size limit -------------------------------------------


def test_plan_json_refuses_a_character_device(cli: Cli, project: TempProject) -> None:
    ran = cli("plan", "--plan-json", "/dev/zero")
    refused(ran, "plan", "--plan-json", "'/dev/zero'", "not a regular file", "terraform show")


def test_plan_json_refuses_a_folder(cli: Cli, project: TempProject, tmp_path: Path) -> None:
    ran = cli("plan", "--plan-json", str(tmp_path))
    refused(ran, "plan", "--plan-json", "is a folder")


def test_plan_json_refuses_a_missing_file(cli: Cli, project: TempProject, tmp_path: Path) -> None:
    ran = cli("plan", "--plan-json", str(tmp_path / "plan.json"))
    refused(ran, "plan", "--plan-json", "does not exist")


def test_plan_json_refuses_a_file_over_the_limit(
    cli: Cli, project: TempProject, tmp_path: Path
) -> None:
    big = tmp_path / "plan.json"
    with big.open("wb") as handle:  # sparse: the size is real, the disk stays empty
        handle.truncate(arguments.MAX_PLAN_JSON_BYTES + 1)
    ran = cli("plan", "--plan-json", str(big))
    refused(ran, "plan", "--plan-json", "over the limit", str(arguments.MAX_PLAN_JSON_BYTES))


def test_plan_json_refuses_a_fifo_without_hanging(project: TempProject, tmp_path: Path) -> None:
    fifo = tmp_path / "plan.fifo"
    os.mkfifo(fifo)
    # A subprocess, so a hang fails this test after the timeout instead of stalling the run.
    done = subprocess.run(
        [sys.executable, "-m", "internal_ca", "plan", "--plan-json", str(fifo)],
        cwd=project.root,
        env=project.env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2, done.stderr
    assert "argument --plan-json: " in done.stderr
    assert "not a regular file" in done.stderr


def test_plan_json_takes_a_regular_file(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text("{}")
    assert build_parser().parse_args(["plan", "--plan-json", str(plan)]).plan_json == plan
