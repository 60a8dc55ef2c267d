"""User errors come back as Terraform diagnostics with clear summaries, not tracebacks."""

from collections.abc import Callable
from typing import Any

import pytest
from e2e_project import pem_begin, pem_end

BROKEN_PEM = pem_begin("PRIVATE KEY") + "\nAAAA\n" + pem_end("PRIVATE KEY") + "\n"


@pytest.mark.parametrize(
    ("resources", "summary"),
    [
        ({"tls_private_key": {"k": {"algorithm": "DSA"}}}, "Unsupported private key algorithm"),
        (
            {"tls_private_key": {"k": {"algorithm": "ECDSA", "ecdsa_curve": "P999"}}},
            "Unsupported ECDSA curve",
        ),
        (
            {
                "tls_private_key": {"k": {"algorithm": "ED25519"}},
                "tls_self_signed_cert": {
                    "c": {
                        "private_key_pem": "${tls_private_key.k.private_key_pem}",
                        "validity_period_hours": 1,
                        "allowed_uses": ["server_auth", "world_domination"],
                    }
                },
            },
            "Invalid allowed_uses value",
        ),
        (
            {
                "tls_cert_request": {
                    "r": {"private_key_pem": "not a key", "ip_addresses": ["10.0.0.300"]}
                }
            },
            "Invalid IP address",
        ),
    ],
)
def test_plan_reports_diagnostic(
    make_workspace: Callable[[dict[str, Any]], Any],
    required_providers: dict[str, Any],
    resources: dict[str, Any],
    summary: str,
) -> None:
    ws = make_workspace({"terraform": required_providers, "resource": resources})
    proc = ws.tf("plan", "-input=false", ok=(1,))
    assert f"Error: {summary}" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_apply_errors_are_diagnostics(
    make_workspace: Callable[[dict[str, Any]], Any], required_providers: dict[str, Any]
) -> None:
    config = {
        "terraform": required_providers,
        "resource": {
            "tls_self_signed_cert": {
                "c": {
                    "private_key_pem": BROKEN_PEM,
                    "validity_period_hours": 1,
                    "allowed_uses": ["server_auth"],
                }
            }
        },
        "data": {"tls_certificate": {"remote": {"url": "https://example.invalid"}}},
    }
    ws = make_workspace(config)
    proc = ws.tf("apply", "-auto-approve", "-input=false", ok=(1,))
    assert "Error: url is not supported by the offline tls stand-in" in proc.stderr
    ws.write({k: v for k, v in config.items() if k != "data"})
    proc = ws.tf("apply", "-auto-approve", "-input=false", ok=(1,))
    assert "Error: Failed to parse private key PEM" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_import_is_refused(
    make_workspace: Callable[[dict[str, Any]], Any], required_providers: dict[str, Any]
) -> None:
    ws = make_workspace(
        {
            "terraform": required_providers,
            "resource": {"tls_private_key": {"k": {"algorithm": "ED25519"}}},
        }
    )
    proc = ws.tf("import", "-input=false", "tls_private_key.k", "abc", ok=(1,))
    assert "Resource Import Not Implemented" in proc.stderr
