"""The synthesized cdk.tf.json is read in one place, and a broken one is a one-line error.

It holds every expression of the stack, so an error names a position and never the content.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from e2e_project import REPO

from internal_ca.errors import OperationError
from internal_ca.terraform.project import Project
from internal_ca.terraform.provider_source import STANDIN
from internal_ca.terraform.workspace import Workspace, init_if_needed, stack_config

STACK = "internal-ca"
CANARY = "-----BEGIN " + "PRIVATE KEY-----canary"  # a marker, not a key


def _project(tmp_path: Path, content: bytes | None) -> Project:
    project = Project(tmp_path, REPO)
    project.stack_dir(STACK).mkdir(parents=True)
    if content is not None:
        (project.stack_dir(STACK) / "cdk.tf.json").write_bytes(content)
    return project


def test_the_stack_config_is_the_parsed_object(tmp_path: Path) -> None:
    document: dict[str, object] = {"terraform": {"required_providers": {}}, "resource": {}}
    project = _project(tmp_path, json.dumps(document).encode())
    assert stack_config(project, STACK) == document


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, r"does not exist; expected the synthesized stack"),
        (b'{"locals": {"k": "\xff' + CANARY.encode() + b'"}}', r"is not UTF-8 text"),
        (
            b'{"locals": {"k": "' + CANARY.encode() + b'"',
            r"is not valid JSON \(line 1, column \d+\)",
        ),
        (json.dumps([CANARY]).encode(), r"is not a JSON object; expected the synthesized stack"),
    ],
    ids=["missing", "not-utf8", "invalid-json", "not-an-object"],
)
def test_a_broken_stack_config_names_the_file_and_never_its_content(
    tmp_path: Path, content: bytes | None, reason: str
) -> None:
    project = _project(tmp_path, content)
    path = project.stack_dir(STACK) / "cdk.tf.json"
    with pytest.raises(OperationError, match=reason) as caught:
        stack_config(project, STACK)
    message = str(caught.value)
    assert message.startswith(f"{path} ")
    assert "\n" not in message
    assert "canary" not in message


def test_init_refuses_invalid_json_with_one_line_before_running_terraform(tmp_path: Path) -> None:
    """It raised json.JSONDecodeError (a traceback) before; no terraform runs here."""
    project = _project(tmp_path, b'{"terraform": ')
    workspace = Workspace(project, STANDIN, {}, (STACK,), (STACK,))
    with pytest.raises(OperationError, match=r"cdk\.tf\.json is not valid JSON \(line 1"):
        init_if_needed(workspace, STACK)
