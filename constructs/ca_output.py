"""The one output shape every CA construct publishes, so scripts and the CLI read them alike."""

from __future__ import annotations

from .key_spec import KeySpec
from .rendered import Place
from .subject import DistinguishedName


def add_ca_output(
    place: Place,
    name: str,
    *,
    description: str,
    cert_pem: str,
    serial: str,
    not_before: str,
    not_after: str,
    subject: DistinguishedName,
    key_spec: KeySpec,
) -> None:
    """Output `name` = {cert_pem, serial, not_before, not_after, subject, key_algorithm}."""
    place.output(
        "output",
        name,
        {
            "description": description,
            "value": {
                "cert_pem": cert_pem,
                "serial": serial,
                "not_before": not_before,
                "not_after": not_after,
                "subject": subject.as_text(),
                "key_algorithm": key_spec.describe(),
            },
        },
    )
