"""The benchmark script's pure parts work: app generation, in-process synth, the recipe script,
the floor, the plain HCL module and the report. No timing is asserted anywhere here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from e2e_project import standin_only

from bench.floor import issue_all
from bench.measure import run_measured
from bench.projects import ECDSA, CdktfProject, PlainProject, service_names, tool_env
from bench.recipe import render_script
from bench.replicate import replicate
from bench.report import Machine, Table, render
from bench.suites import Results, plain_reviewed
from bench.targets import summary
from bench.tools import Tools


def test_in_process_synth_of_two_services(tmp_path: Path) -> None:
    project = CdktfProject.create(tmp_path / "app")
    project.write_app(service_names(2))
    result = tmp_path / "result.json"
    run = run_measured(
        [sys.executable, "-m", "bench.inproc", str(result)],
        cwd=project.root,
        env=tool_env(tmp_path),
        log=tmp_path / "synth.log",
    )
    stack = json.loads((project.stack_dir / "cdk.tf.json").read_text())
    assert sorted(stack["resource"]["tls_locally_signed_cert"]) == ["svc-0000", "svc-0001"]
    phases = json.loads(result.read_text())
    assert set(phases) == {"import_s", "synth_s", "python_peak_mib", "node_peak_mib"}
    # The jsii kernel is a Node child process: its memory must be seen, not just Python's.
    assert phases["node_peak_mib"] > 0
    assert run.peak_rss_mib >= phases["python_peak_mib"] * 0.9


def test_recipe_script_issues_certificates_openssl_accepts(tmp_path: Path) -> None:
    (tmp_path / "recipe.sh").write_text(render_script(2, ECDSA))
    subprocess.run(["bash", "recipe.sh"], cwd=tmp_path, check=True, capture_output=True)
    for name in service_names(2):
        done = subprocess.run(
            [
                "openssl",
                "verify",
                "-CAfile",
                "ca-crt.pem",
                "-purpose",
                "sslserver",
                "-verify_hostname",
                f"{name}.internal.example",
                f"{name}-crt.pem",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_floor_issues_the_requested_number_of_services() -> None:
    assert issue_all(2, ECDSA) > 0


@pytest.mark.e2e
@standin_only("the benchmarks install the stand-in for both sides")
def test_plain_module_is_valid_terraform(tmp_path: Path) -> None:
    tools = Tools(tmp_path)
    plain = PlainProject.create(tmp_path / "plain")
    plain.write_services(service_names(2))
    tools.plain_terraform(plain, "init", "init", "-input=false")
    done = subprocess.run(
        ["terraform", "validate", "-json"],
        cwd=plain.root,
        capture_output=True,
        text=True,
        env=tools.env(TF_CLI_CONFIG_FILE=str(tools.cli_config)),
        check=False,
    )
    assert json.loads(done.stdout)["valid"] is True, done.stdout


def test_report_has_machine_date_command_and_rows() -> None:
    table = Table("1. Synth", ["N", "wall"], rows=[["10", "1.00 s"]], started="2026-01-01 00:00")
    machine = Machine(cpus=2, cpu_model="Test CPU", memory_gib=4.0, load_at_start="0.1 0.1 0.1")
    text = render(tables=[table], machine=machine, command="python -m bench", intro=[], summary=[])
    assert "| N | wall |" in text
    assert "| 10 | 1.00 s |" in text
    assert "2 CPUs (Test CPU), 4.0 GiB RAM" in text
    assert "- Date: 2026-01-01 00:00" in text
    assert "- Command: `python -m bench`" in text


def test_summary_says_by_how_much_a_target_is_missed() -> None:
    results = Results(
        synth_ms_per_service={1000: 10.0},
        cdktf_ms_per_service={1000: 4.0},
        plan_ratio={1000: 1.2},
    )
    lines = summary(results, [10, 1000])
    assert "10.00 ms/service, **missed** (2.0x the target)" in lines[0]
    assert "4.00 ms/service, met" in lines[0]
    assert "1.20x, met" in lines[1]


def test_replicate_copies_the_template_service_under_new_names(tmp_path: Path) -> None:
    state = {
        "serial": 3,
        "resources": [
            {"mode": "managed", "type": "tls_private_key", "name": "ca", "instances": [{}]},
            {
                "mode": "managed",
                "type": "tls_cert_request",
                "name": "svc-0000",
                "instances": [{"attributes": {"dns_names": ["svc-0000"]}}],
            },
            {
                "module": "module.ca",
                "mode": "managed",
                "type": "tls_private_key",
                "name": "service",
                "instances": [{"index_key": "svc-0000", "attributes": {}}],
            },
        ],
        "outputs": {"service_svc-0000": {"value": {"dns_names": ["svc-0000"]}}},
    }
    path = tmp_path / "state.tfstate"
    path.write_text(json.dumps(state))
    replicate(path, ["svc-0001", "svc-0002"])
    grown = json.loads(path.read_text())
    requests = [r for r in grown["resources"] if r["type"] == "tls_cert_request"]
    assert [r["name"] for r in requests] == ["svc-0000", "svc-0001", "svc-0002"]
    assert requests[2]["instances"][0]["attributes"]["dns_names"] == ["svc-0002"]
    module_keys = [i["index_key"] for i in grown["resources"][-1]["instances"]]
    assert module_keys == ["svc-0000", "svc-0001", "svc-0002"]
    assert grown["outputs"]["service_svc-0001"]["value"]["dns_names"] == ["svc-0001"]
    assert grown["serial"] == 4


def test_summary_gives_each_measured_n_and_names_the_missing_ones() -> None:
    results = Results(add_ratio={10: 1.4, 100: 2.0})
    (line,) = summary(results, [10, 100])
    assert "N = 10: 1.40x, met" in line
    assert "N = 100: 2.00x, **missed** (1.3x the target)" in line
    assert "Not measured in this run: N = 1000." in line


def test_summary_says_when_the_floor_puts_a_target_out_of_reach() -> None:
    results = Results(add_ratio={10: 2.4, 1000: 1.1}, add_floor={10: 1.9, 1000: 1.05})
    (line,) = summary(results, [10, 1000])
    assert "N = 10: 2.40x, **missed** (1.6x the target) (floor 1.90x: out of reach" in line
    assert "N = 1000: 1.10x, met (floor 1.05x)" in line


@pytest.mark.e2e
@standin_only("the benchmarks install the stand-in for both sides")
def test_plain_reviewed_floor_plans_shows_and_applies_that_plan(tmp_path: Path) -> None:
    tools = Tools(tmp_path / "work")
    tools.work.mkdir(mode=0o700)
    plain = PlainProject.create(tmp_path / "plain")
    plain.write_services(service_names(1))
    tools.plain_terraform(plain, "init", "init", "-input=false")
    tools.plain_terraform(plain, "apply", "apply", "-auto-approve", "-input=false")
    # Unchanged: the review steps find nothing to do (plan exits 0, not 2) and apply nothing.
    assert list(plain_reviewed(tools, plain, apply=False)) == ["plan -out", "show -json"]
    plain.write_services(service_names(2))
    steps = plain_reviewed(tools, plain, apply=True)
    assert list(steps) == ["plan -out", "show -json", "apply PLAN"]
    state = json.loads((plain.root / "terraform.tfstate").read_text())
    certs = [r for r in state["resources"] if r["type"] == "tls_locally_signed_cert"]
    assert [i["index_key"] for i in certs[0]["instances"]] == service_names(2)
    # The plan file and the plan JSON hold keys: neither is left behind.
    assert not list((tools.work / "plan-files").iterdir())
    assert not (tools.work / "logs" / "plain-show-json.log").exists()
