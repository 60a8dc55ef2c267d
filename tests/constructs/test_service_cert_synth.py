"""ServiceCert as synthesized JSON: resources, explicit keys, SAN order and outputs."""

from __future__ import annotations

from typing import Any

from synth_helpers import make_stack, resource, synth, synth_with

from ca_constructs.key_spec import rsa
from ca_constructs.service_cert import ServiceCert
from ca_constructs.subject import DistinguishedName
from stacks.ca_stack import CaStack


def _one_service(**props: Any) -> dict[str, Any]:
    props.setdefault("dns_names", ["app.internal.example"])

    def build(stack: CaStack) -> None:
        ServiceCert(stack, "app", ca=stack.ca, **props)

    return synth_with(build)


def test_a_service_is_a_key_a_csr_and_a_signed_cert() -> None:
    doc = _one_service()
    assert resource(doc, "tls_private_key", "app")["algorithm"] == "ECDSA"
    assert resource(doc, "tls_private_key", "app")["ecdsa_curve"] == "P256"
    csr = resource(doc, "tls_cert_request", "app")
    assert csr["private_key_pem"] == "${tls_private_key.app.private_key_pem}"
    cert = resource(doc, "tls_locally_signed_cert", "app")
    assert cert["cert_request_pem"] == "${tls_cert_request.app.cert_request_pem}"
    assert cert["ca_cert_pem"] == "${tls_self_signed_cert.ca.cert_pem}"
    assert cert["ca_private_key_pem"] == "${tls_private_key.ca.private_key_pem}"


def test_a_leaf_carries_a_subject_key_identifier_and_is_no_ca() -> None:
    # RFC 5280 4.2.1.2: a subject key identifier SHOULD be in every end-entity certificate.
    cert = resource(_one_service(), "tls_locally_signed_cert", "app")
    assert cert["set_subject_key_id"] is True
    assert "is_ca_certificate" not in cert


def test_defaults_are_397_days_renewed_30_days_early() -> None:
    cert = resource(_one_service(), "tls_locally_signed_cert", "app")
    assert cert["validity_period_hours"] == 397 * 24
    assert cert["early_renewal_hours"] == 30 * 24


def test_ecdsa_server_uses_have_no_key_encipherment() -> None:
    cert = resource(_one_service(), "tls_locally_signed_cert", "app")
    assert cert["allowed_uses"] == ["digital_signature", "server_auth"]


def test_rsa_server_uses_add_key_encipherment_and_extra_uses() -> None:
    doc = _one_service(key=rsa(2048), extra_uses=["client_auth"])
    assert resource(doc, "tls_private_key", "app")["rsa_bits"] == 2048
    cert = resource(doc, "tls_locally_signed_cert", "app")
    assert cert["allowed_uses"] == [
        "client_auth",
        "digital_signature",
        "key_encipherment",
        "server_auth",
    ]


def test_key_defaults_to_the_ca_key_spec_explicitly() -> None:
    stack = make_stack(ca_key=rsa(4096))
    ServiceCert(stack, "app", ca=stack.ca, dns_names=["app.internal.example"])
    key = resource(synth(stack), "tls_private_key", "app")
    assert (key["algorithm"], key["rsa_bits"]) == ("RSA", 4096)


def test_sans_are_sorted_lower_cased_and_deduplicated() -> None:
    doc = _one_service(
        dns_names=["b.internal.example", "A.internal.example", "b.internal.example"],
        ip_addresses=["10.0.0.10", "10.0.0.9", "fd00::1", "10.0.0.9"],
        uris=["spiffe://x/b", "spiffe://x/a"],
    )
    csr = resource(doc, "tls_cert_request", "app")
    assert csr["dns_names"] == ["a.internal.example", "b.internal.example"]
    assert csr["ip_addresses"] == ["10.0.0.9", "10.0.0.10", "fd00::1"]
    assert csr["uris"] == ["spiffe://x/a", "spiffe://x/b"]


def test_reordering_sans_synthesizes_identical_json() -> None:
    first = _one_service(dns_names=["a.internal.example", "b.internal.example"])
    second = _one_service(dns_names=["b.internal.example", "a.internal.example"])
    assert first["resource"] == second["resource"]


def test_subject_inherits_the_ca_organisation_and_takes_the_first_sorted_dns_name() -> None:
    doc = _one_service(dns_names=["z.internal.example", "a.internal.example"])
    subject = resource(doc, "tls_cert_request", "app")["subject"]
    assert subject == [
        {
            "common_name": "a.internal.example",
            "country": "GB",
            "locality": "Cambridge",
            "organization": "University of Cambridge",
            "province": "Cambridgeshire",
        }
    ]


def test_subject_overrides_win_over_the_ca() -> None:
    doc = _one_service(subject=DistinguishedName(organizational_unit="Platform", common_name="app"))
    subject = resource(doc, "tls_cert_request", "app")["subject"][0]
    assert subject["organizational_unit"] == "Platform"
    assert subject["common_name"] == "app"
    assert subject["organization"] == "University of Cambridge"


def test_a_first_dns_name_over_64_characters_is_left_out_of_the_common_name() -> None:
    long_name = ("a" * 60) + ".internal.example"
    doc = _one_service(dns_names=[long_name])
    subject = resource(doc, "tls_cert_request", "app")["subject"][0]
    assert "common_name" not in subject
    assert resource(doc, "tls_cert_request", "app")["dns_names"] == [long_name]


def test_key_version_drives_a_replace_trigger_on_the_key() -> None:
    doc = _one_service(key_version=2)
    assert resource(doc, "terraform_data", "app_key_version")["input"] == {"version": 2}
    lifecycle = resource(doc, "tls_private_key", "app")["lifecycle"]
    (trigger,) = lifecycle["replace_triggered_by"]
    assert trigger.removeprefix("${").removesuffix("}") == "terraform_data.app_key_version"


def test_leaf_has_a_precondition_against_outliving_the_ca() -> None:
    cert = resource(_one_service(), "tls_locally_signed_cert", "app")
    (condition,) = cert["lifecycle"]["precondition"]
    assert "tls_self_signed_cert.ca.validity_end_time" in condition["condition"]
    assert "plantimestamp()" in condition["condition"]
    assert "outlive" in condition["error_message"]


def test_outputs_are_one_map_per_service_and_a_sensitive_key() -> None:
    outputs = _one_service()["output"]
    info = outputs["service_app"]
    assert "sensitive" not in info
    assert info["value"]["cert_pem"] == "${tls_locally_signed_cert.app.cert_pem}"
    assert info["value"]["serial"] == "${tls_locally_signed_cert.app.id}"
    assert info["value"]["not_after"] == "${tls_locally_signed_cert.app.validity_end_time}"
    assert info["value"]["dns_names"] == ["app.internal.example"]
    key = outputs["service_app_private_key_pem"]
    assert key == {
        "description": key["description"],
        "sensitive": True,
        "value": "${tls_private_key.app.private_key_pem}",
    }


def test_no_output_that_references_a_private_key_is_left_unmarked() -> None:
    stack = make_stack()
    for name in ("one", "two"):
        ServiceCert(stack, name, ca=stack.ca, dns_names=[f"{name}.internal.example"])
    for name, output in synth(stack)["output"].items():
        if "private_key" in repr(output["value"]):
            assert output.get("sensitive") is True, name
