"""A pytest plugin for `make conformance`: a run that ended up on the stand-in fails.

Loaded with `-p conformance_provider` (the Makefile's conformance target). When CA_TLS_PROVIDER
asks for the real provider (registry or mirror), after every test it looks at each Terraform
working directory under the session's temp folder: a test during which the stand-in got
installed fails in its teardown, naming the package. Whether a package is the stand-in is
decided by `provider_source.is_standin_package`, the rule the product's own proof uses.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from internal_ca.terraform.provider_source import TLS_ADDRESS, is_standin_package

REAL_MODES = ("registry", "mirror")


def standin_packages(root: Path) -> Iterator[Path]:
    """Each installed hashicorp/tls package under `root` that is the stand-in."""
    for folder, dirs, _files in os.walk(root):
        if ".terraform" not in dirs:
            continue
        installed = Path(folder, ".terraform", "providers", TLS_ADDRESS)
        for package in sorted(installed.glob("*/*")):
            if is_standin_package(package):
                yield package


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
