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
