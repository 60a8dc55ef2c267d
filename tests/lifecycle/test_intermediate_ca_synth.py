"""IntermediateCa at synth time: its resources, outputs and chain, and what it refuses."""

from __future__ import annotations

import json
from typing import Any

import cdktf
import pytest
from synth_helpers import make_stack

from ca_constructs.intermediate_ca import IntermediateCa
from ca_constructs.key_spec import ecdsa, rsa
from ca_constructs.service_cert import ServiceCert
from ca_constructs.subject import DistinguishedName
from stacks.ca_stack import CaStack


def synth(stack: CaStack) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(cdktf.Testing.synth(stack))
    return result


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    stack = make_stack()
    issuing = IntermediateCa(stack, "issuing", parent=stack.ca)
    ServiceCert(stack, "web", ca=issuing, dns_names=["web.internal.example"])
    return synth(stack)


def test_addresses_use_the_ca_id(doc: dict[str, Any]) -> None:
    resources = doc["resource"]
    assert "issuing" in resources["tls_private_key"]
    assert "issuing" in resources["tls_cert_request"]
    assert "issuing" in resources["tls_locally_signed_cert"]


def test_cert_is_a_ca_signed_by_the_root(doc: dict[str, Any]) -> None:
    cert = doc["resource"]["tls_locally_signed_cert"]["issuing"]
    assert cert["is_ca_certificate"] is True
    assert cert["set_subject_key_id"] is True
    assert cert["allowed_uses"] == ["cert_signing", "crl_signing", "digital_signature"]
    assert cert["ca_cert_pem"] == "${tls_self_signed_cert.ca.cert_pem}"
    assert cert["ca_private_key_pem"] == "${tls_private_key.ca.private_key_pem}"
    assert cert["validity_period_hours"] == 1825 * 24


def test_key_and_cert_are_protected_from_destroy(doc: dict[str, Any]) -> None:
    assert doc["resource"]["tls_private_key"]["issuing"]["lifecycle"]["prevent_destroy"] is True
    cert = doc["resource"]["tls_locally_signed_cert"]["issuing"]
    assert cert["lifecycle"]["prevent_destroy"] is True


def test_cert_must_not_outlive_the_root_at_plan_time(doc: dict[str, Any]) -> None:
    precondition = doc["resource"]["tls_locally_signed_cert"]["issuing"]["lifecycle"][
        "precondition"
    ][0]
    assert "tls_self_signed_cert.ca.validity_end_time" in precondition["condition"]
    assert "would outlive CA 'ca'" in precondition["error_message"]


def test_key_and_subject_follow_the_root(doc: dict[str, Any]) -> None:
    assert doc["resource"]["tls_private_key"]["issuing"]["ecdsa_curve"] == "P256"
    subject = doc["resource"]["tls_cert_request"]["issuing"]["subject"][0]
    assert subject["organization"] == "University of Cambridge"
    assert subject["common_name"] == "University of Cambridge Intermediate CA"


def test_output_has_the_ca_shape(doc: dict[str, Any]) -> None:
    assert set(doc["output"]["issuing"]["value"]) == set(doc["output"]["ca"]["value"])
    assert doc["output"]["issuing"]["value"]["cert_pem"] == (
        "${tls_locally_signed_cert.issuing.cert_pem}"
    )


def test_leaf_is_signed_by_the_intermediate(doc: dict[str, Any]) -> None:
    leaf = doc["resource"]["tls_locally_signed_cert"]["web"]
    assert leaf["ca_cert_pem"] == "${tls_locally_signed_cert.issuing.cert_pem}"
    assert leaf["ca_private_key_pem"] == "${tls_private_key.issuing.private_key_pem}"


def test_leaf_output_carries_the_chain_and_the_root(doc: dict[str, Any]) -> None:
    value = doc["output"]["service_web"]["value"]
    assert "tls_locally_signed_cert.issuing.cert_pem" in value["chain_pem"]
    assert value["ca_cert_pem"] == "${tls_self_signed_cert.ca.cert_pem}"


def test_chain_of_a_nested_intermediate_lists_both_bottom_up() -> None:
    stack = make_stack()
    upper = IntermediateCa(stack, "upper", parent=stack.ca, validity_days=1000)
    lower = IntermediateCa(stack, "lower", parent=upper, validity_days=500)
    ServiceCert(stack, "web", ca=lower, dns_names=["web.internal.example"])
    value = synth(stack)["output"]["service_web"]["value"]
    chain = value["chain_pem"]
    lower_at = chain.index("tls_locally_signed_cert.lower.cert_pem")
    assert lower_at < chain.index("tls_locally_signed_cert.upper.cert_pem")
    assert value["ca_cert_pem"] == "${tls_self_signed_cert.ca.cert_pem}"


def test_subject_overrides_and_key_are_honoured() -> None:
    stack = make_stack()
    IntermediateCa(
        stack,
        "issuing",
        parent=stack.ca,
        subject=DistinguishedName(organizational_unit="Platform", common_name="Issuing CA 1"),
        key=ecdsa("P384"),
    )
    doc = synth(stack)
    subject = doc["resource"]["tls_cert_request"]["issuing"]["subject"][0]
    assert subject["common_name"] == "Issuing CA 1"
    assert subject["organizational_unit"] == "Platform"
    assert doc["resource"]["tls_private_key"]["issuing"]["ecdsa_curve"] == "P384"


# --- one negative test per rule -----------------------------------------------------------


def test_refuses_to_outlive_its_parent() -> None:
    stack = make_stack(ca_validity_days=1000)
    with pytest.raises(ValueError, match=r"validity_days value 1825 outlives CA 'ca'.*1000 days"):
        IntermediateCa(stack, "issuing", parent=stack.ca)


def test_refuses_a_hyphenated_id() -> None:
    stack = make_stack()
    with pytest.raises(ValueError, match="CA id 'issuing-1' is not valid"):
        IntermediateCa(stack, "issuing-1", parent=stack.ca)


def test_refuses_an_id_already_used() -> None:
    stack = make_stack()
    with pytest.raises(ValueError, match="the id 'ca' is already used"):
        IntermediateCa(stack, "ca", parent=stack.ca)


def test_refuses_a_weak_key() -> None:
    stack = make_stack()
    with pytest.raises(ValueError, match=r"key\.rsa_bits value 1024 is too small"):
        IntermediateCa(stack, "issuing", parent=stack.ca, key=rsa(1024))


def test_refuses_a_key_that_is_not_a_keyspec() -> None:
    stack = make_stack()
    with pytest.raises(TypeError, match="key value 'P256' is not a KeySpec"):
        IntermediateCa(stack, "issuing", parent=stack.ca, key="P256")  # type: ignore[arg-type]


def test_refuses_zero_days() -> None:
    stack = make_stack()
    with pytest.raises(ValueError, match="validity_days value 0 must be greater than 0"):
        IntermediateCa(stack, "issuing", parent=stack.ca, validity_days=0)


def test_refuses_a_bad_subject() -> None:
    stack = make_stack()
    with pytest.raises(ValueError, match=r"subject\.country value 'UK1' is not a country code"):
        IntermediateCa(stack, "issuing", parent=stack.ca, subject=DistinguishedName(country="UK1"))


def test_refuses_prevent_destroy_that_is_not_a_bool() -> None:
    stack = make_stack()
    with pytest.raises(TypeError, match="prevent_destroy value 'no' is not a bool"):
        IntermediateCa(
            stack,
            "issuing",
            parent=stack.ca,
            prevent_destroy="no",  # type: ignore[arg-type]
        )


def test_leaf_may_not_outlive_the_intermediate() -> None:
    stack = make_stack()
    issuing = IntermediateCa(stack, "issuing", parent=stack.ca, validity_days=100)
    with pytest.raises(ValueError, match="outlives CA 'issuing', which is valid for 100 days"):
        ServiceCert(stack, "web", ca=issuing, dns_names=["web.internal.example"])
