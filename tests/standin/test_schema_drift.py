"""The stand-in must serve exactly the hashicorp/tls 4.1.0 schema.

`terraform providers schema -json` (through the stand-in) is compared with (1) the table of
/work/shared/tls-provider-4.1.0.md encoded below and (2) the attribute names and
required/optional split of the installed cdktf_cdktf_provider_tls bindings. Any drift fails.

The ephemeral `tls_private_key` (served by 4.1.0, provider.go) is in the table but not in
the bindings comparison: cdktf-cdktf-provider-tls 11.0.1 generates no ephemeral classes.
"""

import importlib
import inspect
import json
import os
from collections.abc import Callable
from typing import Any

import pytest

S, N, B, LS = "string", "number", "bool", ["list", "string"]
# flags: R required, O optional, C computed, S sensitive
SUBJECT = {
    "common_name": (S, "O"),
    "country": (S, "O"),
    "email_address": (S, "O"),
    "locality": (S, "O"),
    "organization": (S, "O"),
    "organizational_unit": (S, "O"),
    "postal_code": (S, "O"),
    "province": (S, "O"),
    "serial_number": (S, "O"),
    "street_address": (LS, "O"),
}
SANS = {"dns_names": (LS, "O"), "ip_addresses": (LS, "O"), "uris": (LS, "O")}
CERT = {
    "validity_period_hours": (N, "R"),
    "allowed_uses": (LS, "R"),
    "early_renewal_hours": (N, "OC"),
    "is_ca_certificate": (B, "OC"),
    "set_subject_key_id": (B, "OC"),
    "cert_pem": (S, "C"),
    "id": (S, "C"),
    "validity_start_time": (S, "C"),
    "validity_end_time": (S, "C"),
    "ready_for_renewal": (B, "C"),
}
CERTIFICATE_OBJECT = [
    "object",
    {
        "cert_pem": S,
        "is_ca": B,
        "issuer": S,
        "not_after": S,
        "not_before": S,
        "public_key_algorithm": S,
        "serial_number": S,
        "sha1_fingerprint": S,
        "signature_algorithm": S,
        "subject": S,
        "version": N,
    },
]
# kind, name -> (version, attributes, blocks)
EXPECTED: dict[tuple[str, str], tuple[int, dict[str, tuple[Any, str]], dict[str, Any]]] = {
    ("provider", "tls"): (
        0,
        {},
        {
            "proxy": {
                "url": (S, "O"),
                "username": (S, "O"),
                "password": (S, "OS"),
                "from_env": (B, "O"),
            }
        },
    ),
    ("resource", "tls_private_key"): (
        1,
        {
            "algorithm": (S, "R"),
            "ecdsa_curve": (S, "OC"),
            "rsa_bits": (N, "OC"),
            "id": (S, "C"),
            "public_key_pem": (S, "C"),
            "public_key_openssh": (S, "C"),
            "public_key_fingerprint_md5": (S, "C"),
            "public_key_fingerprint_sha256": (S, "C"),
            "private_key_pem": (S, "CS"),
            "private_key_pem_pkcs8": (S, "CS"),
            "private_key_openssh": (S, "CS"),
        },
        {},
    ),
    ("resource", "tls_self_signed_cert"): (
        0,
        {
            "private_key_pem": (S, "RS"),
            **SANS,
            **CERT,
            "set_authority_key_id": (B, "OC"),
            "key_algorithm": (S, "C"),
        },
        {"subject": SUBJECT},
    ),
    ("resource", "tls_cert_request"): (
        0,
        {
            "private_key_pem": (S, "RS"),
            **SANS,
            "cert_request_pem": (S, "C"),
            "id": (S, "C"),
            "key_algorithm": (S, "C"),
        },
        {"subject": SUBJECT},
    ),
    ("resource", "tls_locally_signed_cert"): (
        0,
        {
            "cert_request_pem": (S, "R"),
            "ca_cert_pem": (S, "R"),
            "ca_private_key_pem": (S, "RS"),
            **CERT,
            "ca_key_algorithm": (S, "C"),
        },
        {},
    ),
    ("data", "tls_public_key"): (
        0,
        {
            "private_key_pem": (S, "OS"),
            "private_key_openssh": (S, "OS"),
            "algorithm": (S, "C"),
            "id": (S, "C"),
            "public_key_pem": (S, "C"),
            "public_key_openssh": (S, "C"),
            "public_key_fingerprint_md5": (S, "C"),
            "public_key_fingerprint_sha256": (S, "C"),
        },
        {},
    ),
    ("ephemeral", "tls_private_key"): (
        0,
        {
            "algorithm": (S, "R"),
            "ecdsa_curve": (S, "OC"),
            "rsa_bits": (N, "OC"),
            "public_key_pem": (S, "C"),
            "public_key_openssh": (S, "C"),
            "public_key_fingerprint_md5": (S, "C"),
            "public_key_fingerprint_sha256": (S, "C"),
            "private_key_pem": (S, "CS"),
            "private_key_pem_pkcs8": (S, "CS"),
            "private_key_openssh": (S, "CS"),
        },
        {},
    ),
    ("data", "tls_certificate"): (
        0,
        {
            "content": (S, "O"),
            "url": (S, "O"),
            "verify_chain": (B, "O"),
            "id": (S, "C"),
            "certificates": (["list", CERTIFICATE_OBJECT], "C"),
        },
        {},
    ),
}


def _flags(attr: dict[str, Any]) -> str:
    return "".join(
        letter
        for letter, key in (
            ("R", "required"),
            ("O", "optional"),
            ("C", "computed"),
            ("S", "sensitive"),
        )
        if attr.get(key)
    )


def _block_attrs(block: dict[str, Any]) -> dict[str, tuple[Any, str]]:
    return {name: (a["type"], _flags(a)) for name, a in block.get("attributes", {}).items()}


@pytest.fixture(scope="module")
def served(
    make_workspace: Callable[[dict[str, Any]], Any], required_providers: dict[str, Any]
) -> dict[tuple[str, str], dict[str, Any]]:
    ws = make_workspace({"terraform": required_providers, "provider": {"tls": {}}})
    shown = json.loads(ws.tf("providers", "schema", "-json").stdout)
    provider = shown["provider_schemas"]["registry.terraform.io/hashicorp/tls"]
    out = {("provider", "tls"): provider["provider"]}
    out.update({("resource", k): v for k, v in provider["resource_schemas"].items()})
    out.update({("data", k): v for k, v in provider["data_source_schemas"].items()})
    ephemeral = provider.get("ephemeral_resource_schemas", {})
    out.update({("ephemeral", k): v for k, v in ephemeral.items()})
    return out


def test_same_types_and_names(served: dict[tuple[str, str], dict[str, Any]]) -> None:
    assert set(served) == set(EXPECTED)


@pytest.mark.parametrize("key", list(EXPECTED), ids=lambda k: f"{k[0]}.{k[1]}")
def test_schema_matches_table(
    served: dict[tuple[str, str], dict[str, Any]], key: tuple[str, str]
) -> None:
    version, attrs, blocks = EXPECTED[key]
    schema = served[key]
    assert schema.get("version", 0) == version
    block = schema["block"]
    assert _block_attrs(block) == attrs
    served_blocks = block.get("block_types", {})
    assert set(served_blocks) == set(blocks)
    for name, nested_attrs in blocks.items():
        nested = served_blocks[name]
        assert nested["nesting_mode"] == "list"
        # terraform-plugin-framework sends no MinItems/MaxItems; "at most one" is a validator.
        assert nested.get("max_items") is None
        assert nested.get("min_items", 0) == 0
        assert _block_attrs(nested["block"]) == nested_attrs


# ---- the cdktf bindings -----------------------------------------------------------------

META_ARGS = {
    "connection",
    "count",
    "depends_on",
    "for_each",
    "lifecycle",
    "provider",
    "provisioners",
}
BINDINGS = {
    ("provider", "tls"): ("provider", "TlsProviderConfig", None),
    ("resource", "tls_private_key"): ("private_key", "PrivateKeyConfig", "PrivateKey"),
    ("resource", "tls_self_signed_cert"): (
        "self_signed_cert",
        "SelfSignedCertConfig",
        "SelfSignedCert",
    ),
    ("resource", "tls_cert_request"): ("cert_request", "CertRequestConfig", "CertRequest"),
    ("resource", "tls_locally_signed_cert"): (
        "locally_signed_cert",
        "LocallySignedCertConfig",
        "LocallySignedCert",
    ),
    ("data", "tls_public_key"): (
        "data_tls_public_key",
        "DataTlsPublicKeyConfig",
        "DataTlsPublicKey",
    ),
    ("data", "tls_certificate"): (
        "data_tls_certificate",
        "DataTlsCertificateConfig",
        "DataTlsCertificate",
    ),
}


def _module(name: str) -> Any:
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    return importlib.import_module(f"cdktf_cdktf_provider_tls.{name}")


def _params(cls: Any) -> dict[str, bool]:
    """Constructor keyword -> required?"""
    sig = inspect.signature(cls.__init__)
    return {
        name: p.default is inspect.Parameter.empty
        for name, p in sig.parameters.items()
        if name != "self" and name not in META_ARGS
    }


@pytest.mark.parametrize("key", list(BINDINGS), ids=lambda k: f"{k[0]}.{k[1]}")
def test_schema_matches_cdktf_bindings(
    served: dict[tuple[str, str], dict[str, Any]], key: tuple[str, str]
) -> None:
    module_name, config_name, resource_name = BINDINGS[key]
    module = _module(module_name)
    params = _params(getattr(module, config_name))
    block = served[key]["block"]
    attrs = block.get("attributes", {})
    nested = block.get("block_types", {})
    if key[0] == "provider":
        params.pop("alias", None)
    configurable = {n: bool(a.get("required")) for n, a in attrs.items() if not _only_computed(a)}
    configurable.update({n: False for n in nested})
    assert params == configurable

    if resource_name is not None:
        cls = getattr(module, resource_name)
        props = {n for n, v in vars(cls).items() if isinstance(v, property)}
        inputs = {n.removesuffix("_input") for n in props if n.endswith("_input")}
        computed_only = props - inputs - {f"{n}_input" for n in inputs}
        served_computed = {n for n, a in attrs.items() if _only_computed(a)}
        assert computed_only == served_computed
        assert inputs == set(configurable)

    for block_name in nested:
        struct = getattr(module, (resource_name or "TlsProvider") + block_name.title())
        nested_attrs = nested[block_name]["block"]["attributes"]
        assert _params(struct) == {n: bool(a.get("required")) for n, a in nested_attrs.items()}


def _only_computed(attr: dict[str, Any]) -> bool:
    return bool(attr.get("computed")) and not attr.get("optional") and not attr.get("required")


def test_certificates_object_matches_bindings(
    served: dict[tuple[str, str], dict[str, Any]],
) -> None:
    module = _module("data_tls_certificate")
    ref = module.DataTlsCertificateCertificatesOutputReference
    props = {n for n, v in vars(ref).items() if isinstance(v, property)} - {"internal_value"}
    served_type = served[("data", "tls_certificate")]["block"]["attributes"]["certificates"]["type"]
    assert served_type[0] == "list"
    assert set(served_type[1][1]) == props
