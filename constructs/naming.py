"""Every name that crosses from synth to operations: ids, addresses, outputs and file names.

Construct ids are a public contract: the Terraform address of a key or certificate is derived
from them, and a changed address means a new key and a new certificate. The operations CLI
reads outputs and state by these names, and exports files under them, so it asks this module
rather than rebuilding a name from a prefix. `claim()` hands out each id, address and output
name once per stack, so two constructs can never silently share one.

This module imports nothing from cdktf: the operations CLI uses it without starting jsii.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

_SERVICE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
_CA_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_SERVICE_OUTPUT = "service_"
_KEY_OUTPUT_SUFFIX = "_private_key_pem"

CA_CERT_FILE = "ca-crt.pem"
"""The root CA certificate, the recipe's name for it: what the load-balancer admins install."""
CA_KEY_FILE = "ca-private-key.pem"
"""The root CA key, written only by an explicit `export --include-ca-key`."""
MANIFEST_FILE = "MANIFEST"

SELF_SIGNED_CERT = "tls_self_signed_cert"
LOCALLY_SIGNED_CERT = "tls_locally_signed_cert"
PRIVATE_KEY = "tls_private_key"
CERT_REQUEST = "tls_cert_request"
TERRAFORM_DATA = "terraform_data"
PUBLIC_KEY_DATA = "data.tls_public_key"

REVOCATIONS_DIR = "revocations"
"""The committed revocation ledgers, one per stack (see ledger.py for the format)."""
REVOCATION_RECORD_ID = "revocation_ledger"
"""The terraform_data whose input is the ledger's entries, so a plan shows one removed."""
REVOCATION_RECORD_ADDRESS = f"{TERRAFORM_DATA}.{REVOCATION_RECORD_ID}"
CRL_DIR = "crl"
"""Where `internal-ca crl` writes by default and `inventory` looks for CRLs to check."""


def stack_folder(folder: Path, stack: str, all_stacks: Sequence[str]) -> Path:
    """Where a stack's exported files and CRLs go in `folder`: the folder itself in a one-stack
    app, `folder/<stack>` when it has several, whichever stacks a run chose, so none ever move."""
    return folder / stack if len(all_stacks) > 1 else folder


def ledger_file(stack: str) -> str:
    """The ledger of `stack`, relative to the project root: revocations/<stack>.json."""
    return f"{REVOCATIONS_DIR}/{stack}.json"


@dataclass(frozen=True)
class _KeyOwnerNames:
    """What every construct with a key of its own is called in state."""

    name: str

    @property
    def key_address(self) -> str:
        return f"{PRIVATE_KEY}.{self.name}"

    @property
    def csr_address(self) -> str:
        return f"{CERT_REQUEST}.{self.name}"


@dataclass(frozen=True)
class ServiceNames(_KeyOwnerNames):
    """The names of one ServiceCert, all derived from its construct id."""

    @property
    def cert_address(self) -> str:
        return f"{LOCALLY_SIGNED_CERT}.{self.name}"

    @property
    def key_version_id(self) -> str:
        """The logical id of the terraform_data whose input is the key version."""
        return f"{self.name}_key_version"

    @property
    def key_version_address(self) -> str:
        return f"{TERRAFORM_DATA}.{self.key_version_id}"

    @property
    def output(self) -> str:
        """The non-secret output: certificate, chain, serial, SANs."""
        return f"{_SERVICE_OUTPUT}{self.name}"

    @property
    def key_output(self) -> str:
        """The sensitive output holding the private key PEM."""
        return f"{_SERVICE_OUTPUT}{self.name}{_KEY_OUTPUT_SUFFIX}"

    @property
    def cert_file(self) -> str:
        return f"{self.name}-crt.pem"

    @property
    def fullchain_file(self) -> str:
        return f"{self.name}-fullchain.pem"

    @property
    def key_file(self) -> str:
        return f"{self.name}-private-key.pem"

    @property
    def addresses(self) -> tuple[str, ...]:
        return (self.key_version_address, self.key_address, self.csr_address, self.cert_address)

    @property
    def outputs(self) -> tuple[str, ...]:
        return (self.output, self.key_output)


@dataclass(frozen=True)
class CaNames(_KeyOwnerNames):
    """The names of one CA (RootCa, IntermediateCa or ExistingCa), from its construct id."""

    def cert_address(self, self_signed: bool) -> str:
        kind = SELF_SIGNED_CERT if self_signed else LOCALLY_SIGNED_CERT
        return f"{kind}.{self.name}"

    @property
    def output(self) -> str:
        """The non-secret output: certificate, serial, validity, subject."""
        return self.name

    @property
    def key_variable(self) -> str:
        """ExistingCa's sensitive variable; users set it as TF_VAR_<this>."""
        return f"{self.name}{_KEY_OUTPUT_SUFFIX}"

    @property
    def key_env_var(self) -> str:
        """Where users put the adopted CA key: Terraform reads TF_VAR_<key_variable>."""
        return f"TF_VAR_{self.key_variable}"

    @property
    def key_variable_address(self) -> str:
        return f"var.{self.key_variable}"

    @property
    def not_after_local(self) -> str:
        """ExistingCa's local holding the certificate file's NotAfter."""
        return f"{self.name}_not_after"

    @property
    def not_after_address(self) -> str:
        return f"local.{self.not_after_local}"

    @property
    def key_check_address(self) -> str:
        """ExistingCa's data source that proves, at plan time, the key matches the file."""
        return f"{PUBLIC_KEY_DATA}.{self.name}"

    @property
    def pin_file(self) -> str:
        """The committed CA certificate in pins/<stack>/; the root "ca" gives ca-crt.pem."""
        return f"{self.name}-crt.pem"

    @property
    def crl_pem_file(self) -> str:
        return f"{self.name}-crl.pem"

    @property
    def crl_der_file(self) -> str:
        return f"{self.name}.crl"


def service_names(name: object) -> ServiceNames:
    """Service ids become addresses, output names and file names: keep them plain."""
    if not isinstance(name, str) or not _SERVICE_NAME.match(name) or name.endswith("-"):
        raise ValueError(
            f"service id {name!r} is not valid; expected lower-case letters, digits and "
            "hyphens, starting with a letter, at most 63 characters (e.g. 'passwords')"
        )
    return ServiceNames(name)


def ca_names(name: object) -> CaNames:
    """CA ids become addresses and an output name; `service_` is kept for services' outputs."""
    if not isinstance(name, str) or not _CA_NAME.match(name):
        raise ValueError(
            f"CA id {name!r} is not valid; expected lower-case letters, digits and "
            "underscores, starting with a letter (e.g. 'ca')"
        )
    if name.startswith(_SERVICE_OUTPUT):
        raise ValueError(
            f"CA id {name!r} is not valid; expected an id that does not start with "
            f"{_SERVICE_OUTPUT!r}, which names services' outputs (e.g. 'web_ca')"
        )
    return CaNames(name)


OutputKind = Literal["service", "service_key", "ca"]


def classify_output(output: str) -> tuple[OutputKind, str]:
    """The inverse of the output names above: (kind, construct id) of a stack output."""
    if output.startswith(_SERVICE_OUTPUT):
        rest = output.removeprefix(_SERVICE_OUTPUT)
        if rest.endswith(_KEY_OUTPUT_SUFFIX):
            return "service_key", rest.removesuffix(_KEY_OUTPUT_SUFFIX)
        return "service", rest
    return "ca", output


_claimed: weakref.WeakKeyDictionary[object, dict[str, str]] = weakref.WeakKeyDictionary()


def claim(stack: object, owner: str, id: str, names: Iterable[str] = ()) -> None:
    """Reserve a construct id and its addresses and output names in `stack`, or raise.

    Call it before the construct exists, so a clash is reported in these words rather than as
    a jsii error about construct names. Nothing is reserved unless everything is free, so a
    refused construct leaves no trace.
    """
    taken = _claimed.setdefault(stack, {})
    wanted = [("id", id), *((_kind_of(name), name) for name in names)]
    for kind, value in wanted:
        other = taken.get(f"{kind} {value}")
        if other is not None:
            stack_id = getattr(getattr(stack, "node", None), "id", "?")
            raise ValueError(
                f"{owner}: the {kind} {value!r} is already used by {other} in stack "
                f"{stack_id!r}; expected each service and CA id, address and output name to be "
                "unique"
            )
    for kind, value in wanted:
        taken[f"{kind} {value}"] = owner


def _kind_of(name: str) -> str:
    # Terraform addresses (type.name, var.x, local.x) always hold a dot; output names never can.
    return "address" if "." in name else "output name"
