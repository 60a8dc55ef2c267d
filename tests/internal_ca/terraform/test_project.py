from __future__ import annotations

from pathlib import Path

import pytest

from internal_ca.errors import OperationError
from internal_ca.terraform.project import Project


def test_an_app_that_wrote_no_stacks_is_named_as_such(tmp_path: Path) -> None:
    """After synth, a missing manifest means the app never called app.synth()."""
    project = Project(root=tmp_path, tools=tmp_path)
    with pytest.raises(OperationError, match=r"the app wrote no stacks; .*app\.synth\(\)"):
        project.stacks()
