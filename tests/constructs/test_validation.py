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


def test_an_ipv6_zone_identifier_is_refused() -> None:
    with pytest.raises(
        ValueError,
        match=r"service 'app': ip_addresses value 'fe80::1%eth0' has the zone identifier "
        r"'%eth0'; expected the address without it, e.g. 'fe80::1'",
    ):
        _service(ip_addresses=["fe80::1%eth0"])


@pytest.mark.parametrize(
    ("typed", "carried"),
    [
        ("10.1.2.3", "10.1.2.3"),
        ("::ffff:10.1.2.3", "10.1.2.3"),  # Go writes a mapped address as IPv4
        ("FD00:0:0::5", "fd00::5"),
    ],
)
def test_ip_addresses_are_written_as_the_certificate_carries_them(typed: str, carried: str) -> None:
    stack = make_stack()
    ServiceCert(stack, "app", ca=stack.ca, ip_addresses=[typed])
    assert resource(synth(stack), "tls_cert_request", "app")["ip_addresses"] == [carried]


def test_a_mapped_address_and_its_ipv4_form_are_one_san() -> None:
    stack = make_stack()
    ServiceCert(stack, "app", ca=stack.ca, ip_addresses=["::ffff:10.1.2.3", "10.1.2.3"])
    assert resource(synth(stack), "tls_cert_request", "app")["ip_addresses"] == ["10.1.2.3"]


# --- URIs: one negative test per rule ---------------------------------------------------------


def _refused_uri(uri: str, message: str, **props: Any) -> None:
    # The message names the service, the field and the value, then what is wrong and expected.
    pattern = re.escape(f"service 'app': uris value {uri!r} ") + ".*" + re.escape(message)
    with pytest.raises(ValueError, match=pattern):
        _service(uris=[uri], **props)


def test_an_empty_uri_is_refused() -> None:
    _refused_uri("", "is empty; expected an absolute URI")


@pytest.mark.parametrize("uri", ["no-scheme", "1http://x", "//app.internal.example/x"])
def test_a_uri_without_a_scheme_is_refused(uri: str) -> None:
    _refused_uri(uri, "has no scheme; expected an absolute URI")


def test_a_uri_with_nothing_after_its_scheme_is_refused() -> None:
    _refused_uri("urn:", "has nothing after 'urn:'")


@pytest.mark.parametrize("uri", ["spiffe://", "https:///path", "https://:8443/x"])
def test_a_hierarchical_uri_without_a_host_is_refused(uri: str) -> None:
    _refused_uri(uri, "has no host after '//'; expected a host")


def test_a_scheme_outside_the_allow_list_is_refused() -> None:
    _refused_uri(
        "ldap://dir.internal.example/",
        "has the scheme 'ldap'; expected one of https, spiffe, urn, or that scheme added to "
        "this service's uri_schemes",
    )


def test_a_space_is_refused_with_the_encoded_form() -> None:
    _refused_uri(
        "https://app.internal.example/a b", "contains white space, a control or a non-ASCII"
    )
    _refused_uri(
        "https://app.internal.example/a b", "expected 'https://app.internal.example/a%20b'"
    )


def test_a_non_ascii_path_is_refused_with_the_encoded_form() -> None:
    _refused_uri(
        "https://app.internal.example/café", "expected 'https://app.internal.example/caf%C3%A9'"
    )


def test_a_control_character_is_refused() -> None:
    _refused_uri("https://app.internal.example/\x07", "contains white space, a control")


def test_a_non_ascii_host_is_refused_with_a_hint_at_punycode() -> None:
    _refused_uri("https://café.example/", "has a host that is not plain ASCII")


def test_characters_a_uri_cannot_hold_are_refused() -> None:
    _refused_uri("https://app.internal.example/{id}", "contains characters not allowed in a URI")


def test_a_broken_percent_escape_is_refused() -> None:
    _refused_uri("https://app.internal.example/100%", "has a '%' not followed by two hex digits")


def test_user_information_is_refused() -> None:
    _refused_uri("https://admin@app.internal.example/", "has user information before '@'")


@pytest.mark.parametrize("host", ["app.internal.example.", "app..example", "app_$.example"])
def test_a_host_the_x509_parser_refuses_is_refused(host: str) -> None:
    _refused_uri(f"https://{host}/", f"has the host {host!r}; expected a DNS name")


def test_a_port_that_is_not_digits_is_refused() -> None:
    _refused_uri("https://app.internal.example:web/", "has the port 'web'; expected digits")


def test_an_ipv6_host_with_a_zone_is_refused() -> None:
    _refused_uri("https://[fe80::1%25eth0]/", "has a zone identifier in its IPv6 host")


def test_an_ipv6_host_that_is_not_an_address_is_refused() -> None:
    _refused_uri("https://[fd00::zz]/", "has the host '[fd00::zz]', which is not an IPv6 address")


def test_an_unclosed_ipv6_host_is_refused() -> None:
    _refused_uri("https://[fd00::5/", "has no ']' after its IPv6 host")


def test_an_empty_fragment_is_refused() -> None:
    _refused_uri("https://app.internal.example/#", "ends with an empty fragment '#'")


def test_a_second_hash_is_refused() -> None:
    _refused_uri("https://app.internal.example/#a#b", "has a second '#'")


def test_uri_schemes_as_a_string_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"service 'app': uri_schemes value 'ldap' is not a list"):
        _service(uri_schemes="ldap")


def test_uri_schemes_with_a_bad_entry_is_refused() -> None:
    with pytest.raises(
        ValueError, match=r"service 'app': uri_schemes value 'ld ap' is not a URI scheme"
    ):
        _service(uri_schemes=["https", "ld ap"])


# --- URIs: one positive test per accepted form --------------------------------------------


@pytest.mark.parametrize(
    ("typed", "carried"),
    [
        ("HTTPS://app.internal.example/x", "https://app.internal.example/x"),  # Go lower-cases
        ("spiffe://example.internal/ns/prod/sa/app", "spiffe://example.internal/ns/prod/sa/app"),
        (
            "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66",
            "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66",
        ),
        ("https://app.internal.example:8443/a?b=c#d", "https://app.internal.example:8443/a?b=c#d"),
        ("https://[fd00::5]:8443/", "https://[fd00::5]:8443/"),
        ("https://10.0.0.5/", "https://10.0.0.5/"),
        (
            "https://app.internal.example/caf%C3%A9%2fx",
            "https://app.internal.example/caf%C3%A9%2fx",
        ),
        ("https://App.Internal.Example", "https://App.Internal.Example"),  # Go keeps host case
    ],
)
def test_uris_are_written_as_the_certificate_carries_them(typed: str, carried: str) -> None:
    stack = make_stack()
    ServiceCert(stack, "app", ca=stack.ca, uris=[typed])
    assert resource(synth(stack), "tls_cert_request", "app")["uris"] == [carried]


def test_uri_schemes_widens_the_allow_list_for_one_service() -> None:
    stack = make_stack()
    ServiceCert(
        stack,
        "app",
        ca=stack.ca,
        uris=["ldap://dir.internal.example/", "https://app.internal.example/"],
        uri_schemes=("https", "spiffe", "urn", "LDAP"),
    )
    with pytest.raises(ValueError, match=r"service 'other': uris value 'ldap://"):
        ServiceCert(stack, "other", ca=stack.ca, uris=["ldap://dir.internal.example/"])
    assert resource(synth(stack), "tls_cert_request", "app")["uris"] == [
        "https://app.internal.example/",
        "ldap://dir.internal.example/",
    ]


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
