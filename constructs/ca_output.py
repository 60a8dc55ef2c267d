"""The one output shape every CA construct publishes, so scripts and the CLI read them alike."""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from .key_spec import KeySpec
from .subject import DistinguishedName


def add_ca_output(
    scope: Construct,
    name: str,
    *,
    description: str,
    cert_pem: str,
    serial: str,
    not_before: str,
    not_after: str,
    subject: DistinguishedName,
    key_spec: KeySpec,
) -> TerraformOutput:
    """Output `name` = {cert_pem, serial, not_before, not_after, subject, key_algorithm}."""
    output = TerraformOutput(
        scope,
        "output",
        description=description,
        value={
            "cert_pem": cert_pem,
            "serial": serial,
            "not_before": not_before,
            "not_after": not_after,
            "subject": subject.as_text(),
            "key_algorithm": key_spec.describe(),
        },
    )
    output.override_logical_id(name)
    return output
