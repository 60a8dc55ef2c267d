"""The naming contract: names round-trip, and no two constructs share an id, address or output."""

from __future__ import annotations

from pathlib import Path

import pytest
from synth_helpers import make_stack, synth

from ca_constructs import naming
from ca_constructs.intermediate_ca import IntermediateCa
from ca_constructs.service_cert import ServiceCert


def test_service_names_follow_the_documented_layout() -> None:
    names = naming.service_names("web")
    assert names.outputs == ("service_web", "service_web_private_key_pem")
    assert names.cert_address == "tls_locally_signed_cert.web"
    assert (names.cert_file, names.fullchain_file, names.key_file) == (
        "web-crt.pem",
        "web-fullchain.pem",
        "web-private-key.pem",
    )


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("service_web", ("service", "web")),
        ("service_web_private_key_pem", ("service_key", "web")),
        ("issuing", ("ca", "issuing")),
    ],
)
def test_classify_output_inverts_the_output_names(output: str, expected: object) -> None:
    assert naming.classify_output(output) == expected


def test_synthesized_outputs_are_the_ones_naming_hands_out() -> None:
    stack = make_stack()
    issuing = IntermediateCa(stack, "issuing", parent=stack.ca)
    ServiceCert(stack, "web", ca=issuing, dns_names=["web.internal.example"])
    expected = {
        naming.ca_names("ca").output,
        naming.ca_names("issuing").output,
        *naming.service_names("web").outputs,
    }
    assert set(synth(stack)["output"]) == expected


# --- collisions: refused at synth, in the project's words --------------------------------


def test_a_ca_id_that_would_shadow_a_service_output_is_refused() -> None:
    # The defect of issue 10: both used to produce the output "service_web".
    stack = make_stack()
    ServiceCert(stack, "web", ca=stack.ca, dns_names=["web.internal.example"])
    with pytest.raises(
        ValueError,
        match=r"CA id 'service_web' is not valid; expected an id that does not start with "
        r"'service_'",
    ):
        IntermediateCa(stack, "service_web", parent=stack.ca)


def test_a_ca_output_taken_by_a_service_output_is_refused() -> None:
    stack = make_stack()
    ServiceCert(stack, "web", ca=stack.ca, dns_names=["web.internal.example"])
    with pytest.raises(
        ValueError,
        match=r"CA 'other': the output name 'service_web' is already used by service 'web' "
        r"in stack 'internal-ca'; expected each .* output name to be unique",
    ):
        naming.claim(stack, "CA 'other'", "other", names=["service_web"])


def test_a_service_output_taken_by_a_ca_output_is_refused() -> None:
    stack = make_stack()
    naming.claim(stack, "CA 'other'", "other", names=["service_web"])
    with pytest.raises(
        ValueError,
        match=r"service 'web': the output name 'service_web' is already used by CA 'other'",
    ):
        ServiceCert(stack, "web", ca=stack.ca, dns_names=["web.internal.example"])


def test_an_address_taken_twice_is_refused() -> None:
    stack = make_stack()
    with pytest.raises(
        ValueError,
        match=r"CA 'x': the address 'tls_private_key.ca' is already used by CA 'ca'",
    ):
        naming.claim(stack, "CA 'x'", "x", names=["tls_private_key.ca"])


def test_a_refused_claim_reserves_nothing() -> None:
    stack = make_stack()
    with pytest.raises(ValueError, match="already used"):
        naming.claim(stack, "CA 'x'", "x", names=["free_output", "ca"])
    naming.claim(stack, "CA 'y'", "y", names=["free_output"])
    naming.claim(stack, "CA 'x'", "x")


def test_claims_are_per_stack() -> None:
    naming.claim(make_stack(), "CA 'x'", "x", names=["out"])
    naming.claim(make_stack(), "CA 'x'", "x", names=["out"])


def test_a_stack_folder_depends_on_the_app_not_on_the_stacks_a_run_chose() -> None:
    folder = Path("out")
    assert naming.stack_folder(folder, "internal-ca", ["internal-ca"]) == folder
    # Two stacks: each has its own subfolder, also when a run (--stack) handles only one.
    assert naming.stack_folder(folder, "edge", ["edge", "internal-ca"]) == folder / "edge"
