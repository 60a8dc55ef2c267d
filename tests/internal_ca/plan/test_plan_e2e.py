"""Real plans from the stand-in provider: one deployed project, one change per test.

`internal-ca plan` never changes state, so a single deploy (module-scoped) serves every
scenario: each test rewrites main.py, plans, and the next test starts from the same state.
"""

from __future__ import annotations

import base64
import json
import subprocess
from typing import Any

import pytest
from e2e_project import (
    PEM_PRIVATE_KEY,
    TempProject,
    openssl,
    redact,
    service_line,
    uses_standin_clock,
)

from internal_ca.certs.times import display_time

pytestmark = [pytest.mark.e2e, pytest.mark.conformance]

SHORT: dict[str, Any] = {"validity_days": 30, "renew_before_days": 5}
PASSWORDS = ("passwords", "passwords.internal.example", "passwords")
WEB = ("web", "web.internal.example")
LEAK = """\
from cdktf import Fn, TerraformOutput
TerraformOutput(stack, "leak", value=Fn.nonsensitive(stack.ca.key.private_key_pem))
"""
# The issue's two ways past a check on names and values: a local holding the key in base64,
# and a terraform_data carrying it (its `output` is its `input`). Fn.nonsensitive gets them
# past Terraform's own check.
KEY_FLOWS = """\
from cdktf import DataResource, Fn, TerraformLocal, TerraformOutput
passwords_key = Fn.nonsensitive(stack.node.find_child("passwords").key.private_key_pem)
encoded = TerraformLocal(stack, "k", Fn.base64encode(passwords_key))
TerraformOutput(stack, "o", value=encoded.as_string)
carried = DataResource(stack, "carry")
carried.add_override("input", passwords_key)
TerraformOutput(stack, "d", value=carried.output)
"""
CA_CHANGED = """\
stack = CaStack(
    app,
    "internal-ca",
    ca_subject=DistinguishedName(country="GB", organization="Test Org", common_name="Test CA 2"),
    ca_key=ecdsa("P256"),
)
ca = stack.ca
"""


def app(passwords: dict[str, Any] | None = None, web: bool = True, extra: str = "") -> str:
    lines = service_line(*PASSWORDS, **{**SHORT, **(passwords or {})})
    if web:
        lines += service_line(*WEB, **SHORT)
    return lines + extra


KEY_LINES: list[str] = []


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> TempProject:
    deployed = TempProject(tmp_path_factory.mktemp("plan") / "project")
    deployed.write_app(app())
    deployed.deploy()
    # A line from the middle of each real private key: no report may ever hold one.
    KEY_LINES[:] = [deployed.private_key(name).splitlines()[1] for name in ("passwords", "web")]
    return deployed


def plan(
    project: TempProject, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`internal-ca plan` with a private TMPDIR, which must be empty again afterwards."""
    tmp = project.root.parent / "tmp"
    tmp.mkdir(exist_ok=True)
    done = project.cli("plan", *args, check=False, env={"TMPDIR": str(tmp), **(env or {})})
    assert PEM_PRIVATE_KEY not in done.stdout + done.stderr
    assert KEY_LINES and not any(line in done.stdout + done.stderr for line in KEY_LINES)
    assert list(tmp.iterdir()) == [], "the plan's temp folder was left behind"
    assert done.returncode in (0, 3), redact(done.stdout + done.stderr)[-3000:]
    return done


def block(report: str, service: str) -> list[str]:
    """A service's lines in the text report: its head line and the indented lines below."""
    lines = report.splitlines()
    for index, line in enumerate(lines):
        words = line.split()
        if len(words) >= 2 and words[1] == service and not line.startswith(" "):
            end = index + 1
            while end < len(lines) and lines[end].startswith("    "):
                end += 1
            return lines[index:end]
    raise AssertionError(f"no row for {service!r} in the report")


def action(report: str, service: str) -> str:
    return block(report, service)[0].split()[0]


def openssl_serial(project: TempProject, service: str) -> str:
    pem = str(project.services()[service]["cert_pem"])
    return openssl("x509", "-noout", "-serial", input=pem).stdout.strip().removeprefix("serial=")


def test_no_change_says_nothing_to_do(project: TempProject) -> None:
    project.write_app(app())
    done = plan(project)
    assert done.returncode == 0
    assert action(done.stdout, "passwords") == "unchanged"
    assert action(done.stdout, "web") == "unchanged"
    assert "Nothing to do: every certificate is up to date." in done.stdout
    assert "Counts: 0 issue, 0 re-issue, 0 renew, 0 re-key, 0 remove, 2 unchanged" in done.stdout
    assert done.stderr == ""


def test_adding_a_service_issues_it(project: TempProject) -> None:
    project.write_app(app(extra=service_line("api", "api.internal.example", **SHORT)))
    done = plan(project)
    assert done.returncode == 0
    lines = block(done.stdout, "api")
    assert lines[0].split() == ["issue", "api"]
    assert "    why:      new service" in lines
    assert "    SANs:     DNS:api.internal.example  [after]" in lines
    assert action(done.stdout, "passwords") == "unchanged"


def test_changing_sans_reissues_with_before_and_after(project: TempProject) -> None:
    names = ["passwords.internal.example", "pw.internal.example"]
    changed = service_line("passwords", *names, **SHORT) + service_line(*WEB, **SHORT)
    project.write_app(changed)
    done = plan(project)
    assert done.returncode == 0
    lines = block(done.stdout, "passwords")
    assert lines[0].split() == ["re-issue", "passwords"]
    assert (
        "    why:      DNS SANs: passwords, passwords.internal.example -> "
        "passwords.internal.example, pw.internal.example "
        "(added pw.internal.example; removed passwords)"
    ) in lines
    serial = openssl_serial(project, "passwords")
    expiry = display_time(project.services()["passwords"]["not_after"], "not_after")
    assert f"    current:  expires {expiry}, serial {serial}" in lines


@uses_standin_clock()
def test_renewal_window_renews_every_certificate(project: TempProject) -> None:
    project.write_app(app())
    shift = str((SHORT["validity_days"] - SHORT["renew_before_days"]) * 24 + 1)
    done = plan(project, "--max-reissue", "0", env={"TLS_STANDIN_CLOCK_SHIFT_HOURS": shift})
    assert done.returncode == 0, "renewals must not count towards --max-reissue"
    assert action(done.stdout, "passwords") == "renew"
    assert action(done.stdout, "web") == "renew"
    assert any(
        line.startswith("    why:      renewal window reached")
        for line in block(done.stdout, "web")
    )


def test_key_version_bump_rekeys_and_counts_towards_max_reissue(project: TempProject) -> None:
    project.write_app(app(passwords={"key_version": 2}))
    done = plan(project, "--max-reissue", "0")
    lines = block(done.stdout, "passwords")
    assert lines[0].split() == ["re-key", "passwords"]
    assert "    why:      key rotation requested (key_version 1 -> 2)" in lines
    assert action(done.stdout, "web") == "unchanged"
    assert done.returncode == 3
    assert "re-issue 1 certificate at once, more than --max-reissue 0" in done.stderr


def test_removing_a_service_trips_the_guard_unless_allowed(project: TempProject) -> None:
    project.write_app(app(web=False))
    done = plan(project)
    assert done.returncode == 3
    assert action(done.stdout, "web") == "remove"
    assert done.stderr == (
        "internal-ca: guard: stack internal-ca: the plan would remove 1 certificate (web); "
        "pass --allow-destroy if this is on purpose\n"
    )
    assert plan(project, "--allow-destroy").returncode == 0


def test_ca_subject_change_trips_the_guard_and_counts_reissues(project: TempProject) -> None:
    before = project.serials()
    project.write_app(app(), ca=CA_CHANGED)
    done = plan(project, "--allow-ca-replacement")
    assert done.returncode == 3, "prevent_destroy refuses the plan, whatever the flag"
    assert done.stderr.count("\n") == 1
    assert "tls_self_signed_cert.ca, re-issuing 2 certificates" in done.stderr
    assert "prevent_destroy" in done.stderr
    report = done.stdout
    assert report.splitlines()[2] == "!! CA CHANGE: CA 'ca': certificate replace"
    assert "!!   subject: C=GB, O=Test Org, CN=Test CA -> C=GB, O=Test Org, CN=Test CA 2" in report
    assert "!!   This re-issues 2 certificates;" in report
    for service in ("passwords", "web"):
        assert action(report, service) == "re-issue"
        assert "    why:      caused by a CA change" in block(report, service)
    # The review-only plan was never applied, and deploy's config keeps the protection.
    assert project.serials() == before
    config = json.loads((project.stack_dir / "cdk.tf.json").read_text())
    assert config["resource"]["tls_self_signed_cert"]["ca"]["lifecycle"]["prevent_destroy"] is True


def test_markdown_report_to_a_file(project: TempProject) -> None:
    project.write_app(app(extra=service_line("api", "api.internal.example", **SHORT)))
    out = project.root.parent / "report.md"
    done = plan(project, "--format", "markdown", "--output", str(out))
    assert done.returncode == 0
    assert done.stdout == ""
    text = out.read_text()
    assert PEM_PRIVATE_KEY not in text
    serial = openssl_serial(project, "web")
    assert "| unchanged | web |  | DNS:web.internal.example |" in text
    assert f"`{serial}` |" in text
    assert "| **issue** | api | new service | DNS:api.internal.example |" in text


def test_a_key_in_a_non_sensitive_output_is_refused_naming_the_output(
    project: TempProject,
) -> None:
    """The issue's canary: plan refuses, names the output, and never prints the key."""
    project.write_app(app(extra=LEAK))
    done = plan(project, "--allow-ca-replacement", "--allow-destroy")
    assert done.returncode == 3
    assert "non-sensitive output 'leak' (from tls_private_key.ca.private_key_pem)" in done.stderr
    assert "outputs added: leak" in done.stdout.splitlines()


def test_deploy_refuses_a_key_in_a_non_sensitive_output_and_applies_nothing(
    project: TempProject,
) -> None:
    before = project.serials()
    project.write_app(app(extra=LEAK))
    done = project.cli("deploy", "--auto-approve", check=False)
    assert PEM_PRIVATE_KEY not in done.stdout + done.stderr
    assert KEY_LINES and not any(line in done.stdout + done.stderr for line in KEY_LINES)
    assert done.returncode == 3, redact(done.stdout + done.stderr)[-3000:]
    assert "'leak'" in done.stderr
    assert "leak" not in project.outputs()
    assert project.serials() == before


def test_a_key_through_a_local_or_terraform_data_is_refused_naming_the_chain(
    project: TempProject,
) -> None:
    """Plan follows each output's references through the synthesized stack, not names."""
    project.write_app(app(extra=KEY_FLOWS))
    done = plan(project, "--allow-ca-replacement", "--allow-destroy")
    assert done.returncode == 3
    source = "tls_private_key.passwords.private_key_pem"
    assert f"'d' (from terraform_data.carry.output <- {source})" in done.stderr
    assert f"'o' (from local.k <- {source})" in done.stderr
    assert "outputs added: d, o" in done.stdout.splitlines()
    encoded = base64.b64encode(project.private_key("passwords").encode()).decode()
    assert encoded[64:128] not in done.stdout + done.stderr
