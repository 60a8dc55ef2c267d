"""A pytest plugin for test_conformance_list.py: what `make conformance` runs, and what skips.

Loaded with `-p conformance_collector` into a `--collect-only` run. For every test it writes, to
the JSON file named by CONFORMANCE_COLLECTOR_OUT: its node id, whether it carries the `e2e` and
`conformance` marks, and the reasons of the skipif marks whose condition is true in that run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest


def pytest_collection_finish(session: pytest.Session) -> None:
    rows = []
    for item in session.items:
        skips = [
            str(mark.kwargs.get("reason", ""))
            for mark in item.iter_markers("skipif")
            if mark.args and mark.args[0] is True
        ]
        rows.append(
            {
                "nodeid": item.nodeid,
                "e2e": item.get_closest_marker("e2e") is not None,
                "conformance": item.get_closest_marker("conformance") is not None,
                "skips": skips,
            }
        )
    Path(os.environ["CONFORMANCE_COLLECTOR_OUT"]).write_text(json.dumps(rows))
