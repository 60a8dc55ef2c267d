"""Bad input: one negative test per rule, each naming the service, field and value."""

from __future__ import annotations

import re
from typing import Any

import pytest
from cdktf import TerraformVariable, Token
from synth_helpers import CA_SUBJECT, make_stack, resource, synth

from ca_constructs.key_spec import KeySpec, ecdsa, rsa
from ca_constructs.service_cert import ServiceCert
from ca_constructs.subject import DistinguishedName


def _service(**props: Any) -> None:
    props.setdefault("dns_names", ["app.internal.example"])
    stack = make_stack()
    ServiceCert(stack, "app", ca=stack.ca, **props)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("bad name.internal.example", "contains spaces"),
        ("under_score.internal.example", "underscore"),
        ("a..internal.example", "empty label"),
        ("", "is empty"),
        ("app.internal.example.", "trailing dot"),
        ("-app.internal.example", "invalid label '-app'"),
        ("app-.internal.example", "invalid label 'app-'"),
        ("ap$p.internal.example", "invalid label"),
        (("a" * 64) + ".internal.example", "label of 64 characters"),
        (".".join(["a" * 60] * 5), "expected at most 253"),
        ("app.*.internal.example", "wildcard outside the leftmost label"),
        ("a*.internal.example", "partial wildcard"),
        ("*.example", "wildcard over a top-level name"),
        ("10.0.0.1", "put it in ip_addresses"),
    ],
)
def test_invalid_dns_names_are_refused(name: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as error:
        _service(dns_names=[name])
    assert "service 'app': dns_names value" in str(error.value)
    assert repr(name) in str(error.value)


def test_a_leftmost_wildcard_is_accepted() -> None:
    stack = make_stack()
    ServiceCert(stack, "app", ca=stack.ca, dns_names=["*.apps.internal.example"])
    assert resource(synth(stack), "tls_cert_request", "app")["dns_names"] == [
        "*.apps.internal.example"
    ]


@pytest.mark.parametrize("address", ["10.0.0.256", "not-an-ip", "10.0.0.1/24", " 10.0.0.1"])
def test_invalid_ip_addresses_are_refused(address: str) -> None:
    with pytest.raises(ValueError, match=r"service 'app': ip_addresses value .* is not an IP"):
        _service(ip_addresses=[address])


@pytest.mark.parametrize("uri", ["no-scheme", "spiffe://", "has space://x", "1http://x", ""])
def test_malformed_uris_are_refused(uri: str) -> None:
    with pytest.raises(ValueError, match=r"service 'app': uris value .*absolute URI"):
        _service(uris=[uri])


def test_a_string_instead_of_a_list_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"dns_names is the string 'app.internal.example'"):
        _service(dns_names="app.internal.example")


def test_a_service_without_any_san_is_refused() -> None:
    with pytest.raises(ValueError, match="service 'app': dns_names, ip_addresses and uris"):
        _service(dns_names=[])


def test_duplicate_service_ids_are_refused() -> None:
    stack = make_stack()
    ServiceCert(stack, "app", ca=stack.ca, dns_names=["app.internal.example"])
    with pytest.raises(ValueError, match="service 'app': the id 'app' is already used"):
        ServiceCert(stack, "app", ca=stack.ca, dns_names=["other.internal.example"])


def test_a_service_named_like_the_ca_is_refused() -> None:
    stack = make_stack()
    with pytest.raises(ValueError, match="service 'ca': the id 'ca' is already used"):
        ServiceCert(stack, "ca", ca=stack.ca, dns_names=["ca.internal.example"])


@pytest.mark.parametrize("service_id", ["App", "my_app", "1app", "app-", "a" * 64])
def test_invalid_service_ids_are_refused(service_id: str) -> None:
    stack = make_stack()
    with pytest.raises(ValueError, match=f"service id {re.escape(repr(service_id))}"):
        ServiceCert(stack, service_id, ca=stack.ca, dns_names=["app.internal.example"])


def test_a_common_name_over_64_characters_is_refused() -> None:
    with pytest.raises(ValueError, match=r"subject.common_name value .* expected at most 64"):
        _service(subject=DistinguishedName(common_name="c" * 65))


@pytest.mark.parametrize("country", ["GBR", "g", "gb", "12"])
def test_a_country_that_is_not_two_letters_is_refused(country: str) -> None:
    with pytest.raises(ValueError, match=f"subject.country value '{country}'"):
        _service(subject=DistinguishedName(country=country))


def test_a_bad_ca_country_is_refused_too() -> None:
    subject = DistinguishedName(country="United Kingdom", common_name="CA")
    with pytest.raises(ValueError, match=r"CA 'ca': subject.country value 'United Kingdom'"):
        make_stack(ca_subject=subject)


def test_an_unknown_algorithm_is_refused() -> None:
    with pytest.raises(ValueError, match=re.escape("key.algorithm value 'DSA' is not supported")):
        _service(key=KeySpec("DSA"))


def test_rsa_below_2048_bits_is_refused() -> None:
    with pytest.raises(ValueError, match=re.escape("key.rsa_bits value 1024 is too small")):
        _service(key=rsa(1024))


def test_curve_p224_is_refused() -> None:
    with pytest.raises(
        ValueError, match=re.escape("key.ecdsa_curve value 'P224' is not supported")
    ):
        _service(key=ecdsa("P224"))


def test_a_weak_ca_key_is_refused() -> None:
    with pytest.raises(ValueError, match=re.escape("CA 'ca': key.rsa_bits value 1024")):
        make_stack(ca_key=rsa(1024))


@pytest.mark.parametrize("days", [0, -1])
def test_validity_days_must_be_positive(days: int) -> None:
    with pytest.raises(ValueError, match=f"validity_days value {days} must be greater than 0"):
        _service(validity_days=days)


def test_validity_days_must_be_a_whole_number() -> None:
    with pytest.raises(TypeError, match=re.escape("validity_days value 1.5 is not a whole number")):
        _service(validity_days=1.5)


def test_renewal_window_as_long_as_the_lifetime_is_refused() -> None:
    with pytest.raises(ValueError, match="renew_before_days value 30 must be less than"):
        _service(validity_days=30, renew_before_days=30)


def test_a_leaf_outliving_the_ca_is_refused() -> None:
    stack = make_stack(ca_validity_days=365)
    with pytest.raises(ValueError, match="validity_days value 397 outlives CA 'ca'"):
        ServiceCert(stack, "app", ca=stack.ca, dns_names=["app.internal.example"])


def test_an_unknown_extra_use_is_refused() -> None:
    with pytest.raises(ValueError, match="extra_uses value 'cert_signing' is not supported"):
        _service(extra_uses=["cert_signing"])


def test_unresolved_tokens_are_not_validated() -> None:
    stack = make_stack()
    token = TerraformVariable(stack, "extra_name", type="string").string_value
    assert Token.is_unresolved(token)
    ServiceCert(stack, "app", ca=stack.ca, dns_names=["b.internal.example", token])
    names = resource(synth(stack), "tls_cert_request", "app")["dns_names"]
    assert names == ["b.internal.example", "${var.extra_name}"]


def test_ca_subject_is_checked_before_any_resource_exists() -> None:
    with pytest.raises(ValueError):
        make_stack(ca_subject=DistinguishedName(common_name="x" * 80))
    assert CA_SUBJECT.common_name == "Test Internal CA"
