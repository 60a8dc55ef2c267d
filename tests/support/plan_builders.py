"""Hand-written `terraform show -json` documents, with canaries in every secret place.

The fake key is assembled at run time so that no PEM private key block is ever committed.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

MARKER = "CANARY-7f3a9c-DO-NOT-ECHO"
FAKE_KEY = (
    "-----BEGIN " + "EC PRIVATE KEY-----\n"
    "MHcCAQEEIFAKEFAKEFAKE" + MARKER + "FAKEFAKEFAKEoAoGCCqGSM49AwEHoUQDQgAE\n"
    "-----END " + "EC PRIVATE KEY-----\n"
)
# The same fake key re-encoded (as `openssl rsa -traditional` would): new text, same key.
FAKE_KEY_REENCODED = (
    "-----BEGIN " + "RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAFAKE" + MARKER + "FAKEFAKEFAKE\n"
    "-----END " + "RSA PRIVATE KEY-----\n"
)
CA_CERT = "-----BEGIN CERTIFICATE-----\n" + MARKER + "\n"
CANARIES = (MARKER, "PRIVATE KEY", "MHcCAQEEIFAKE", "MIIEowIBAAKCAQEAFAKE")
Obj = dict[str, Any]


def subject(cn: str, organization: str = "Test Org") -> list[Obj]:
    fields = ["country", "province", "locality", "organizational_unit", "street_address"]
    block: Obj = dict.fromkeys(fields)
    block.update({"common_name": cn, "country": "GB", "organization": organization})
    block.update({"postal_code": None, "serial_number": None, "email_address": None})
    return [block]


def key_values(algorithm: str = "ECDSA", curve: str = "P256") -> Obj:
    return {
        "algorithm": algorithm,
        "ecdsa_curve": curve,
        "rsa_bits": 2048,
        "id": "583cb335f9e9efeaa7e8089d55224d6805f7858d",
        "private_key_pem": FAKE_KEY,
        "private_key_pem_pkcs8": FAKE_KEY,
        "private_key_openssh": FAKE_KEY,
        "public_key_pem": "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n",
    }


def csr_values(dns: Sequence[str], cn: str | None = None, ips: Sequence[str] = ()) -> Obj:
    return {
        "dns_names": list(dns) or None,
        "ip_addresses": list(ips) or None,
        "uris": None,
        "subject": subject(cn or (dns[0] if dns else "x")),
        "private_key_pem": FAKE_KEY,
        "cert_request_pem": "-----BEGIN CERTIFICATE REQUEST-----\n" + MARKER + "\n",
        "id": "bc465d94987513020c132390c4508919a8bba32f",
    }


def cert_values(
    serial: str = "103043455688398690067676515566560498522",
    end: str = "2027-01-01T00:00:00Z",
    hours: int = 720,
    early: int = 120,
    uses: Sequence[str] = ("digital_signature", "server_auth"),
    ca_key: str = FAKE_KEY,
    ca_cert: str = CA_CERT,
) -> Obj:
    return {
        "id": serial,
        "validity_end_time": end,
        "validity_period_hours": hours,
        "early_renewal_hours": early,
        "allowed_uses": list(uses),
        "is_ca_certificate": False,
        "ready_for_renewal": False,
        "ca_private_key_pem": ca_key,
        "ca_cert_pem": ca_cert,
        "cert_pem": "-----BEGIN CERTIFICATE-----\n" + MARKER + "\n",
    }


SENSITIVE_KEY = {
    "private_key_pem": True,
    "private_key_pem_pkcs8": True,
    "private_key_openssh": True,
}


def change(
    address: str,
    actions: Sequence[str],
    before: Obj | None,
    after: Obj | None,
    *,
    replace_paths: Sequence[Sequence[str]] | None = None,
    reason: str | None = None,
    sensitive: Obj | None = None,
) -> Obj:
    type_name, name = address.split(".")
    body: Obj = {
        "actions": list(actions),
        "before": before,
        "after": after,
        "after_unknown": {},
        "before_sensitive": sensitive or {},
        "after_sensitive": sensitive or {},
    }
    if replace_paths:
        body["replace_paths"] = [list(path) for path in replace_paths]
    item: Obj = {
        "address": address,
        "mode": "managed",
        "type": type_name,
        "name": name,
        "provider_name": "registry.terraform.io/hashicorp/tls",
        "change": body,
    }
    if reason:
        item["action_reason"] = reason
    return item


def service(
    name: str,
    *,
    cert: Sequence[str] = ("no-op",),
    dns: Sequence[str] = (),
    new_dns: Sequence[str] | None = None,
    cn: str | None = None,
    new_cn: str | None = None,
    cert_before: Obj | None = None,
    cert_after: Obj | None = None,
    cert_paths: Sequence[Sequence[str]] | None = None,
    key: Sequence[str] = ("no-op",),
    key_reason: str | None = None,
    key_after: Obj | None = None,
    version: tuple[int, int] = (1, 1),
) -> list[Obj]:
    """The four resources of a ServiceCert, as the plan would show them."""
    dns = list(dns) or [f"{name}.internal.example"]
    after_dns = list(new_dns) if new_dns is not None else dns
    creating, deleting = list(cert) == ["create"], list(cert) == ["delete"]
    csr_before = None if creating else csr_values(dns, cn)
    csr_after = None if deleting else csr_values(after_dns, new_cn or cn)
    csr_changed = csr_before != csr_after or list(key) == ["delete", "create"]
    csr_actions = (
        list(cert) if creating or deleting else (["delete", "create"] if csr_changed else ["no-op"])
    )
    before_cert = None if creating else (cert_before or cert_values())
    after_cert = None if deleting else (cert_after or cert_values())
    if after_cert is not None and list(cert) != ["no-op"] and not deleting:
        after_cert = {k: v for k, v in after_cert.items() if k not in ("id", "validity_end_time")}
    version_actions = "update" if version[0] != version[1] else "no-op"
    key_state = key_values()
    return [
        change(
            f"terraform_data.{name}_key_version",
            list(cert) if creating or deleting else [version_actions],
            None if creating else {"id": "uuid", "input": {"version": version[0]}},
            None if deleting else {"id": "uuid", "input": {"version": version[1]}},
        ),
        change(
            f"tls_private_key.{name}",
            list(cert) if creating or deleting else list(key),
            None if creating else key_state,
            None if deleting else (key_after or key_state),
            reason=key_reason,
            sensitive=SENSITIVE_KEY,
        ),
        change(
            f"tls_cert_request.{name}",
            csr_actions,
            csr_before,
            csr_after,
            sensitive={"private_key_pem": True},
        ),
        change(
            f"tls_locally_signed_cert.{name}",
            list(cert),
            before_cert,
            after_cert,
            replace_paths=cert_paths,
            reason="replace_because_cannot_update" if cert_paths else None,
            sensitive={"ca_private_key_pem": True},
        ),
    ]


def ca(
    name: str = "ca",
    *,
    key: Sequence[str] = ("no-op",),
    cert: Sequence[str] = ("no-op",),
    cn: str = "Test CA",
    new_cn: str | None = None,
) -> list[Obj]:
    def cert_state(common_name: str) -> Obj:
        values = cert_values(serial="11763698401814834236540560857672060738", hours=87600, early=0)
        values.update(
            {
                "is_ca_certificate": True,
                "subject": subject(common_name),
                "dns_names": None,
                "ip_addresses": None,
                "uris": None,
                "private_key_pem": FAKE_KEY,
                "allowed_uses": ["cert_signing", "crl_signing", "digital_signature"],
            }
        )
        return values

    return [
        change(f"tls_private_key.{name}", key, key_values(), key_values(), sensitive=SENSITIVE_KEY),
        change(
            f"tls_self_signed_cert.{name}",
            cert,
            cert_state(cn),
            cert_state(new_cn or cn),
            replace_paths=[["subject"]] if new_cn else None,
            sensitive={"private_key_pem": True},
        ),
    ]


Output = tuple[str, Obj, Obj | None]


def output(
    name: str,
    actions: Sequence[str] = ("no-op",),
    value: object = "not a secret",
    *,
    before: object = None,
    sensitive: bool = False,
    references: Sequence[str] = (),
    known: bool = True,
) -> Output:
    """One root output as `output_changes` and `configuration` show it (Terraform 1.11).

    `before` defaults to `value`; `known=False` is a value known only after apply (such as a
    key created in the same plan); a removed output has no configuration.
    """
    creating, deleting = list(actions) == ["create"], list(actions) == ["delete"]
    change: Obj = {
        "actions": list(actions),
        "before": None if creating else (value if before is None else before),
        "after": None if deleting or not known else value,
        "after_unknown": not known,
        "before_sensitive": sensitive,
        "after_sensitive": sensitive,
    }
    expression: Obj = {"references": list(references)} if references else {"constant_value": value}
    config: Obj = (
        {"sensitive": True, "expression": expression} if sensitive else {"expression": expression}
    )
    return name, change, None if deleting else config


def key_reference(address: str, attribute: str = "private_key_pem") -> list[str]:
    """The references Terraform lists for `address.attribute`: the attribute, then the object."""
    return [f"{address}.{attribute}", address]


# Outputs with a secret value, as every stack has them: the canary sits in each value.
SECRET_OUTPUTS = (
    output(
        "service_x_private_key_pem",
        value=FAKE_KEY,
        sensitive=True,
        references=key_reference("tls_private_key.x"),
    ),
    output("marker", value=MARKER, sensitive=True, references=["var.marker"]),
)


def plan(*groups: list[Obj], outputs: Sequence[Output] = ()) -> Obj:
    """A whole document, with the canary wherever Terraform puts secrets."""
    changes = [item for group in groups for item in group]
    secret_values = {"private_key_pem": FAKE_KEY, "note": MARKER}
    every_output = copy.deepcopy((*SECRET_OUTPUTS, *outputs))
    return {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "variables": {"ca_key": {"value": FAKE_KEY}, "marker": {"value": MARKER}},
        "planned_values": {"root_module": {"resources": [{"values": secret_values}]}},
        "prior_state": {"values": {"root_module": {"resources": [{"values": secret_values}]}}},
        "output_changes": {name: change for name, change, _ in every_output},
        "configuration": {
            "root_module": {
                "outputs": {name: config for name, _, config in every_output if config},
                "variables": {
                    "ca_key": {"sensitive": True},
                    "marker": {"default": MARKER, "sensitive": True},
                },
            }
        },
        "resource_changes": changes,
        "errored": False,
    }
