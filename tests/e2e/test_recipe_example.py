"""The example in main.py is the recipe itself: an RSA-4096 CA and RSA-4096 service key."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from cert_checks import public_key_of_cert, public_key_of_private, text_of, verify
from e2e_project import REPO, TempProject, pem_begin

pytestmark = [pytest.mark.e2e, pytest.mark.conformance]


def test_the_example_app_deploys_and_verifies_like_the_recipe(tmp_path: Path) -> None:
    project = TempProject(tmp_path / "project")
    shutil.copy(REPO / "main.py", project.root / "main.py")
    config = json.loads((REPO / "cdktf.json").read_text())
    config["app"] = f"{sys.executable} main.py"
    (project.root / "cdktf.json").write_text(json.dumps(config))
    project.deploy()

    ca_pem = project.outputs()["ca"]["cert_pem"]
    ca_text = text_of(ca_pem)
    assert "Public-Key: (4096 bit)" in ca_text
    assert "CA:TRUE" in ca_text
    assert "X509v3 Basic Constraints: critical" in ca_text
    assert "Certificate Sign, CRL Sign" in ca_text
    assert "O = University of Cambridge" in ca_text

    info = project.services()["passwords"]
    leaf_text = text_of(info["cert_pem"])
    assert "Public-Key: (4096 bit)" in leaf_text
    assert "TLS Web Server Authentication" in leaf_text
    assert "Digital Signature, Key Encipherment" in leaf_text
    for name in info["dns_names"]:
        assert verify(ca_pem, info["cert_pem"], name)
    key_pem = project.private_key("passwords")
    assert key_pem.startswith(pem_begin("RSA PRIVATE KEY"))
    assert public_key_of_private(key_pem) == public_key_of_cert(info["cert_pem"])
