"""`internal-ca deploy` through the real cdktf CLI and Terraform, checked with openssl."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cert_checks import public_key_of_cert, public_key_of_private, sans, serial_hex, verify
from e2e_project import (
    DEFAULT_CA,
    PEM_PRIVATE_KEY,
    REPO,
    TempProject,
    copy_project,
    planned_actions,
    redact,
    service_line,
    standin_only,
)

pytestmark = [pytest.mark.e2e, pytest.mark.conformance]

SERVICES = {
    "passwords": {
        "dns_names": ["passwords.internal.example", "passwords"],
        "ip_addresses": ["10.1.2.3"],
    },
    "wiki": {"dns_names": ["wiki.internal.example", "*.wiki.internal.example"]},
}


def _services_code(services: dict[str, dict[str, list[str]]]) -> str:
    return "".join(
        f"ServiceCert(stack, {name!r}, ca=ca"
        + "".join(f", {key}={value!r}" for key, value in props.items())
        + ")\n"
        for name, props in services.items()
    )


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> tuple[TempProject, str]:
    project = TempProject(tmp_path_factory.mktemp("deployed") / "project")
    project.write_app(_services_code(SERVICES))
    done = project.deploy()
    return project, done.stdout + done.stderr


def test_every_cert_verifies_for_each_san_with_openssl(deployed: tuple[TempProject, str]) -> None:
    project, _ = deployed
    ca_pem = project.outputs()["ca"]["cert_pem"]
    for name, info in project.services().items():
        for dns_name in SERVICES[name]["dns_names"]:
            host = dns_name.replace("*", "any")
            assert verify(ca_pem, info["cert_pem"], host), (name, host)
        assert not verify(ca_pem, info["cert_pem"], "not-in-the-sans.internal.example")


def test_sans_equal_the_configuration(deployed: tuple[TempProject, str]) -> None:
    project, _ = deployed
    for name, info in project.services().items():
        expected = {f"DNS:{n}" for n in SERVICES[name]["dns_names"]}
        expected |= {f"IP Address:{ip}" for ip in SERVICES[name].get("ip_addresses", [])}
        assert sans(info["cert_pem"]) == expected


def test_private_keys_match_their_certificates(deployed: tuple[TempProject, str]) -> None:
    project, _ = deployed
    for name, info in project.services().items():
        key_pem = project.private_key(name)
        assert public_key_of_private(key_pem) == public_key_of_cert(info["cert_pem"]), name


def test_serials_are_unique_random_and_match_state(deployed: tuple[TempProject, str]) -> None:
    project, _ = deployed
    outputs = project.outputs()
    certs = [outputs["ca"]["cert_pem"]] + [i["cert_pem"] for i in project.services().values()]
    serials = [serial_hex(pem) for pem in certs]
    assert len(set(serials)) == len(serials)
    assert "01" not in serials
    for info in project.services().values():
        assert int(serial_hex(info["cert_pem"]), 16) == int(info["serial"])


def test_deploy_output_holds_no_private_key(deployed: tuple[TempProject, str]) -> None:
    _, output = deployed
    assert PEM_PRIVATE_KEY not in output
    assert "Apply complete" in output or "internal-ca" in output


def test_local_state_is_private(deployed: tuple[TempProject, str]) -> None:
    project, _ = deployed
    state = project.root / "state" / "internal-ca.tfstate"
    assert state.stat().st_mode & 0o777 == 0o600
    assert (project.root / "state").stat().st_mode & 0o777 == 0o700


def test_deploying_again_changes_nothing(deployed: tuple[TempProject, str], tmp_path: Path) -> None:
    project = copy_project(deployed[0], tmp_path / "again")
    before = project.serials()
    project.deploy()
    assert project.plan_exit_code() == 0
    assert project.serials() == before


def test_adding_a_service_touches_nothing_else(
    deployed: tuple[TempProject, str], tmp_path: Path
) -> None:
    project = copy_project(deployed[0], tmp_path / "add")
    before = project.serials()
    project.write_app(
        _services_code(SERVICES) + service_line("grafana", "grafana.internal.example")
    )
    project.synth()
    assert planned_actions(project) == {
        "terraform_data.grafana_key_version": ["create"],
        "tls_private_key.grafana": ["create"],
        "tls_cert_request.grafana": ["create"],
        "tls_locally_signed_cert.grafana": ["create"],
    }
    project.deploy()
    after = project.serials()
    assert {k: v for k, v in after.items() if k != "grafana"} == before
    assert after["grafana"] not in before.values()


def test_removing_a_service_destroys_only_its_resources(
    deployed: tuple[TempProject, str], tmp_path: Path
) -> None:
    project = copy_project(deployed[0], tmp_path / "remove")
    before = project.serials()
    project.write_app(_services_code({"passwords": SERVICES["passwords"]}))
    project.synth()
    assert planned_actions(project) == {
        "terraform_data.wiki_key_version": ["delete"],
        "tls_private_key.wiki": ["delete"],
        "tls_cert_request.wiki": ["delete"],
        "tls_locally_signed_cert.wiki": ["delete"],
    }
    project.deploy("--allow-destroy")
    assert project.serials() == {"passwords": before["passwords"]}


def test_reordering_sans_in_code_changes_nothing(
    deployed: tuple[TempProject, str], tmp_path: Path
) -> None:
    project = copy_project(deployed[0], tmp_path / "reorder")
    reordered = {
        name: {key: list(reversed(values)) for key, values in props.items()}
        for name, props in SERVICES.items()
    }
    assert reordered != SERVICES
    project.write_app(_services_code(reordered))
    project.synth()
    assert project.plan_exit_code() == 0


def test_changing_the_ca_subject_is_refused_and_changes_nothing(
    deployed: tuple[TempProject, str], tmp_path: Path
) -> None:
    project = copy_project(deployed[0], tmp_path / "ca-change")
    state = project.root / "state" / "internal-ca.tfstate"
    before = state.read_bytes()
    project.write_app(
        _services_code(SERVICES),
        ca=DEFAULT_CA.replace('organization="Test Org"', 'organization="New Org"'),
    )
    done = project.cli("deploy", "--auto-approve", check=False)
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "prevent_destroy" in output
    assert "tls_self_signed_cert.ca" in output
    assert PEM_PRIVATE_KEY not in output
    assert state.read_bytes() == before


def _cdktf(project: TempProject, *args: str) -> subprocess.CompletedProcess[str]:
    """The bare cdktf CLI, with the provider source the environment selects (the stand-in)."""
    config = subprocess.run(
        [sys.executable, "-m", "tls_standin.install", str(project.root / ".internal-ca" / "rc")],
        text=True,
        capture_output=True,
        check=True,
    ).stdout.strip()
    done = subprocess.run(
        [str(REPO / "node_modules" / ".bin" / "cdktf"), *args],
        cwd=project.root,
        env=project.env(TF_CLI_CONFIG_FILE=config),
        text=True,
        capture_output=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, redact(done.stdout + done.stderr)[-3000:]
    return done


@standin_only("runs the bare cdktf CLI with the stand-in's CLI config (tls_standin.install)")
def test_cdktf_deploy_and_internal_ca_deploy_agree(
    deployed: tuple[TempProject, str], tmp_path: Path
) -> None:
    """The users' card says `cdktf deploy`: it must give what `internal-ca deploy` gives."""
    added = _services_code(SERVICES) + service_line("grafana", "grafana.internal.example")
    ours = copy_project(deployed[0], tmp_path / "ours")
    theirs = copy_project(deployed[0], tmp_path / "theirs")
    before = ours.serials()
    for project in (ours, theirs):
        project.write_app(added)

    ours.deploy()
    ours_json = json.loads((ours.stack_dir / "cdk.tf.json").read_text())
    _cdktf(theirs, "synth")
    assert json.loads((theirs.stack_dir / "cdk.tf.json").read_text()) == ours_json
    diff = _cdktf(theirs, "diff", "--skip-synth")
    assert "4 to add, 0 to change, 0 to destroy" in diff.stdout
    deploy = _cdktf(theirs, "deploy", "--skip-synth", "--auto-approve")
    assert PEM_PRIVATE_KEY not in deploy.stdout + deploy.stderr

    for project in (ours, theirs):
        after = project.serials()
        assert {k: v for k, v in after.items() if k != "grafana"} == before
        assert project.plan_exit_code() == 0
        ca_pem = project.outputs()["ca"]["cert_pem"]
        grafana = project.services()["grafana"]["cert_pem"]
        assert verify(ca_pem, grafana, "grafana.internal.example")
