"""CRLs of an adopted CA (ExistingCa) without its key in the environment (issue 18, item 9).

The CA key reaches Terraform as TF_VAR_ca_private_key_pem for the deploy only. Afterwards
`export` and `crl` run without it: every certificate the CA signed keeps its key in state, so
that is where the CRL's signing key comes from. A CA that has signed nothing has no key in
state: export then leaves its CRL out and says so. Checked with openssl.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from e2e_project import ADOPTED_APP_HEADER, PEM_PRIVATE_KEY, TempProject, copy_project, openssl

pytestmark = [pytest.mark.e2e, pytest.mark.conformance]

VARIABLE = "TF_VAR_ca_private_key_pem"
SERVICE = 'ServiceCert(stack, "web", ca=ca, dns_names=["web.internal"])\n'


@dataclass
class Adopted:
    project: TempProject
    ca_file: Path
    # Left out of repr: pytest prints fixture values when a test fails.
    key_pem: str = field(repr=False)


@pytest.fixture(scope="module")
def adopted(tmp_path_factory: pytest.TempPathFactory) -> Adopted:
    keys = tmp_path_factory.mktemp("adopted-key")
    keys.chmod(0o700)
    key_file = keys / "ca-private-key.pem"
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-out", str(key_file))  # fmt: skip
    project = TempProject(tmp_path_factory.mktemp("adopted") / "project")
    ca_file = project.root / "ca-crt.pem"
    openssl("req", "-x509", "-new", "-key", str(key_file), "-days", "3650",
            "-subj", "/O=Test Org/CN=Adopted CA", "-out", str(ca_file),
            "-addext", "basicConstraints=critical,CA:TRUE")  # fmt: skip
    project.write_app(services=SERVICE, ca="", header=ADOPTED_APP_HEADER)
    result = Adopted(project, ca_file, key_file.read_text())
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(VARIABLE, result.key_pem)
        project.deploy()
    return result


@pytest.fixture(autouse=True)
def no_key_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(VARIABLE, raising=False)


def _crl_verifies(crl: Path, ca_file: Path) -> None:
    done = openssl("crl", "-in", str(crl), "-noout", "-verify", "-CAfile", str(ca_file))
    assert "verify OK" in done.stdout + done.stderr


def test_export_signs_the_adopted_cas_crl_with_the_key_from_state(
    adopted: Adopted, tmp_path: Path
) -> None:
    assert VARIABLE not in os.environ
    out = tmp_path / "files"
    done = adopted.project.cli("export", str(out), check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert PEM_PRIVATE_KEY not in done.stdout + done.stderr
    _crl_verifies(out / "ca-crl.pem", adopted.ca_file)
    assert "ca-crl.pem" in (out / "MANIFEST").read_text()
    assert not (out / "ca-private-key.pem").exists()


def test_crl_signs_with_the_key_from_state_before_asking_the_environment(
    adopted: Adopted, tmp_path: Path
) -> None:
    project = copy_project(adopted.project, tmp_path / "copy")
    done = project.cli("crl", check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    _crl_verifies(project.root / "crl" / "ca-crl.pem", adopted.ca_file)


def test_a_ca_that_has_signed_nothing_gets_no_crl_and_a_warning(
    adopted: Adopted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_project(adopted.project, tmp_path / "copy")
    project.write_app(services="", ca="", header=ADOPTED_APP_HEADER)
    monkeypatch.setenv(VARIABLE, adopted.key_pem)
    project.deploy("--allow-destroy")
    monkeypatch.delenv(VARIABLE)
    out = tmp_path / "files"
    done = project.cli("export", str(out), check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    (warning,) = done.stderr.strip().splitlines()
    assert warning.startswith("internal-ca: warning: stack 'internal-ca' CA 'ca': no CRL exported")
    assert "`internal-ca crl`" in warning and "--no-crl" in warning
    assert not (out / "ca-crl.pem").exists()
    assert "CA 'ca': no CRL exported" in (out / "MANIFEST").read_text()
    quiet = project.cli("export", "--no-crl", str(out), check=False)
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr[-2000:]
