"""The example app in main.py: its Terraform addresses are a public contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Renaming any of these re-issues a certificate with a new key: change this list only on purpose.
EXPECTED_ADDRESSES = [
    "terraform_data.passwords_key_version",
    "tls_cert_request.passwords",
    "tls_locally_signed_cert.passwords",
    "tls_private_key.ca",
    "tls_private_key.passwords",
    "tls_self_signed_cert.ca",
]
EXPECTED_OUTPUTS = ["ca", "service_passwords", "service_passwords_private_key_pem"]


def _synth_main(outdir: Path) -> dict[str, object]:
    env = dict(os.environ, CDKTF_OUTDIR=str(outdir), NODE_OPTIONS="--no-deprecation")
    env["PATH"] = f"{REPO / 'node_modules' / '.bin'}{os.pathsep}{env['PATH']}"
    subprocess.run([sys.executable, "main.py"], cwd=REPO, env=env, check=True)
    doc: dict[str, object] = json.loads(
        (outdir / "stacks" / "internal-ca" / "cdk.tf.json").read_text()
    )
    return doc


def test_example_stack_addresses_and_outputs_are_frozen(tmp_path: Path) -> None:
    doc = _synth_main(tmp_path / "out")
    resources = doc["resource"]
    assert isinstance(resources, dict)
    addresses = sorted(f"{kind}.{name}" for kind, items in resources.items() for name in items)
    assert addresses == EXPECTED_ADDRESSES
    outputs = doc["output"]
    assert isinstance(outputs, dict)
    assert sorted(outputs) == EXPECTED_OUTPUTS


def test_example_is_the_recipes_site_with_an_rsa_4096_ca(tmp_path: Path) -> None:
    doc = _synth_main(tmp_path / "out")
    resources = doc["resource"]
    assert isinstance(resources, dict)
    key = resources["tls_private_key"]["ca"]
    assert (key["algorithm"], key["rsa_bits"]) == ("RSA", 4096)
    subject = resources["tls_self_signed_cert"]["ca"]["subject"][0]
    assert subject["organization"] == "University of Cambridge"
    assert subject["country"] == "GB"
    assert resources["tls_cert_request"]["passwords"]["subject"][0]["locality"] == "Cambridge"
