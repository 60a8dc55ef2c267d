"""Revocation end to end on the stand-in: the leak drill, checked with openssl and a handshake.

One project, deployed once for the module: a root CA `ca` with services `web` (server) and
`client` (client auth), and an intermediate `issuing` with a service `deep`. The fixture runs
the drill and keeps every command's output; the tests then check the results with openssl:
1. revoke `client` and `deep` (their live certificates, key_compromise); sign the CRLs;
2. bump `web`'s key_version (a key rotation) and deploy: `client` and `deep` are re-keyed;
3. revoke the rotated `web` certificate by --serial; sign the CRLs again.
"""

from __future__ import annotations

import calendar
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from ca_factory import self_signed_ca_pem
from cert_checks import public_key_of_cert, public_key_of_private, serial_hex, write_private
from e2e_project import (
    APP_HEADER,
    PEM_PRIVATE_KEY,
    REPO,
    TempProject,
    copy_project,
    openssl,
    service_line,
)

pytestmark = [pytest.mark.e2e, pytest.mark.conformance]

HEADER = APP_HEADER + "from ca_constructs.intermediate_ca import IntermediateCa\n"


def services(web_key_version: int = 1) -> str:
    return (
        service_line("web", "web.internal", key_version=web_key_version)
        + service_line("client", "client.internal", extra_uses=["client_auth"])
        + 'issuing = IntermediateCa(stack, "issuing", parent=ca)\n'
        + 'ServiceCert(stack, "deep", ca=issuing, dns_names=["deep.internal"])\n'
    )


@dataclass
class Drill:
    project: TempProject
    files: Path
    """Certificates, CRL copies and (0600) keys the checks need on disk."""
    before: dict[str, dict[str, str]]
    after: dict[str, dict[str, str]]
    runs: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)
    crl_numbers: list[int] = field(default_factory=list)

    def path(self, name: str) -> str:
        return str(self.files / name)


def _crl_number(path: Path) -> int:
    text = openssl("crl", "-in", str(path), "-noout", "-crlnumber").stdout
    return int(text.strip().split("=", 1)[1], 16)


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> Drill:
    project = TempProject(tmp_path_factory.mktemp("revocation") / "project")
    files = tmp_path_factory.mktemp("revocation-files")
    files.chmod(0o700)
    project.write_app(services=services(), header=HEADER)
    project.deploy()
    before = project.services()
    root_pem = before["web"]["ca_cert_pem"]
    issuing_pem = project.outputs()["issuing"]["cert_pem"]
    (files / "ca-crt.pem").write_text(root_pem)
    (files / "issuing-crt.pem").write_text(issuing_pem)
    for name, info in before.items():
        (files / f"{name}-old.pem").write_text(info["cert_pem"])
    # The old client key, for the handshake that must be refused; never printed.
    write_private(files / "client-old-key.pem", project.private_key("client"))
    result = Drill(project, files, before, {})
    runs = result.runs

    runs["revoke client"] = project.cli("revoke", "client", "--reason", "key_compromise")
    runs["revoke deep"] = project.cli("revoke", "deep", "--reason", "key_compromise")
    runs["verify revoked"] = project.cli("verify", check=False)
    runs["crl 1"] = project.cli("crl")
    result.crl_numbers.append(_crl_number(project.root / "crl" / "ca-crl.pem"))
    for name in ("ca-crl.pem", "issuing-crl.pem"):
        (files / f"first-{name}").write_text((project.root / "crl" / name).read_text())
    runs["inventory revoked"] = project.cli("inventory")
    runs["inventory crl 31"] = project.cli("inventory", "--expiring-within", "31", check=False)
    runs["inventory crl 20"] = project.cli("inventory", "--expiring-within", "20", check=False)

    project.write_app(services=services(web_key_version=2), header=HEADER)
    runs["plan rotate"] = project.cli("plan")
    runs["deploy rotate"] = project.deploy()
    result.after = project.services()
    for name, info in result.after.items():
        (files / f"{name}-new.pem").write_text(info["cert_pem"])
    write_private(files / "client-new-key.pem", project.private_key("client"))
    write_private(files / "web-new-key.pem", project.private_key("web"))
    old_web = serial_hex(before["web"]["cert_pem"])
    runs["revoke rotated"] = project.cli(
        "revoke", "web", "--serial", old_web, "--reason", "key_compromise"
    )
    runs["deploy record"] = project.deploy()
    runs["crl 2"] = project.cli("crl")
    result.crl_numbers.append(_crl_number(project.root / "crl" / "ca-crl.pem"))
    runs["crl 3"] = project.cli("crl", "--crl-days", "7")
    result.crl_numbers.append(_crl_number(project.root / "crl" / "ca-crl.pem"))
    runs["verify after"] = project.cli("verify", check=False)
    return result


def _serial(info: dict[str, str]) -> str:
    return serial_hex(info["cert_pem"])


def _verify(drill: Drill, cert: str, *crl_args: str) -> subprocess.CompletedProcess[str]:
    return openssl("verify", "-CAfile", drill.path("ca-crt.pem"), *crl_args, cert, check=False)


# --- the CRL and openssl ---------------------------------------------------------------------


def test_root_crl_verifies_with_the_ca_certificate(drill: Drill) -> None:
    crl = str(drill.project.root / "crl" / "ca-crl.pem")
    done = openssl("crl", "-in", crl, "-noout", "-verify", "-CAfile", drill.path("ca-crt.pem"))
    assert "verify OK" in done.stdout + done.stderr
    issuer = openssl("crl", "-in", crl, "-noout", "-issuer").stdout
    subject = openssl("x509", "-in", drill.path("ca-crt.pem"), "-noout", "-subject").stdout
    assert issuer.split("=", 1)[1] == subject.split("=", 1)[1]


def test_crl_files_are_public_pem_and_der(drill: Drill) -> None:
    folder = drill.project.root / "crl"
    assert folder.stat().st_mode & 0o777 == 0o755  # public, though the CLI runs under umask 077
    assert sorted(path.name for path in folder.iterdir()) == [
        "ca-crl.pem", "ca.crl", "issuing-crl.pem", "issuing.crl",
    ]  # fmt: skip
    for path in folder.iterdir():
        assert path.stat().st_mode & 0o777 == 0o644
    der = openssl("crl", "-inform", "DER", "-in", str(folder / "ca.crl"), "-noout", "-hash")
    pem = openssl("crl", "-in", str(folder / "ca-crl.pem"), "-noout", "-hash")
    assert der.stdout == pem.stdout


def test_crl_check_rejects_the_revoked_certificate_and_accepts_the_others(drill: Drill) -> None:
    crl = ("-crl_check", "-CRLfile", drill.path("first-ca-crl.pem"))
    refused = _verify(drill, drill.path("client-old.pem"), *crl)
    assert refused.returncode != 0
    assert "certificate revoked" in refused.stdout + refused.stderr
    accepted = _verify(drill, drill.path("web-old.pem"), *crl)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr


def test_crl_entry_has_reason_and_date(drill: Drill) -> None:
    text = openssl("crl", "-in", drill.path("first-ca-crl.pem"), "-noout", "-text").stdout
    assert f"Serial Number: {_serial(drill.before['client'])}" in text
    assert "Key Compromise" in text
    assert "Revocation Date:" in text
    assert "X509v3 CRL Number" in text
    assert "X509v3 Authority Key Identifier" in text


def test_intermediate_crl_is_signed_by_the_intermediate(drill: Drill) -> None:
    crl = drill.path("first-issuing-crl.pem")
    own = openssl("crl", "-in", crl, "-noout", "-verify", "-CAfile", drill.path("issuing-crt.pem"))
    assert "verify OK" in own.stdout + own.stderr
    root = openssl(
        "crl", "-in", crl, "-noout", "-verify", "-CAfile", drill.path("ca-crt.pem"), check=False
    )
    # The root is not the CRL's issuer: openssl cannot even find an issuer to check it with.
    assert root.returncode != 0
    assert "Error getting CRL issuer certificate" in root.stderr


def test_leaf_under_the_intermediate_is_rejected_only_by_its_crl(drill: Drill) -> None:
    deep = drill.path("deep-old.pem")
    chain = ("-untrusted", drill.path("issuing-crt.pem"), "-crl_check")
    by_issuing = _verify(drill, deep, *chain, "-CRLfile", drill.path("first-issuing-crl.pem"))
    assert "certificate revoked" in by_issuing.stdout + by_issuing.stderr
    serial = f"Serial Number: {_serial(drill.before['deep'])}"
    root_text = openssl("crl", "-in", drill.path("first-ca-crl.pem"), "-noout", "-text").stdout
    assert serial not in root_text


def test_crl_number_strictly_increases_over_three_signings(drill: Drill) -> None:
    first, second, third = drill.crl_numbers
    assert first < second < third


def test_next_update_default_and_configured(drill: Drill) -> None:
    def parse(value: str) -> float:
        return calendar.timegm(time.strptime(value, "%b %d %H:%M:%S %Y GMT"))

    def lifetime(path: str) -> float:
        text = openssl("crl", "-in", path, "-noout", "-lastupdate", "-nextupdate").stdout
        stamps = dict(line.split("=", 1) for line in text.strip().splitlines())
        return (parse(stamps["nextUpdate"]) - parse(stamps["lastUpdate"])) / 86400

    assert lifetime(drill.path("first-ca-crl.pem")) == 30
    assert lifetime(str(drill.project.root / "crl" / "ca-crl.pem")) == 7


# --- re-key on revoke, and what plan and deploy say --------------------------------------------


def test_revoke_says_what_to_commit(drill: Drill) -> None:
    out = drill.runs["revoke client"].stdout
    assert "wrote revocations/internal-ca.json" in out
    assert "git add revocations/internal-ca.json" in out
    assert "re-keys client" in out
    ledger = json.loads((drill.project.root / "revocations" / "internal-ca.json").read_text())
    client = next(item for item in ledger["revoked"] if item["service"] == "client")
    assert client["serial"] == _serial(drill.before["client"])
    assert (client["ca"], client["reason"], client["live"]) == ("ca", "key_compromise", True)
    deep = next(item for item in ledger["revoked"] if item["service"] == "deep")
    assert deep["ca"] == "issuing"


def test_verify_fails_on_a_live_revoked_certificate(drill: Drill) -> None:
    done = drill.runs["verify revoked"]
    assert done.returncode == 1
    assert f"serial {_serial(drill.before['client'])} is revoked (key_compromise" in done.stdout
    assert drill.runs["verify after"].returncode == 0, drill.runs["verify after"].stdout


def test_inventory_marks_revoked_serials_and_watches_crls(drill: Drill) -> None:
    out = drill.runs["inventory revoked"].stdout
    assert f"{_serial(drill.before['client'])}*" in out
    assert "internal-ca/client serial" in out and "is revoked (key_compromise" in out
    assert any(line.split()[1:3] == ["crl", "ca"] for line in out.splitlines()[1:] if line.split())
    soon = drill.runs["inventory crl 31"]
    assert soon.returncode == 2
    assert "CRL (nextUpdate) of CA internal-ca/" in soon.stderr
    assert drill.runs["inventory crl 20"].returncode == 0, drill.runs["inventory crl 20"].stderr


def test_plan_says_why_it_rekeys(drill: Drill) -> None:
    out = drill.runs["plan rotate"].stdout
    assert f"serial {_serial(drill.before['client'])} revoked (key_compromise)" in out
    client = out.split("re-key     client", 1)[1]
    assert client.strip()  # the row exists
    assert "Counts: 0 issue, 0 re-issue, 0 renew, 3 re-key" in out


def test_rotation_is_named_in_plan_and_deploy_with_the_revoke_line(drill: Drill) -> None:
    old = _serial(drill.before["web"])
    line = f"internal-ca revoke web --serial {old} --reason key_compromise"
    for run in ("plan rotate", "deploy rotate"):
        out = drill.runs[run].stdout
        assert f"KEY ROTATION: the old key's certificate, serial {old}, stays valid until" in out
        assert line in out


def test_revoked_services_have_new_keys_and_serials_that_verify(drill: Drill) -> None:
    crl = ("-crl_check", "-CRLfile", str(drill.project.root / "crl" / "ca-crl.pem"))
    for name in ("client", "web"):
        assert _serial(drill.after[name]) != _serial(drill.before[name])
        assert public_key_of_cert(drill.after[name]["cert_pem"]) != public_key_of_cert(
            drill.before[name]["cert_pem"]
        )
        done = _verify(drill, drill.path(f"{name}-new.pem"), *crl)
        assert done.returncode == 0, done.stdout + done.stderr
    key = (drill.files / "client-new-key.pem").read_text()
    assert public_key_of_private(key) == public_key_of_cert(drill.after["client"]["cert_pem"])


def test_serial_revoked_after_a_rotation_is_in_the_crl(drill: Drill) -> None:
    old = _serial(drill.before["web"])
    assert "records the revocation in state" in drill.runs["revoke rotated"].stdout
    text = openssl(
        "crl", "-in", str(drill.project.root / "crl" / "ca-crl.pem"), "-noout", "-text"
    ).stdout
    assert f"Serial Number: {old}" in text
    refused = _verify(
        drill,
        drill.path("web-old.pem"),
        "-crl_check",
        "-CRLfile",
        str(drill.project.root / "crl" / "ca-crl.pem"),
    )
    assert "certificate revoked" in refused.stdout + refused.stderr


# --- mutual TLS against openssl s_server with the CRL ------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def mtls_server(drill: Drill) -> Iterator[int]:
    port = _free_port()
    server = subprocess.Popen(
        [
            "openssl",
            "s_server",
            "-accept",
            f"127.0.0.1:{port}",
            "-www",
            "-quiet",
            "-cert",
            drill.path("web-new.pem"),
            "-key",
            drill.path("web-new-key.pem"),
            "-CAfile",
            drill.path("ca-crt.pem"),
            "-Verify",
            "1",
            "-verify_return_error",
            "-CRL",
            str(drill.project.root / "crl" / "ca-crl.pem"),
            "-crl_check",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        os.kill(server.pid, signal.SIGTERM)
        server.wait(timeout=10)


def _client(drill: Drill, port: int, cert: str, key: str) -> str:
    done = subprocess.run(
        [
            "openssl",
            "s_client",
            "-connect",
            f"127.0.0.1:{port}",
            "-quiet",
            "-CAfile",
            drill.path("ca-crt.pem"),
            "-verify_return_error",
            "-cert",
            drill.path(cert),
            "-key",
            drill.path(key),
        ],
        input="GET / HTTP/1.0\r\n\r\n",
        text=True,
        capture_output=True,
        timeout=30,
        check=False,
    )
    return done.stdout


def test_mutual_tls_refuses_the_revoked_client_and_accepts_a_valid_one(
    drill: Drill, mtls_server: int
) -> None:
    assert "200 ok" in _client(drill, mtls_server, "client-new.pem", "client-new-key.pem")
    assert "200 ok" not in _client(drill, mtls_server, "client-old.pem", "client-old-key.pem")


# --- ledger rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nosuch", "--reason", "superseded"), "service 'nosuch' is unknown"),
        (("web", "--reason", "superseded", "--serial", "XYZ"), "serial 'XYZ' is not hex"),
        (("web", "--reason", "stolen"), "reason 'stolen' is not known"),
        (("client", "--reason", "superseded", "--serial", "CLIENT_OLD"), "is already revoked"),
        (("deep", "--reason", "superseded", "--ca", "ca"), "was issued by CA 'issuing'"),
        (("web", "--reason", "superseded", "--serial", "CLIENT_NEW"), "is service 'client'"),
        (("web", "--reason", "superseded", "--serial", "ROOT"), "own certificate (the root)"),
        (("deep", "--reason", "superseded", "--serial", "ISSUING"), "(an intermediate)"),
    ],
)
def test_bad_revoke_input_is_refused_and_the_ledger_unchanged(
    drill: Drill, args: tuple[str, ...], message: str
) -> None:
    ledger = drill.project.root / "revocations" / "internal-ca.json"
    before = ledger.read_bytes()
    serials = {
        "CLIENT_OLD": _serial(drill.before["client"]),
        "CLIENT_NEW": _serial(drill.after["client"]),
        "ROOT": serial_hex((drill.files / "ca-crt.pem").read_text()),
        "ISSUING": serial_hex((drill.files / "issuing-crt.pem").read_text()),
    }
    done = drill.project.cli("revoke", *(serials.get(arg, arg) for arg in args), check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert message in done.stderr
    assert ledger.read_bytes() == before


def test_two_revokes_at_once_both_land(drill: Drill, tmp_path: Path) -> None:
    project = copy_project(drill.project, tmp_path / "copy")
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "internal_ca",
                "revoke",
                "gone",
                "--serial",
                serial,
                "--reason",
                "cessation_of_operation",
            ],
            cwd=project.root,
            env=project.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for serial in ("01", "02", "03")
    ]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
    ledger = json.loads((project.root / "revocations" / "internal-ca.json").read_text())
    gone = sorted(item["serial"] for item in ledger["revoked"] if item["service"] == "gone")
    assert gone == ["01", "02", "03"]


def test_removing_a_ledger_entry_trips_the_guard(drill: Drill, tmp_path: Path) -> None:
    project = copy_project(drill.project, tmp_path / "copy")
    path = project.root / "revocations" / "internal-ca.json"
    ledger = json.loads(path.read_text())
    dropped = ledger["revoked"].pop(0)
    path.write_text(json.dumps(ledger))
    tripped = project.cli("plan", check=False)
    assert tripped.returncode == 3, tripped.stdout + tripped.stderr
    assert f"{dropped['ca']}/{dropped['serial']}" in tripped.stderr
    assert "--allow-unrevoke" in tripped.stderr
    allowed = project.cli("plan", "--allow-unrevoke", check=False)
    assert "--allow-unrevoke" not in allowed.stderr
    # A CRL signed from that ledger would trust the certificate again: refused the same way.
    refused = project.cli("crl", check=False)
    assert refused.returncode == 1
    assert f"{dropped['ca']}/{dropped['serial']}" in refused.stderr
    assert "--allow-unrevoke" in refused.stderr


def _other_ca_pem() -> str:
    """A CA certificate of no stack here: what a pin of another CA looks like."""
    return self_signed_ca_pem("Staging CA")


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_every_command_that_reads_a_ca_refuses_a_ca_that_is_not_the_pinned_one(
    drill: Drill, tmp_path: Path
) -> None:
    """State and pin disagree (state of a staging schema, say): nothing is exported or signed."""
    project = copy_project(drill.project, tmp_path / "copy")
    (project.root / "pins" / "internal-ca" / "ca-crt.pem").write_text(_other_ca_pem())
    before = {name: _tree(project.root / name) for name in ("crl", "revocations")}
    out = tmp_path / "exported"
    runs = {
        "export": project.cli("export", str(out), check=False),
        "export --no-crl": project.cli("export", "--no-crl", str(out), check=False),
        "crl": project.cli("crl", check=False),
        "verify": project.cli("verify", check=False),
        "revoke": project.cli("revoke", "web", "--reason", "superseded", check=False),
    }
    for name, done in runs.items():
        assert done.returncode == 1, (name, done.stdout + done.stderr)
        assert "CA 'ca' in state has fingerprint" in done.stderr, name
        assert "pins/internal-ca/ pins" in done.stderr, name
        assert "the state belongs to another CA" in done.stderr, name
    assert not out.exists()
    assert {name: _tree(project.root / name) for name in before} == before


def test_a_ledger_entry_under_the_wrong_ca_trips_plan_and_crl_and_is_not_called_revoked(
    drill: Drill, tmp_path: Path
) -> None:
    """deep's serial under the root: the root's CRL would not revoke it, so say so."""
    project = copy_project(drill.project, tmp_path / "copy")
    path = project.root / "revocations" / "internal-ca.json"
    ledger = json.loads(path.read_text())
    serial = _serial(drill.after["deep"])
    ledger["revoked"].append(
        {
            "ca": "ca",
            "serial": serial,
            "service": "deep",
            "revoked_at": "2026-12-01T09:30:00Z",
            "reason": "superseded",
            "live": False,
        }
    )
    path.write_text(json.dumps(ledger))
    reason = "but state shows CA 'issuing' issued that serial (service 'deep')"
    plan = project.cli("plan", check=False)
    assert plan.returncode == 3, plan.stdout + plan.stderr
    assert reason in plan.stderr
    crl = project.cli("crl", check=False)
    assert crl.returncode == 1 and reason in crl.stderr, crl.stderr
    verify = project.cli("verify", check=False)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    inventory = project.cli("inventory", check=False)
    assert f"{serial}*" not in inventory.stdout


def test_a_ledger_entry_naming_no_ca_of_the_stack_is_refused_at_synth(
    drill: Drill, tmp_path: Path
) -> None:
    project = copy_project(drill.project, tmp_path / "copy")
    path = project.root / "revocations" / "internal-ca.json"
    ledger = json.loads(path.read_text())
    ledger["revoked"][0]["ca"] = "nosuch"
    path.write_text(json.dumps(ledger))
    plan = project.cli("plan", check=False)
    assert plan.returncode == 1, plan.stdout + plan.stderr
    assert "field 'ca' value 'nosuch' is not a CA of stack 'internal-ca'" in plan.stderr
    assert "expected one of ['ca', 'issuing']" in plan.stderr


@pytest.mark.parametrize(
    ("setup", "status", "message"),
    [
        ("missing", 2, "does not exist; expected the folder `internal-ca crl` wrote"),
        ("file", 2, "is not a folder; expected the folder `internal-ca crl` wrote"),
        ("empty", 1, "there is no CRL of CA 'ca' of stack 'internal-ca'"),
        ("other", 1, "not signed by CA 'ca' of stack 'internal-ca'"),
        ("garbage", 1, "not a DER CRL with a CRL number"),
    ],
)
def test_inventory_crl_dir_refuses_what_is_not_the_stacks_crls(
    drill: Drill, tmp_path: Path, setup: str, status: int, message: str
) -> None:
    folder = tmp_path / "crls"
    if setup == "file":
        folder.write_text("")
    elif setup != "missing":
        folder.mkdir()
        for name in ("ca.crl", "issuing.crl"):
            (folder / name).write_bytes((drill.project.root / "crl" / name).read_bytes())
    if setup == "empty":
        for name in ("ca.crl", "issuing.crl"):
            (folder / name).unlink()
    if setup == "other":
        # The intermediate's CRL in the root's place: a valid CRL, of another CA.
        (folder / "ca.crl").write_bytes((folder / "issuing.crl").read_bytes())
    if setup == "garbage":
        (folder / "ca.crl").write_bytes(b"not a CRL")
    done = drill.project.cli("inventory", "--crl-dir", str(folder), check=False)
    assert done.returncode == status, done.stdout + done.stderr
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) <= 3  # argparse: usage line, then the reason
    assert "Traceback" not in done.stderr


def test_crl_refuses_a_planted_crl_as_the_floor_and_writes_nothing(
    drill: Drill, tmp_path: Path
) -> None:
    project = copy_project(drill.project, tmp_path / "copy")
    crl_dir = project.root / "crl"
    (crl_dir / "ca.crl").write_bytes((crl_dir / "issuing.crl").read_bytes())
    before = _tree(crl_dir)
    done = project.cli("crl", check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "ca.crl: not signed by CA 'ca' of stack 'internal-ca'" in done.stderr
    assert _tree(crl_dir) == before


# --- leak canaries -----------------------------------------------------------------------------


def test_no_key_in_any_output(drill: Drill) -> None:
    keys = [
        (drill.files / name).read_text()
        for name in ("client-old-key.pem", "client-new-key.pem", "web-new-key.pem")
    ]
    bodies = [line for key in keys for line in key.splitlines()[1:-1] if len(line) > 16]
    for name, run in drill.runs.items():
        text = run.stdout + run.stderr
        assert PEM_PRIVATE_KEY not in text, name
        assert not any(body in text for body in bodies), name


def test_the_scheduled_workflows_commands_run_and_leak_no_key(drill: Drill, tmp_path: Path) -> None:
    """renew.yml's own command lines, run in a copy of the drilled project (local state)."""
    import shlex

    import yaml

    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "renew.yml").read_text())
    env = {"AUTO_APPROVE": "1", **workflow["env"]}
    env["CA_TLS_PROVIDER"] = "standin"
    commands = [
        shlex.split(
            step["run"]
            .split("internal-ca", 1)[1]
            .replace("$EXPIRY_ALARM_DAYS", env["EXPIRY_ALARM_DAYS"])
        )
        for job in workflow["jobs"].values()
        for step in job["steps"]
        if "internal-ca" in step.get("run", "")
    ]
    assert [command[0] for command in commands] == ["deploy", "crl", "inventory", "verify"]
    project = copy_project(drill.project, tmp_path / "copy")
    keys = [(drill.files / name).read_text() for name in ("client-new-key.pem", "web-new-key.pem")]
    bodies = [line for key in keys for line in key.splitlines()[1:-1] if len(line) > 16]
    for command in commands:
        done = project.cli(*command, env=env, check=False)
        assert done.returncode == 0, (command, done.stderr[-2000:])
        text = done.stdout + done.stderr
        assert PEM_PRIVATE_KEY not in text
        assert not any(body in text for body in bodies)
    assert (project.root / "crl" / "ca-crl.pem").is_file()
