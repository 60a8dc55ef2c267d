"""A pytest plugin for `make conformance`: a run that ended up on the stand-in fails.

Loaded with `-p conformance_provider` (the Makefile's conformance target). When CA_TLS_PROVIDER
asks for the real provider (registry or mirror), after every test it looks at each Terraform
working directory under the session's temp folder: a test during which the stand-in got
installed fails in its teardown, naming the package. The stand-in is recognised by what
tls_standin.install writes: a `#!` launcher that runs `-m tls_standin`, where HashiCorp ships
a compiled binary.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

TLS_PACKAGES = ("providers", "registry.terraform.io", "hashicorp", "tls")
REAL_MODES = ("registry", "mirror")


def standin_packages(root: Path) -> Iterator[Path]:
    """Each installed hashicorp/tls package under `root` that is the stand-in."""
    for folder, dirs, _files in os.walk(root):
        if ".terraform" not in dirs:
            continue
        installed = Path(folder, ".terraform", *TLS_PACKAGES)
        for package in sorted(installed.glob("*/*")):
            if any(_is_standin_launcher(path) for path in package.resolve().iterdir()):
                yield package


def _is_standin_launcher(path: Path) -> bool:
    if not path.is_file():
        return False
    with path.open("rb") as handle:
        head = handle.read(4096)
    return head.startswith(b"#!") and b"tls_standin" in head


_SEEN = pytest.StashKey[set[Path]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when != "teardown" or os.environ.get("CA_TLS_PROVIDER") not in REAL_MODES:
        return report
    seen = item.config.stash.setdefault(_SEEN, set())
    root = item.config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
    found = [package for package in standin_packages(root) if package not in seen]
    if found:
        seen.update(found)
        report.outcome = "failed"
        report.longrepr = (
            f"CA_TLS_PROVIDER={os.environ['CA_TLS_PROVIDER']} but this test ran on the offline "
            "stand-in, not the real hashicorp/tls: " + ", ".join(str(path) for path in found)
        )
    return report
