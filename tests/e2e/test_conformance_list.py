"""The README's list of end-to-end tests that do not run on the real provider stays true.

`make conformance` runs `pytest -m conformance` with CA_TLS_PROVIDER=registry (or mirror). Every
end-to-end test is either marked `conformance` or skips off the stand-in with a reason (the
`standin_only` mark in e2e_project). The README lists each skip and its reason; this collects
the suite as `make conformance` would (collection only, nothing deploys) and compares.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from e2e_project import REPO

SECTION = "### Running the end-to-end tests on the real provider"


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    out = tmp_path_factory.mktemp("conformance") / "items.json"
    env = dict(os.environ)
    env.pop("PYTEST_XDIST_WORKER", None)
    env.update(
        CA_TLS_PROVIDER="registry",
        CONFORMANCE_COLLECTOR_OUT=str(out),
        PYTHONPATH=os.pathsep.join(
            filter(None, [str(REPO / "tests" / "e2e"), env.get("PYTHONPATH", "")])
        ),
    )
    plugins = ["-p", "conformance_collector", "-p", "no:cacheprovider"]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", *plugins],
        cwd=REPO,
        env=env,
        text=True,
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    rows: list[dict[str, Any]] = json.loads(out.read_text())
    return rows


def skip_table(rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """(what, reason): a whole file when all its tests skip for that reason, else the tests."""
    by_file: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_file[row["nodeid"].split("::")[0]].append(row)
    table = set()
    for path, items in by_file.items():
        reasons = {reason for item in items if item["e2e"] for reason in item["skips"]}
        for reason in reasons:
            skipping = [item for item in items if reason in item["skips"]]
            if len(skipping) == len(items):
                table.add((path, reason))
            else:
                for item in skipping:
                    test = re.sub(r"\[.*\]$", "", item["nodeid"])
                    table.add((test, reason))
    return table


def readme_table() -> set[tuple[str, str]]:
    readme = (REPO / "README.md").read_text()
    start = readme.index(SECTION)
    end = readme.find("\n## ", start)
    rows = set()
    for line in readme[start:end].splitlines():
        match = re.fullmatch(r"\| (`[^|]+`) \| ([^|]+) \|", line)
        if match:
            for what in re.findall(r"`([^`]+)`", match[1]):
                rows.add((what, match[2].strip()))
    return rows


def test_every_e2e_test_runs_on_the_real_provider_or_says_why_not(
    collected: list[dict[str, Any]],
) -> None:
    e2e = [row for row in collected if row["e2e"]]
    assert e2e, "no end-to-end test was collected"
    silent = [row["nodeid"] for row in e2e if not row["conformance"] and not row["skips"]]
    assert silent == [], "mark these `conformance`, or `standin_only(reason)` if they need it"


def test_the_readme_lists_each_skip_and_its_reason(collected: list[dict[str, Any]]) -> None:
    expected = skip_table(collected)
    wanted = "\n".join(f"| `{what}` | {reason} |" for what, reason in sorted(expected))
    assert readme_table() == expected, f"README {SECTION!r} should list:\n{wanted}"


# `make conformance` fails a test that ran on the stand-in (tests/e2e/conformance_provider.py).

INNER_TEST = """
import os
import subprocess

from tls_standin.install import write_cli_config


def test_installs_what_it_is_given(tmp_path):
    stack = tmp_path / "project" / "cdktf.out" / "stacks" / "internal-ca"
    stack.mkdir(parents=True)
    (stack / "main.tf.json").write_text(
        '{"terraform": {"required_providers": {"tls": '
        '{"source": "hashicorp/tls", "version": "4.1.0"}}}}'
    )
    env = dict(os.environ, CHECKPOINT_DISABLE="1")
    if os.environ.get("INNER_INSTALLS_STANDIN"):
        env["TF_CLI_CONFIG_FILE"] = str(write_cli_config(tmp_path / "standin"))
        subprocess.run(["terraform", "init", "-input=false"], cwd=stack, env=env, check=True,
                       capture_output=True)
"""


def run_with_the_check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """A pytest session with the plugin, as the Makefile's conformance target loads it."""
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "pytest.ini").write_text("[pytest]\ntmp_path_retention_policy = none\n")
    (inner / "test_inner.py").write_text(INNER_TEST)
    environ = dict(os.environ)
    environ.pop("PYTEST_XDIST_WORKER", None)
    environ.update(PYTHONPATH=str(REPO / "tests" / "e2e"), **env)
    return subprocess.run(
        [
            *(
                sys.executable,
                "-m",
                "pytest",
                "-p",
                "conformance_provider",
                "-p",
                "no:cacheprovider",
            ),
            *("-c", str(inner / "pytest.ini"), "--basetemp", str(tmp_path / "base"), "-n", "1"),
            *("-q", str(inner)),
        ],
        cwd=inner,
        env=environ,
        text=True,
        capture_output=True,
        check=False,
    )


def test_a_conformance_run_on_the_standin_fails(tmp_path: Path) -> None:
    done = run_with_the_check(tmp_path, CA_TLS_PROVIDER="registry", INNER_INSTALLS_STANDIN="1")
    assert done.returncode == 1, done.stdout[-3000:]
    assert "1 passed, 1 error" in done.stdout
    assert "CA_TLS_PROVIDER=registry but this test ran on the offline stand-in" in done.stdout


def test_a_conformance_run_without_the_standin_passes(tmp_path: Path) -> None:
    done = run_with_the_check(tmp_path, CA_TLS_PROVIDER="mirror")
    assert done.returncode == 0, done.stdout[-3000:]


def test_the_standin_run_itself_is_not_checked(tmp_path: Path) -> None:
    done = run_with_the_check(tmp_path, CA_TLS_PROVIDER="standin", INNER_INSTALLS_STANDIN="1")
    assert done.returncode == 0, done.stdout[-3000:]


def test_make_conformance_loads_the_check() -> None:
    done = subprocess.run(
        ["make", "-n", "conformance"], cwd=REPO, text=True, capture_output=True, check=True
    )
    assert "-m conformance -p conformance_provider" in done.stdout
    assert f"PYTHONPATH={REPO / 'tests' / 'e2e'}" in done.stdout
