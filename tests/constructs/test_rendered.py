"""ServiceCert renders its resources from data (constructs/rendered.py): what that keeps."""

from __future__ import annotations

import pytest
from cdktf import TerraformOutput
from jsii._kernel.providers import process
from synth_helpers import make_stack, synth

from ca_constructs.service_cert import ServiceCert
from stacks.ca_stack import CaStack

ROUND_TRIPS_PER_SERVICE = 2
"""The construct itself and the stack's revocation ledger, with one to spare."""


def _service(name: str = "app") -> tuple[CaStack, ServiceCert]:
    stack = make_stack()
    return stack, ServiceCert(stack, name, ca=stack.ca, dns_names=[f"{name}.internal.example"])


def test_handles_reference_the_rendered_resources() -> None:
    stack, svc = _service()
    TerraformOutput(
        stack,
        "uses",
        value={
            "cert": svc.cert.cert_pem,
            "csr": svc.csr.cert_request_pem,
            "key": svc.key.public_key_pem,
            "version": svc.key_version.get_string_attribute("output"),
        },
    )
    doc = synth(stack)
    assert doc["output"]["uses"]["value"] == {
        "cert": "${tls_locally_signed_cert.app.cert_pem}",
        "csr": "${tls_cert_request.app.cert_request_pem}",
        "key": "${tls_private_key.app.public_key_pem}",
        "version": "${terraform_data.app_key_version.output}",
    }
    # A handle renders nothing of its own: each resource is there once, as before.
    assert list(doc["resource"]["tls_locally_signed_cert"]) == ["app"]
    assert doc["resource"]["tls_locally_signed_cert"]["app"]["validity_period_hours"] == 9528


def test_depends_on_a_handle_names_its_address() -> None:
    stack, svc = _service()
    TerraformOutput(stack, "after", value="done", depends_on=[svc.cert])
    assert synth(stack)["output"]["after"]["depends_on"] == ["${tls_locally_signed_cert.app}"]


def test_a_handle_refuses_add_override_which_would_change_nothing() -> None:
    _, svc = _service()
    with pytest.raises(TypeError, match=r"add_override\('subject'\) on a reference handle"):
        svc.csr.add_override("subject", [])


def test_a_service_costs_a_handful_of_jsii_round_trips(monkeypatch: pytest.MonkeyPatch) -> None:
    stack, _ = _service("first")
    sent: list[str] = []
    send = process._NodeProcess.send

    def counting(self: process._NodeProcess, request: object, response_type: type) -> object:
        sent.append(type(request).__name__)
        return send(self, request, response_type)  # type: ignore[arg-type]

    monkeypatch.setattr(process._NodeProcess, "send", counting)
    for index in range(5):
        ServiceCert(stack, f"svc-{index}", ca=stack.ca, dns_names=[f"svc-{index}.example"])
    assert 0 < len(sent) <= 5 * ROUND_TRIPS_PER_SERVICE, sent
