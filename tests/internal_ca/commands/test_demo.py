"""`internal-ca demo` from a temp copy of the project: offline deploy, export, check, report."""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from e2e_project import REPO, TempProject, openssl, redact, standin_only

pytestmark = [
    pytest.mark.e2e,
    standin_only("`make demo` runs the offline stand-in by design, whatever CA_TLS_PROVIDER says"),
]

EXPECTED = ["MANIFEST", "ca-crt.pem", "passwords-crt.pem", "passwords-fullchain.pem",
            "passwords-private-key.pem"]  # fmt: skip


def _demo(project: TempProject, out: Path) -> subprocess.CompletedProcess[str]:
    # CA_TLS_PROVIDER=registry would fail offline: the demo must force the stand-in itself.
    done = subprocess.run(
        [str(REPO / ".venv" / "bin" / "internal-ca"), "demo", "--dir", str(out)],
        cwd=project.root,
        env=project.env(CA_TLS_PROVIDER="registry"),
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, redact(done.stdout + done.stderr)[-3000:]
    assert "PRIVATE KEY" not in done.stdout + done.stderr
    return done


def test_demo_deploys_exports_and_checks_offline(tmp_path: Path) -> None:
    project = TempProject(tmp_path / "copy")
    shutil.copyfile(REPO / "main.py", project.root / "main.py")
    out = tmp_path / "demo"

    first = _demo(project, out)

    assert sorted(path.name for path in out.iterdir()) == EXPECTED
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert stat.S_IMODE((out / "passwords-private-key.pem").stat().st_mode) == 0o600
    for name in ("passwords.internal.example", "passwords"):
        openssl(
            "verify", "-x509_strict", "-purpose", "sslserver", "-verify_hostname", name,
            "-CAfile", str(out / "ca-crt.pem"), str(out / "passwords-fullchain.pem"),
        )  # fmt: skip
    key_pub = openssl("pkey", "-pubout", "-in", str(out / "passwords-private-key.pem")).stdout
    cert_pub = openssl("x509", "-noout", "-pubkey", "-in", str(out / "passwords-crt.pem")).stdout
    assert key_pub == cert_pub
    serial = openssl("x509", "-noout", "-serial", "-in", str(out / "passwords-crt.pem"))
    hex_serial = serial.stdout.strip().removeprefix("serial=")
    issued = [line for line in first.stdout.splitlines() if line.strip().startswith("passwords:")]
    assert len(issued) == 1
    assert f"serial {hex_serial}" in issued[0]
    assert "passwords.internal.example" in issued[0] and "expires " in issued[0]
    assert str(out / "passwords-private-key.pem") in first.stdout.split("Secret files", 1)[1]
    # The scratch deploy lives in the git-ignored private folder, not in the project's state/.
    assert (project.root / ".internal-ca" / "demo-work" / "state").is_dir()
    assert not (project.root / "state").exists()

    # Re-running reuses the scratch CA: same certificates, files rewritten.
    second = _demo(project, out)
    assert f"serial {hex_serial}" in second.stdout
    assert sorted(path.name for path in out.iterdir()) == EXPECTED
