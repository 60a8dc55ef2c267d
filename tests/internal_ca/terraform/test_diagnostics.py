"""Diagnostics: Terraform's error blocks and reasons reach the user; key material never does."""

from __future__ import annotations

import json

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from e2e_project import pem_begin

from internal_ca.terraform.diagnostics import (
    error_blocks,
    prevent_destroy_addresses,
    reason,
    redact,
)

KEY_BODY = "MHcCAQEEIBkAXQ9s0d3sWl3X0Jc0bV9zYbq0Gm5G2XN3d9t9ZyZxoAoGCCqGSM49AwEHoUQDQgAE"
RED, RESET = "\x1b[31m", "\x1b[0m"
TERRAFORM_OUTPUT = "\n".join(
    [
        f"{RED}╷{RESET}",
        f"{RED}│{RESET} \x1b[1mError: Resource postcondition failed{RESET}",
        f"{RED}│{RESET}",
        f"{RED}│{RESET}   on cdk.tf.json line 32, in data.tls_public_key.ca:",
        f"{RED}│{RESET} CA 'ca': the key in TF_VAR_ca_private_key_pem does not match the cert",
        f"{RED}╵{RESET}",
        "╷",
        "│ Warning: Something harmless",
        "╵",
        "╷",
        "│ Error: Instance cannot be destroyed",
        "│   on cdk.tf.json line 88:",
        "│ Resource tls_self_signed_cert.ca has lifecycle.prevent_destroy set",
        f'│ value is "{pem_begin("EC PRIVATE KEY")}"',
        f"│ {KEY_BODY}",
        "╵",
    ]
)


def test_error_blocks_keep_the_reason_and_drop_warnings() -> None:
    blocks = error_blocks(TERRAFORM_OUTPUT)
    assert len(blocks) == 2
    assert blocks[0].startswith("Error: Resource postcondition failed")
    assert "does not match the cert" in blocks[0]
    assert "prevent_destroy" in blocks[1]
    assert all("Warning" not in block for block in blocks)


def test_key_lines_are_withheld() -> None:
    text = "\n".join(error_blocks(TERRAFORM_OUTPUT))
    assert "PRIVATE KEY" not in text
    assert KEY_BODY not in text
    assert text.count("[withheld]") == 2


def test_no_error_no_blocks() -> None:
    assert error_blocks("No changes. Your infrastructure matches the configuration.") == []


def test_plain_no_color_output_is_understood_too() -> None:
    plain = "\n".join(
        [
            "  ~ cert_pem = <<-EOT",
            f"        {KEY_BODY}",
            "Plan: 2 to add, 0 to change, 2 to destroy.",
            "",
            "Error: Instance cannot be destroyed",
            "",
            "  on cdk.tf.json line 163, in resource.tls_self_signed_cert:",
            "Resource tls_self_signed_cert.ca has lifecycle.prevent_destroy set, but the",
            "plan calls for this resource to be destroyed.",
        ]
    )
    (block,) = error_blocks(plain)
    assert block.startswith("Error: Instance cannot be destroyed")
    assert "tls_self_signed_cert.ca has lifecycle.prevent_destroy set" in block
    assert KEY_BODY not in block
    assert "Plan:" not in block


# --- redact(): the one filter between a tool's output and the user --------------------------

CANARY_KEY = ec.generate_private_key(ec.SECP256R1())


def _canary_pem() -> str:
    return CANARY_KEY.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _key_body_lines() -> list[str]:
    return [line for line in _canary_pem().splitlines() if not line.startswith("-----")]


def _leaks(text: str) -> list[str]:
    """Any line of the canary key's body, or its header, found in `text`."""
    found = [line for line in _key_body_lines() if line in text]
    if "PRIVATE KEY" in text:
        found.append("PRIVATE KEY")
    return found


def test_redact_masks_a_whole_pem_block() -> None:
    text = redact(f"Error: bad value\n{_canary_pem()}\nafter")
    assert _leaks(text) == []
    assert "Error: bad value" in text and "after" in text


def test_redact_masks_a_pem_block_cut_short() -> None:
    cut = "\n".join(_canary_pem().splitlines()[:2])
    assert _leaks(redact("value is " + cut)) == []


def test_redact_masks_a_bare_base64_key_body() -> None:
    body = "".join(_key_body_lines())
    assert body not in redact(f"  ~ private_key_pem = {body}")


def test_redact_masks_a_key_split_across_lines() -> None:
    text = "\n".join(f"│   {line}" for line in _key_body_lines())
    assert _leaks(redact(text)) == []


def test_redact_masks_a_key_inside_a_json_string() -> None:
    document = json.dumps({"values": {"private_key_pem": _canary_pem()}})
    redacted = redact(document)
    assert _leaks(redacted.replace("\\n", "\n")) == []
    assert '"values"' in redacted


def test_redact_keeps_fingerprints_serials_and_paths() -> None:
    text = (
        "pinned sha256 " + "ab12" * 16 + " serial 599D6755537CC866E502E9F3204CDF48 "
        "in /tmp/pytest-of-root/pytest-0/test_x0/cdktf.out/stacks/internal-ca"
    )
    assert redact(text) == text


def test_reason_prefers_the_apps_own_exception() -> None:
    output = "Traceback (most recent call last):\n  File x\nValueError: service 'a': bad\n"
    assert reason(output) == "ValueError: service 'a': bad"


def test_reason_gives_terraforms_first_error_with_its_resource() -> None:
    assert reason(TERRAFORM_OUTPUT) == (
        "Error: Resource postcondition failed (in tls_public_key.ca)"
    )


def test_reason_never_carries_a_key() -> None:
    output = f"Error: Invalid value\n\n  on cdk.tf.json line 3:\n{_canary_pem()}"
    assert _leaks(reason(output)) == []


def test_prevent_destroy_addresses_in_order_and_once() -> None:
    assert prevent_destroy_addresses(TERRAFORM_OUTPUT + TERRAFORM_OUTPUT) == [
        "tls_self_signed_cert.ca"
    ]
