"""Terraform's error blocks are extracted for the user, and key material never is."""

from __future__ import annotations

from e2e_project import pem_begin

from internal_ca.terraform.diagnostics import error_blocks

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
