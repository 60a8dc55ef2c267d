"""End-to-end faults on the pg backend: a killed apply, a stuck lock holder, concurrent deploys.

Facts these tests pin down: the pg backend's lock is a session-level advisory lock, so a
SIGKILLed Terraform releases it with its connection; a live but stuck Terraform keeps it,
other deploys wait (-lock-timeout) or fail with Terraform's lock error, and `internal-ca
unlock --yes` ends the stuck session.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from e2e_project import TempProject, descendants, redact, service_line, standin_only
from postgres_server import PgTarget

pytestmark = [pytest.mark.e2e, pytest.mark.pg, pytest.mark.conformance]
# The tests that drive `terraform apply` themselves point it at the stand-in.
APPLIES_ITSELF = standin_only("drives terraform apply itself with the stand-in's CLI config")

BASE = service_line("web", "web.example")
MORE = "".join(service_line(f"svc{n}", f"svc{n}.example") for n in range(1, 7))


def _cert_rows(pg: PgTarget) -> list[tuple[str, str]]:
    """(name, serial) of every certificate instance in the stored state, duplicates kept."""
    rows = pg.sql(
        "SELECT r->>'name', i->'attributes'->>'id' "  # noqa: S608 - fixed schema name
        f"FROM {pg.schema}.states s, jsonb_array_elements(s.data::jsonb->'resources') r, "
        "jsonb_array_elements(r->'instances') i "
        "WHERE r->>'type' IN ('tls_locally_signed_cert', 'tls_self_signed_cert')"
    )
    return [(name, serial) for name, serial in rows]


def _managed_names(pg: PgTarget) -> list[str]:
    rows = pg.sql(
        "SELECT r->>'type' || '.' || (r->>'name') "  # noqa: S608 - fixed schema name
        f"FROM {pg.schema}.states s, jsonb_array_elements(s.data::jsonb->'resources') r "
        "WHERE r->>'mode' = 'managed'"
    )
    return sorted(row[0] for row in rows)


def _advisory_holders(pg: PgTarget) -> list[str]:
    rows = pg.sql(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    return [row[0] for row in rows]


def _expected_names(services: list[str]) -> list[str]:
    names = ["tls_private_key.ca", "tls_self_signed_cert.ca"]
    for service in services:
        names += [
            f"terraform_data.{service}_key_version",
            f"tls_private_key.{service}",
            f"tls_cert_request.{service}",
            f"tls_locally_signed_cert.{service}",
        ]
    return sorted(names)


def _start_apply(project: TempProject) -> subprocess.Popen[str]:
    rc = project.root / ".internal-ca" / "standin" / "terraformrc"
    return subprocess.Popen(
        ["terraform", "apply", "-auto-approve", "-input=false", "-no-color"],
        cwd=project.stack_dir,
        env=project.env(TF_CLI_CONFIG_FILE=str(rc)),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


@contextmanager
def _reaped(process: subprocess.Popen[str]) -> Iterator[subprocess.Popen[str]]:
    """Never leave a stopped or running Terraform behind, whatever the test does."""
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if process.stdout:
            process.stdout.close()


def _terraform_under(process: subprocess.Popen[str]) -> bool:
    """Has this process started Terraform (a child whose program is terraform)?"""
    return any(
        command.split(" ", 1)[0].endswith("terraform") for _, command in descendants(process.pid)
    )


def _wait_for(condition: str, check: Callable[[], bool], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {condition}")


@APPLIES_ITSELF
def test_killed_apply_leaves_no_lock_and_next_deploy_converges(
    tmp_path: Path, pg: PgTarget
) -> None:
    project = TempProject(tmp_path / "p")
    project.write_app(BASE)
    project.deploy()
    issued_before = dict(_cert_rows(pg))

    project.write_app(BASE + MORE)
    project.synth()
    with _reaped(_start_apply(project)) as apply:
        assert apply.stdout is not None
        for line in apply.stdout:
            # Kill only once certificates are being created: truly mid-apply.
            if "tls_locally_signed_cert.svc" in line and "Creation complete" in line:
                os.killpg(apply.pid, signal.SIGKILL)
                break
        apply.wait()
        assert apply.returncode == -signal.SIGKILL

    # The session died with the process, and its advisory lock with it.
    _wait_for("the killed session to end", lambda: not _advisory_holders(pg), 30)
    assert "no session holds the state lock" in project.cli("unlock").stdout

    project.deploy()
    rows = _cert_rows(pg)
    names = [name for name, _ in rows]
    assert sorted(names) == sorted({*names}), "a certificate is in the state twice"
    assert _managed_names(pg) == _expected_names(["web"] + [f"svc{n}" for n in range(1, 7)])
    serials = dict(rows)
    assert len(set(serials.values())) == len(serials)
    for name, serial in issued_before.items():
        assert serials[name] == serial, f"{name} was re-issued after the crash"
    assert project.plan_exit_code() == 0


@APPLIES_ITSELF
def test_stuck_lock_holder_blocks_then_unlock_releases_it(tmp_path: Path, pg: PgTarget) -> None:
    project = TempProject(tmp_path / "p")
    project.write_app(BASE)
    project.deploy()
    before = dict(_cert_rows(pg))

    project.write_app(BASE + service_line("api", "api.example"))
    project.synth()
    with _reaped(_start_apply(project)) as stuck:
        _wait_for("the apply to take the lock", lambda: bool(_advisory_holders(pg)))
        os.killpg(stuck.pid, signal.SIGSTOP)
        holder = _advisory_holders(pg)

        shown = project.cli("unlock")
        assert f"locked by database session {holder[0]}" in shown.stdout

        blocked = project.cli(
            "deploy", "--auto-approve", check=False, env={"INTERNAL_CA_LOCK_TIMEOUT": "2s"}
        )
        assert blocked.returncode == 1
        assert "Error acquiring the state lock" in blocked.stdout + blocked.stderr

        # Terraform's own force-unlock says it worked, but another session's lock survives.
        lock_id = re.search(r"ID:\s+(\S+)", blocked.stdout + blocked.stderr)
        assert lock_id is not None
        project.terraform("force-unlock", "-force", lock_id.group(1), "-no-color")
        assert _advisory_holders(pg) == holder

        released = project.cli("unlock", "--yes")
        assert "lock released" in released.stdout
        assert _advisory_holders(pg) == []
        os.killpg(stuck.pid, signal.SIGKILL)

    project.deploy()
    serials = dict(_cert_rows(pg))
    assert set(serials) == {"ca", "web", "api"}
    assert {name: serials[name] for name in before} == before
    assert project.plan_exit_code() == 0


@APPLIES_ITSELF
def test_deploy_waits_for_the_lock_then_finds_nothing_left_to_do(
    tmp_path: Path, pg: PgTarget
) -> None:
    """Two people deploy the same merged main.py; the second waits and issues nothing twice."""
    both = BASE + service_line("svc-a", "a.example") + service_line("svc-b", "b.example")
    first, second = TempProject(tmp_path / "first"), TempProject(tmp_path / "second")
    first.write_app(BASE)
    first.deploy()
    first.write_app(both)
    second.write_app(both)
    first.synth()
    with _reaped(_start_apply(first)) as holder:
        _wait_for("the first apply to take the lock", lambda: bool(_advisory_holders(pg)))
        os.killpg(holder.pid, signal.SIGSTOP)
        waiting = second.start("deploy", "--auto-approve")
        with _reaped(waiting):
            _wait_for("the second deploy to reach terraform", lambda: _terraform_under(waiting))
            os.killpg(holder.pid, signal.SIGCONT)
            holder_out, _ = holder.communicate(timeout=300)
            waiting_out, _ = waiting.communicate(timeout=300)
    assert holder.returncode == 0, redact(holder_out)[-3000:]
    assert waiting.returncode == 0, redact(waiting_out)[-3000:]
    assert "Creation complete" not in waiting_out

    rows = _cert_rows(pg)
    assert sorted(name for name, _ in rows) == ["ca", "svc-a", "svc-b", "web"]
    assert len({serial for _, serial in rows}) == len(rows)
    assert first.plan_exit_code() == 0
    assert second.plan_exit_code() == 0


def test_concurrent_deploys_end_with_each_service_once(tmp_path: Path, pg: PgTarget) -> None:
    """Both start at once; the lock serializes them, or the loser fails and applies nothing.

    The loser either waits past its lock timeout, or finds its reviewed plan stale: deploy
    applies only the plan it summarized, so it refuses rather than re-plan silently.
    """
    both = BASE + service_line("svc-a", "a.example") + service_line("svc-b", "b.example")
    seed = TempProject(tmp_path / "seed")
    seed.write_app(BASE)
    seed.deploy()
    projects = [TempProject(tmp_path / name) for name in ("alice", "bob")]
    runs = []
    for project in projects:
        project.write_app(both)
    for project in projects:
        runs.append(project.start("deploy", "--auto-approve"))
    outputs = []
    for run in runs:
        with _reaped(run):
            outputs.append(run.communicate(timeout=400)[0])
    for run, output in zip(runs, outputs, strict=True):
        assert (
            run.returncode == 0
            or "Error acquiring the state lock" in output
            or "the state changed after this plan was made" in output
        ), redact(output)

    rows = _cert_rows(pg)
    assert sorted(name for name, _ in rows) == ["ca", "svc-a", "svc-b", "web"]
    assert len({serial for _, serial in rows}) == len(rows)
    for project in projects:
        assert project.plan_exit_code() == 0
