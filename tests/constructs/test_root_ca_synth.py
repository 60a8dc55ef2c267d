"""RootCa as synthesized JSON: the recipe's RSA-4096, 10-year root, protected from destroy."""

from __future__ import annotations

from synth_helpers import CA_SUBJECT, fresh_app, make_stack, resource, synth

from ca_constructs.key_spec import ecdsa
from ca_constructs.subject import DistinguishedName
from stacks.ca_stack import CaStack


def test_default_ca_is_rsa_4096_as_in_the_recipe() -> None:
    stack = CaStack(fresh_app(), "internal-ca", ca_subject=CA_SUBJECT)
    key = resource(synth(stack), "tls_private_key", "ca")
    assert (key["algorithm"], key["rsa_bits"]) == ("RSA", 4096)
    assert "ecdsa_curve" not in key


def test_ecdsa_p384_is_one_argument_away() -> None:
    key = resource(synth(make_stack(ca_key=ecdsa("P384"))), "tls_private_key", "ca")
    assert (key["algorithm"], key["ecdsa_curve"]) == ("ECDSA", "P384")
    assert "rsa_bits" not in key


def test_root_is_a_ten_year_ca_with_signing_usages_and_a_key_id() -> None:
    cert = resource(synth(make_stack()), "tls_self_signed_cert", "ca")
    assert cert["validity_period_hours"] == 3650 * 24
    assert cert["is_ca_certificate"] is True
    assert cert["set_subject_key_id"] is True
    assert cert["allowed_uses"] == ["cert_signing", "crl_signing", "digital_signature"]
    assert cert["subject"] == [
        {
            "common_name": "Test Internal CA",
            "country": "GB",
            "locality": "Cambridge",
            "organization": "University of Cambridge",
            "province": "Cambridgeshire",
        }
    ]


def test_ca_key_and_cert_are_protected_from_destroy_by_default() -> None:
    doc = synth(make_stack())
    assert resource(doc, "tls_private_key", "ca")["lifecycle"] == {"prevent_destroy": True}
    assert resource(doc, "tls_self_signed_cert", "ca")["lifecycle"] == {"prevent_destroy": True}


def test_protection_is_lifted_only_on_purpose() -> None:
    doc = synth(make_stack(prevent_ca_destroy=False))
    assert resource(doc, "tls_private_key", "ca")["lifecycle"] == {"prevent_destroy": False}


def test_missing_common_name_gets_a_descriptive_default() -> None:
    subject = DistinguishedName(country="GB", organization="Example Ltd")
    cert = resource(synth(make_stack(ca_subject=subject)), "tls_self_signed_cert", "ca")
    assert cert["subject"][0]["common_name"] == "Example Ltd Internal Root CA"


def test_ca_output_holds_no_private_key() -> None:
    output = synth(make_stack())["output"]["ca"]
    assert "private_key" not in repr(output)
    assert output["value"]["cert_pem"] == "${tls_self_signed_cert.ca.cert_pem}"
