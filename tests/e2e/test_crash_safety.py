"""Kill a deploy anywhere: nothing is lost, the CA is never re-made, "done" only when done.

A campaign of signals at random moments of the apply, on local state: SIGKILL to Terraform
alone, to the whole process group or to the provider, and the signals a closed terminal or
a CI runner sends to the whole process group (SIGHUP, SIGTERM). After a SIGKILL the
README's recovery (`internal-ca recover` when a command says the state is damaged, then
`internal-ca deploy`) must converge; a caught signal must leave the state file whole, so
the next deploy needs no recovery. Either way the campaign ends each trial on a clean plan
with the same CA and one certificate per service, and no key material may be left outside
state/. A service the deploys never change keeps its certificate (same serial) throughout.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from e2e_project import (
    PEM_PRIVATE_KEY,
    STACK,
    TempProject,
    descendants,
    redact,
    service_line,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.conformance]

ROTATED = [f"svc{index}" for index in range(8)]
STEADY = "steady"
SERVICES = sorted([*ROTATED, STEADY])
TRIALS = 20
_PROGRESS = re.compile(r": (Creation|Destruction) complete")
CAUGHT = {"group-hup": signal.SIGHUP, "group-term": signal.SIGTERM}
"""Signals the CLI catches: it stops Terraform with one SIGINT, and the state stays whole."""


def _app(version: int) -> str:
    """Every trial re-keys ROTATED; STEADY stays as it was first issued."""
    rotated = "".join(
        service_line(name, f"{name}.internal.example", key_version=version) for name in ROTATED
    )
    return rotated + service_line(STEADY, f"{STEADY}.internal.example")


def _kill(deploy: subprocess.Popen[str], target: str) -> int:
    """Signal the target; returns how many processes it hit (0 if it was already gone)."""
    if target == "group":
        os.killpg(deploy.pid, signal.SIGKILL)
        return 1
    if target in CAUGHT:
        os.killpg(deploy.pid, CAUGHT[target])
        return 1
    # The stand-in runs as `python -m tls_standin`; the real provider as its own binary.
    needles = (
        ("tls_standin", "terraform-provider-tls") if target == "provider" else ("terraform apply",)
    )
    hit = 0
    for child, command in descendants(deploy.pid):
        if any(needle in command for needle in needles):
            os.kill(child, signal.SIGKILL)
            hit += 1
    return hit


def _trial(
    project: TempProject, version: int, rng: random.Random, target: str, *, surely: bool
) -> tuple[int, str, int]:
    """Deploy key version `version`, killing `target` after a random amount of progress.

    The kill point is drawn past the apply's usual length (about 8 progress lines a service),
    so some trials run to the end: their exit 0 and "Done." are checked too. With `surely`
    it is drawn within the first half of the apply, so each target is hit at least once
    whatever the draws.
    """
    project.write_app(_app(version))
    deploy = project.start("deploy", "--auto-approve")
    assert deploy.stdout is not None
    kill_after = rng.randint(1, (3 if surely else 10) * len(ROTATED))
    seen, lines, killed = 0, [], 0
    for line in deploy.stdout:
        lines.append(line)
        if _PROGRESS.search(line):
            seen += 1
            if seen == kill_after:
                killed = _kill(deploy, target)
    code = deploy.wait(timeout=300)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(deploy.pid, signal.SIGKILL)  # whatever it left running
    return code, "".join(lines), killed


def _recover(project: TempProject) -> None:
    """The README's recovery: deploy; if it says the state is damaged, recover, then deploy."""
    flags = ("deploy", "--auto-approve", "--max-reissue", str(len(ROTATED)))
    done = project.cli(*flags, check=False)
    if done.returncode != 0:
        assert "state damaged" in done.stderr, redact(done.stdout + done.stderr)[-3000:]
        project.cli("recover")
        project.cli(*flags)


def _whole_state(project: TempProject) -> bool:
    """The local state file parses as a Terraform state, read here without the CLI."""
    try:
        data = json.loads((project.root / "state" / f"{STACK}.tfstate").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(data.get("serial"), int) and isinstance(data.get("lineage"), str)


def _leftover_key_files(project: TempProject) -> list[str]:
    """Key material outside state/: plan folders, state copies, keys in generated files."""
    found: list[str] = []
    for root in (project.root / "cdktf.out", project.root / ".internal-ca"):
        found += [str(path) for path in root.rglob("*") if path.is_file() and _holds_key(path)]
    found += [str(path) for path in (project.root / ".internal-ca" / "tmp").glob("*")]
    return found


def _holds_key(path: Path) -> bool:
    try:
        return PEM_PRIVATE_KEY in path.read_text(errors="ignore")
    except OSError:
        return False


def test_kill_campaign_on_local_state(tmp_path: Path) -> None:
    seed = int(os.environ.get("CRASH_SEED", time.time_ns() % 10_000))
    rng = random.Random(seed)
    project = TempProject(tmp_path / "project")
    project.write_app(_app(1))
    project.deploy()
    ca_serial = project.outputs()["ca"]["serial"]
    steady_serial = project.services()[STEADY]["serial"]
    targets = ["terraform", "group", "provider", *CAUGHT]
    completed = 0
    hits = dict.fromkeys(targets, 0)
    for trial in range(TRIALS):
        target = targets[trial % len(targets)]
        what = f"seed {seed}, trial {trial}, killing {target}"
        first_round = trial < len(targets)
        code, output, killed = _trial(project, trial + 2, rng, target, surely=first_round)
        hits[target] += killed
        assert PEM_PRIVATE_KEY not in output, what
        if code == 0:
            completed += 1
            assert "Done." in output, what
            assert project.plan_exit_code() == 0, f"{what}: exit 0 but the apply was incomplete"
        else:
            assert "Done." not in output, what
        if target in CAUGHT and killed:
            assert code == 128 + CAUGHT[target], f"{what}: exit {code}"
            assert _whole_state(project), f"{what}: the state file is not whole"
            project.cli("deploy", "--auto-approve", "--max-reissue", str(len(ROTATED)))
        else:
            _recover(project)
        assert project.plan_exit_code() == 0, what
        assert project.outputs()["ca"]["serial"] == ca_serial, what
        services = project.services()
        assert sorted(services) == SERVICES, what
        assert services[STEADY]["serial"] == steady_serial, f"{what}: {STEADY} was re-issued"
        assert _leftover_key_files(project) == [], what
    # The campaign must really have killed each target, and seen some applies finish.
    assert all(hits.values()), f"seed {seed}: kills per target {hits}"
    assert 0 < completed < TRIALS, f"seed {seed}: {completed} of {TRIALS} trials completed"
