"""One private temp folder per test session, removed when the session ends.

Test folders hold keys, state and plans, so none may outlive the run; and pytest's shared
numbered folders let concurrent sessions (a developer's run beside `make test`) delete each
other's, which an explicit folder of our own avoids. xdist workers get subfolders of it.
"""

from __future__ import annotations

import shutil
import tempfile

import pytest

_OURS = "_internal_ca_basetemp"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if config.option.basetemp is None and not hasattr(config, "workerinput"):
        # Short: a unix socket path under it (the stand-in's) must fit in 108 bytes.
        config.option.basetemp = tempfile.mkdtemp(prefix="ica-tests-")
        setattr(config, _OURS, config.option.basetemp)


def pytest_unconfigure(config: pytest.Config) -> None:
    path = getattr(config, _OURS, None)
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)
