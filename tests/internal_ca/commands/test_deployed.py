"""inventory, export and verify against a real deployment (cdktf + Terraform + stand-in).

One project, deployed once for the module, with two stacks:
- "internal-ca": services `web` (DNS + IP SANs) and `api`, issued now;
- "stale": service `old` (10 days, renew 5 days before expiry), issued with the stand-in's
  clock moved back 7 days, so it is honestly inside its renewal window now and expires in
  about 3 days.
Every result is checked with the openssl CLI or terraform, never with the code under test.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from e2e_project import (
    DEFAULT_CA,
    REPO,
    STACK,
    TempProject,
    openssl,
    redact,
    service_line,
    uses_standin_clock,
)

pytestmark = [pytest.mark.e2e, uses_standin_clock()]

Cli = Callable[..., Any]
STALE = "stale"
STALE_BLOCK = """\
stale = CaStack(
    app,
    "stale",
    ca_subject=DistinguishedName(country="GB", organization="Test Org", common_name="Stale CA"),
    ca_key=ecdsa("P256"),
)
ServiceCert(stale, "old", ca=stale.ca, dns_names=["old.internal"], validity_days=10,
            renew_before_days=5)
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> TempProject:
    project = TempProject(tmp_path_factory.mktemp("ops") / "project")
    services = service_line("web", "web.internal", "alt.internal", ip_addresses=["10.0.0.5"])
    services += service_line("api", "api.internal")
    project.write_app(services=services + STALE_BLOCK, ca=DEFAULT_CA)
    week_ago = str(-7 * 24)
    project.cli(
        "deploy", "--auto-approve", "--initial", "--stack", STALE,
        env={"TLS_STANDIN_CLOCK_SHIFT_HOURS": week_ago},
    )  # fmt: skip
    project.cli("deploy", "--auto-approve", "--initial", "--stack", STACK)
    return project


@pytest.fixture
def in_project(project: TempProject, monkeypatch: pytest.MonkeyPatch, tool_env: None) -> Path:
    monkeypatch.chdir(project.root)
    return project.root


@pytest.fixture(scope="module")
def exported(project: TempProject, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One export of the main stack, made through the installed script's module entry.

    The app has two stacks, so the stack's files are in certs/<stack>/ even with --stack.
    """
    folder = tmp_path_factory.mktemp("exported") / "certs"
    project.cli("export", str(folder), "--stack", STACK)
    return folder / STACK


def _pubkey_of_cert(path: Path) -> str:
    return openssl("x509", "-noout", "-pubkey", "-in", str(path)).stdout


def _pubkey_of_key(path: Path) -> str:
    return openssl("pkey", "-pubout", "-in", str(path)).stdout


def _serial(pem: str) -> str:
    return openssl("x509", "-noout", "-serial", input=pem).stdout.strip().removeprefix("serial=")


def _manifest_entry(manifest: Path, name: str) -> str:
    """The MANIFEST line that lists `name` as a file ("" if it is not listed)."""
    lines = manifest.read_text().splitlines()
    return next((line for line in lines if line.strip().startswith(name + " ")), "")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- export -----------------------------------------------------------------------------


def test_export_writes_the_recipe_layout(exported: Path) -> None:
    names = sorted(path.name for path in exported.iterdir())
    assert names == [
        "MANIFEST",
        "api-crt.pem",
        "api-fullchain.pem",
        "api-private-key.pem",
        "ca-crl.pem",
        "ca-crt.pem",
        "ca.crl",
        "web-crt.pem",
        "web-fullchain.pem",
        "web-private-key.pem",
    ]


def test_export_modes(exported: Path) -> None:
    assert _mode(exported) == 0o700
    for name in ("web-private-key.pem", "api-private-key.pem"):
        assert _mode(exported / name) == 0o600
    assert _mode(exported / "ca-crt.pem") & 0o077 == 0o044  # public files stay readable


@pytest.mark.parametrize(("service", "names"), [("web", ["web.internal", "alt.internal"])])
def test_exported_chain_verifies_with_openssl(
    exported: Path, service: str, names: list[str]
) -> None:
    for name in names:
        done = openssl(
            "verify", "-x509_strict", "-purpose", "sslserver", "-verify_hostname", name,
            "-CAfile", str(exported / "ca-crt.pem"), str(exported / f"{service}-crt.pem"),
        )  # fmt: skip
        assert done.stdout.strip().endswith(": OK")
    done = openssl(
        "verify", "-verify_ip", "10.0.0.5", "-CAfile", str(exported / "ca-crt.pem"),
        str(exported / "web-fullchain.pem"),
    )  # fmt: skip
    assert done.stdout.strip().endswith(": OK")


def test_exported_keys_match_their_certificates(exported: Path) -> None:
    for service in ("web", "api"):
        assert _pubkey_of_key(exported / f"{service}-private-key.pem") == _pubkey_of_cert(
            exported / f"{service}-crt.pem"
        )
    assert _pubkey_of_key(exported / "web-private-key.pem") != _pubkey_of_cert(
        exported / "api-crt.pem"
    )


def test_exported_files_equal_terraform_outputs(exported: Path, project: TempProject) -> None:
    services = project.services()
    for service in ("web", "api"):
        assert (exported / f"{service}-crt.pem").read_text().strip() == services[service][
            "cert_pem"
        ].strip()
        # A root-only chain: the fullchain file is the leaf alone.
        assert (exported / f"{service}-fullchain.pem").read_text() == (
            exported / f"{service}-crt.pem"
        ).read_text()
    assert (exported / "ca-crt.pem").read_text().strip() == project.outputs()["ca"][
        "cert_pem"
    ].strip()


def test_manifest_says_what_is_secret_and_where_it_goes(exported: Path) -> None:
    text = (exported / "MANIFEST").read_text()
    public, secret = text.split("SECRET", 1)
    assert "ca-crt.pem" in public and "load-balancer admins" in public
    assert "web-crt.pem" in public and "web host" in public
    assert "web-private-key.pem" in secret and "api-private-key.pem" in secret
    assert "web-private-key.pem" not in public
    assert "CA private key is not exported" in text
    assert "PRIVATE KEY" not in text


def test_export_replaces_atomically_and_quiet_prints_nothing(
    cli: Cli, in_project: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "again" / STACK
    first = cli("export", str(folder.parent), "--stack", STACK)
    assert first.code == 0, first.explain()
    printed = first.out.splitlines()
    assert str(folder / "web-private-key.pem") in printed
    assert str(folder / "MANIFEST") in printed
    assert len(printed) == 10  # with the CA's CRL, PEM and DER
    old_inode = (folder / "web-private-key.pem").stat().st_ino
    # The second run replaces every file by rename: a new inode, no temp files left behind.
    second = cli("export", str(folder.parent), "--stack", STACK, "--quiet")
    assert (second.code, second.out) == (0, ""), second.explain()
    assert (folder / "web-private-key.pem").stat().st_ino != old_inode
    assert sorted(path.name for path in folder.iterdir() if path.name.startswith(".")) == []
    assert len(list(folder.iterdir())) == 10
    assert _mode(folder / "web-private-key.pem") == 0o600


def test_export_of_every_stack_uses_one_subfolder_each(
    cli: Cli, in_project: Path, tmp_path: Path
) -> None:
    ran = cli("export", str(tmp_path / "all"))
    assert ran.code == 0, ran.explain()
    assert (tmp_path / "all" / STACK / "web-private-key.pem").is_file()
    stale = tmp_path / "all" / STALE
    assert _mode(stale) == 0o700
    openssl("verify", "-CAfile", str(stale / "ca-crt.pem"), str(stale / "old-crt.pem"))
    assert not (tmp_path / "all" / STACK / "old-crt.pem").exists()


def test_a_stack_keeps_its_subfolder_with_stack_for_export_and_crl(
    cli: Cli, in_project: Path, tmp_path: Path
) -> None:
    """Several stacks in the app: DIR/<stack>/ whatever --stack says, so files never move."""
    ran = cli("export", str(tmp_path / "one"), "--stack", STALE)
    assert ran.code == 0, ran.explain()
    assert (tmp_path / "one" / STALE / "old-crt.pem").is_file()
    assert (tmp_path / "one" / STALE / "ca.crl").is_file()
    assert sorted(path.name for path in (tmp_path / "one").iterdir()) == [STALE]
    ran = cli("crl", str(tmp_path / "crl"), "--stack", STALE)
    assert ran.code == 0, ran.explain()
    assert sorted(path.name for path in (tmp_path / "crl" / STALE).iterdir()) == [
        "ca-crl.pem",
        "ca.crl",
    ]


def test_export_refuses_a_git_work_tree_unless_forced(
    cli: Cli, in_project: Path, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    ran = cli("export", str(repo / "keys"), "--stack", STACK)
    assert ran.code == 1
    assert "git work tree" in ran.err and "--force" in ran.err
    assert len(ran.err.strip().splitlines()) == 1
    assert not (repo / "keys").exists()

    ran = cli("export", str(repo / "keys"), "--stack", STACK, "--force")
    assert ran.code == 0, ran.explain()
    assert _mode(repo / "keys" / STACK / "web-private-key.pem") == 0o600


def test_export_into_a_git_ignored_folder_is_allowed(
    cli: Cli, in_project: Path, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / ".gitignore").write_text("secrets/\n")
    ran = cli("export", str(repo / "secrets"), "--stack", STACK)
    assert ran.code == 0, ran.explain()


def test_export_refuses_a_folder_others_can_read(
    cli: Cli, in_project: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "open"
    folder.mkdir()
    folder.chmod(0o755)
    ran = cli("export", str(folder), "--stack", STACK)
    assert ran.code == 1
    assert "chmod 700" in ran.err
    assert list(folder.iterdir()) == []


# --- inventory --------------------------------------------------------------------------


def test_inventory_json_rows_match_openssl(
    cli: Cli, in_project: Path, project: TempProject
) -> None:
    ran = cli("inventory", "--json")
    assert ran.code == 0, ran.explain()
    rows = {(row["stack"], row["service"]): row for row in json.loads(ran.out)}
    assert set(rows) == {
        (STACK, "ca"),
        (STACK, "web"),
        (STACK, "api"),
        (STALE, "ca"),
        (STALE, "old"),
    }
    outputs = project.outputs()
    assert rows[(STACK, "ca")]["kind"] == "ca"
    assert rows[(STACK, "ca")]["serial"] == _serial(outputs["ca"]["cert_pem"])
    for service in ("web", "api"):
        row = rows[(STACK, service)]
        cert = outputs[f"service_{service}"]["cert_pem"]
        assert row["serial"] == _serial(cert)
        dates = openssl("x509", "-noout", "-enddate", input=cert).stdout
        assert row["not_after"][:10] in _iso_dates(dates)
        assert row["in_renewal_window"] is False
        assert 395 <= row["days_left"] <= 397
    assert rows[(STACK, "web")]["dns_names"] == ["alt.internal", "web.internal"]
    assert rows[(STACK, "web")]["ip_addresses"] == ["10.0.0.5"]
    old = rows[(STALE, "old")]
    assert old["in_renewal_window"] is True
    assert 2 <= old["days_left"] <= 3


def _iso_dates(openssl_enddate: str) -> str:
    """`notAfter=Dec 29 13:37:52 2027 GMT` -> `2027-12-29` (and the raw text, for messages)."""
    import datetime as dt

    text = openssl_enddate.strip().removeprefix("notAfter=")
    return dt.datetime.strptime(text, "%b %d %H:%M:%S %Y %Z").strftime("%Y-%m-%d") + " " + text


def test_inventory_table(cli: Cli, in_project: Path, project: TempProject) -> None:
    ran = cli("inventory")
    assert ran.code == 0, ran.explain()
    lines = ran.out.splitlines()
    assert lines[0].split() == [
        "STACK", "KIND", "NAME", "SERIAL", "SANS", "NOT-BEFORE", "NOT-AFTER", "DAYS", "RENEW",
    ]  # fmt: skip
    by_name = {(line.split()[0], line.split()[2]): line.split() for line in lines[1:]}
    web = by_name[(STACK, "web")]
    assert web[3] == _serial(project.services()["web"]["cert_pem"])
    assert web[4] == "alt.internal,web.internal,10.0.0.5"
    assert web[-1] == "no"
    assert by_name[(STALE, "old")][-1] == "yes"
    assert by_name[(STACK, "ca")][4] == "-"


@pytest.mark.parametrize(
    ("days", "stack", "code"),
    [("1", None, 0), ("5", None, 2), ("400", STACK, 2)],
)
def test_inventory_expiring_within(
    cli: Cli, in_project: Path, days: str, stack: str | None, code: int
) -> None:
    extra = ["--stack", stack] if stack else []
    ran = cli("inventory", "--expiring-within", days, *extra)
    assert ran.code == code, ran.explain()
    if code:
        assert len(ran.err.strip().splitlines()) == 1
        assert f"within {days} days" in ran.err
        assert ("old" if stack is None else "web" if "web" in ran.err else "api") in ran.err
    else:
        assert ran.err == ""


def test_unknown_stack_is_a_one_line_error(cli: Cli, in_project: Path) -> None:
    ran = cli("inventory", "--stack", "nope")
    assert ran.code == 1
    assert ran.err.startswith("internal-ca: stack 'nope' is not in this app")
    assert len(ran.err.strip().splitlines()) == 1


def test_installed_script_prints_the_inventory(project: TempProject) -> None:
    script = REPO / ".venv" / "bin" / "internal-ca"
    done = subprocess.run(
        [str(script), "inventory", "--json", "--stack", STACK],
        cwd=project.root,
        env=project.env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, redact(done.stderr)[-2000:]
    serials = {row["service"]: row["serial"] for row in json.loads(done.stdout)}
    assert serials["web"] == _serial(project.services()["web"]["cert_pem"])


# --- verify -----------------------------------------------------------------------------


def test_verify_passes_for_fresh_certificates(cli: Cli, in_project: Path) -> None:
    ran = cli("verify", "--stack", STACK)
    assert ran.code == 0, ran.explain()
    assert sorted(line.split()[0] for line in ran.out.splitlines()) == [
        f"{STACK}/api",
        f"{STACK}/ca",
        f"{STACK}/web",
    ]
    assert all(line.endswith(": ok") for line in ran.out.splitlines())


def test_verify_fails_a_certificate_inside_its_renewal_window(cli: Cli, in_project: Path) -> None:
    ran = cli("verify")
    assert ran.code == 1
    failed = [line for line in ran.out.splitlines() if "FAIL" in line]
    assert len(failed) == 1
    assert failed[0].startswith(f"{STALE}/old ") and "renewal window" in failed[0]
    assert ran.err.strip() == f"internal-ca: 1 of 5 certificates failed verify: {STALE}/old"


def test_verify_json(cli: Cli, in_project: Path) -> None:
    ran = cli("verify", "--json", "--stack", STALE)
    assert ran.code == 1
    results = {row["service"]: row for row in json.loads(ran.out)}
    assert results["ca"]["ok"] is True
    assert results["old"]["ok"] is False
    assert any("renewal window" in problem for problem in results["old"]["problems"])


# --- secrets and help -------------------------------------------------------------------


def test_ca_key_is_exported_only_when_asked(
    cli: Cli, in_project: Path, exported: Path, tmp_path: Path
) -> None:
    assert not (exported / "ca-private-key.pem").exists()
    assert not _manifest_entry(exported / "MANIFEST", "ca-private-key.pem")

    # Every cli() call also asserts that nothing printed holds "PRIVATE KEY".
    ran = cli("export", str(tmp_path / "canary"), "--include-ca-key")
    assert ran.code == 0, ran.explain()
    for stack in (STACK, STALE):
        folder = tmp_path / "canary" / stack
        assert _mode(folder / "ca-private-key.pem") == 0o600
        ca_key = _pubkey_of_key(folder / "ca-private-key.pem")
        assert ca_key == _pubkey_of_cert(folder / "ca-crt.pem")
        assert "keep it in the password manager" in _manifest_entry(
            folder / "MANIFEST", "ca-private-key.pem"
        )
    # The canary is live: the files do hold key blocks, only the terminal must not.
    assert "PRIVATE KEY" in (tmp_path / "canary" / STACK / "web-private-key.pem").read_text()


@pytest.mark.parametrize(
    ("command", "phrase"),
    [
        ("inventory", "--expiring-within"),
        ("export", "--include-ca-key"),
        ("verify", "renewal window"),
        ("demo", "--reset"),
    ],
)
def test_help(cli: Cli, command: str, phrase: str) -> None:
    ran = cli(command, "--help")
    assert ran.code == 0
    assert phrase in " ".join(ran.out.split())


def test_outside_a_project_is_a_one_line_error(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    ran = cli("inventory")
    assert ran.code == 1
    assert ran.err.startswith("internal-ca: no cdktf.json")


def test_environment_is_restored() -> None:
    assert os.environ.get("TLS_STANDIN_CLOCK_SHIFT_HOURS") is None
