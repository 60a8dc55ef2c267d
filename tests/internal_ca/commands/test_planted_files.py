"""A `.tf.json` planted in a stack's output folder never reaches Terraform through the CLI.

Terraform loads every `*.tf.json` in the folder it runs in, so a file dropped next to
cdk.tf.json would add resources that no review of main.py ever saw. Every command synthesizes
first, and synth removes what it did not write. The control step shows that plain Terraform
does load the planted file; then `internal-ca plan` and `deploy` show and apply nothing of it.
"""

from __future__ import annotations

import json

import pytest
from e2e_project import STACK, TempProject, service_line

pytestmark = [pytest.mark.e2e, pytest.mark.conformance]

MARKER = "planted-by-test"
PLANTED = {"resource": {"terraform_data": {"zz_planted": {"input": MARKER}}}}


@pytest.fixture
def project(tmp_path_factory: pytest.TempPathFactory) -> TempProject:
    project = TempProject(tmp_path_factory.mktemp("planted") / "project")
    project.write_app(services=service_line("web", "web.internal"))
    project.deploy("--initial")
    return project


def plant(project: TempProject) -> None:
    planted = project.stack_dir / "zz_planted.tf.json"
    planted.write_text(json.dumps(PLANTED))
    # Control: Terraform itself would plan the planted resource.
    shown = project.terraform("plan", "-input=false", "-no-color").stdout
    assert "terraform_data.zz_planted will be created" in shown


def test_plan_removes_a_planted_tf_json_and_says_nothing_of_it(project: TempProject) -> None:
    plant(project)

    done = project.cli("plan")

    assert "zz_planted" not in done.stdout + done.stderr
    assert MARKER not in done.stdout + done.stderr
    assert not (project.stack_dir / "zz_planted.tf.json").exists()
    assert sorted(p.name for p in project.stack_dir.iterdir() if p.suffix == ".json") == [
        "cdk.tf.json"
    ]
    assert project.plan_exit_code() == 0  # what is left in the folder plans no change


def test_deploy_never_applies_a_planted_resource(project: TempProject) -> None:
    plant(project)

    done = project.deploy()

    assert "zz_planted" not in done.stdout + done.stderr
    assert not (project.stack_dir / "zz_planted.tf.json").exists()
    state = (project.root / "state" / f"{STACK}.tfstate").read_text()
    assert "zz_planted" not in state
    assert MARKER not in state
