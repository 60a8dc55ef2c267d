"""A deployed stack's outputs, read the way Terraform sees them right now.

The state's outputs hold every service's private key, so its text is parsed in memory
and never printed, logged or written anywhere; callers get typed records and ask for a key
only when they are about to export or check it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ca_constructs import naming
from internal_ca.errors import OperationError
from internal_ca.state.read import StackState, read_state
from internal_ca.terraform.project import Project
from internal_ca.terraform.workspace import Workspace, stack_config


@dataclass(frozen=True)
class ServiceInfo:
    """One service's non-secret output plus the renewal setting its code configures."""

    name: str
    cert_pem: str
    chain_pem: str
    ca_cert_pem: str
    serial: str
    dns_names: tuple[str, ...]
    ip_addresses: tuple[str, ...]
    uris: tuple[str, ...]
    renew_before_hours: float | None
    ready_for_renewal: bool


@dataclass(frozen=True)
class CaInfo:
    """A CA certificate output (the root, or an intermediate): never holds its key."""

    name: str
    cert_pem: str
    serial: str
    renew_before_hours: float | None


@dataclass(frozen=True)
class StackOutputs:
    """What one deployed stack issued. `_keys` holds secrets: use `private_key()` only."""

    stack: str
    cas: tuple[CaInfo, ...]
    services: tuple[ServiceInfo, ...]
    _keys: Mapping[str, str] = field(repr=False)
    state: StackState | None = field(default=None, repr=False)
    """The state these outputs were read from, so a command reads it once (it holds keys)."""

    def private_key(self, service: str) -> str:
        """The service's key PEM: SECRET, for writing to a 0600 file or checking in memory."""
        try:
            return self._keys[service]
        except KeyError:
            raise OperationError(
                f"stack {self.stack!r} has no private key output for service {service!r}; "
                "run `internal-ca deploy` to bring the state up to date"
            ) from None


def read_deployed(workspace: Workspace) -> list[StackOutputs]:
    """Outputs of every chosen stack that has been deployed; an error if none has."""
    found: list[StackOutputs] = []
    for stack in workspace.stacks:
        outputs = read_stack(workspace.project, stack, workspace.env)
        if outputs is not None:
            found.append(outputs)
    if not found:
        which = f"stack {workspace.stacks[0]!r}" if len(workspace.stacks) == 1 else "any stack"
        raise OperationError(
            f"nothing is deployed in {which} yet (no outputs in state); run `internal-ca deploy`"
        )
    return found


def read_stack(project: Project, stack: str, environ: Mapping[str, str]) -> StackOutputs | None:
    """One stack's outputs, read from its state; None when it has never been deployed.

    Needs no workspace, so `revoke` reads state without synthesizing the app.
    """
    state = read_state(project, stack, environ)
    if state is None or not state.outputs:
        return None
    outputs = parse_outputs(stack, state.outputs, renewal_hours(project, stack))
    return dataclasses.replace(outputs, state=state)


def parse_outputs(
    stack: str, values: Mapping[str, Any], renew: Mapping[tuple[str, str], float]
) -> StackOutputs:
    """Sort outputs into CA certificates, services and (secret) service keys."""
    cas: list[CaInfo] = []
    services: list[ServiceInfo] = []
    keys: dict[str, str] = {}
    for name, value in sorted(values.items()):
        kind, owner = naming.classify_output(name)
        if kind == "service_key":
            if isinstance(value, str):
                keys[owner] = value
        elif kind == "service" and isinstance(value, dict):
            services.append(_service(stack, owner, value, renew))
        elif isinstance(value, dict) and "cert_pem" in value and "serial" in value:
            cas.append(
                CaInfo(
                    name=name,
                    cert_pem=str(value["cert_pem"]),
                    serial=str(value["serial"]),
                    renew_before_hours=renew.get((naming.SELF_SIGNED_CERT, owner), 0.0),
                )
            )
    return StackOutputs(stack, tuple(cas), tuple(services), keys)


def _service(
    stack: str, name: str, value: Mapping[str, Any], renew: Mapping[tuple[str, str], float]
) -> ServiceInfo:
    try:
        return ServiceInfo(
            name=name,
            cert_pem=str(value["cert_pem"]),
            chain_pem=str(value.get("chain_pem") or ""),
            ca_cert_pem=str(value["ca_cert_pem"]),
            serial=str(value["serial"]),
            dns_names=_names(value.get("dns_names")),
            ip_addresses=_names(value.get("ip_addresses")),
            uris=_names(value.get("uris")),
            renew_before_hours=renew.get((naming.LOCALLY_SIGNED_CERT, name)),
            ready_for_renewal=bool(value.get("ready_for_renewal", False)),
        )
    except KeyError as error:
        raise OperationError(
            f"output {naming.ServiceNames(name).output} of stack {stack!r} has no "
            f"{error.args[0]!r}; it was made by "
            "an older version: run `internal-ca deploy` to refresh it"
        ) from None


def _names(value: object) -> tuple[str, ...]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        return ()
    return tuple(sorted(str(item) for item in value))


def renewal_hours(project: Project, stack: str) -> dict[tuple[str, str], float]:
    """early_renewal_hours per (type, name) from the synthesized config: the next deploy's rule."""
    config = stack_config(project, stack)
    hours: dict[tuple[str, str], float] = {}
    for kind in (naming.LOCALLY_SIGNED_CERT, naming.SELF_SIGNED_CERT):
        for name, block in config.get("resource", {}).get(kind, {}).items():
            value = block.get("early_renewal_hours", 0) if isinstance(block, dict) else 0
            if isinstance(value, int | float):
                hours[(kind, name)] = float(value)
    return hours


def ca_key_in_state(state: StackState | None, ca_name: str) -> str | None:
    """The CA key PEM, SECRET, in memory; None for an adopted CA, whose key state lacks."""
    key = state.attribute(naming.CaNames(ca_name).key_address, "private_key_pem") if state else None
    return key if isinstance(key, str) and key else None


def read_ca_private_key(outputs: StackOutputs, ca_name: str) -> str:
    """The CA key from the state the outputs came from, in memory: only for --include-ca-key."""
    key = ca_key_in_state(outputs.state, ca_name)
    if key is not None:
        return key
    raise OperationError(
        f"stack {outputs.stack!r} has no {naming.CaNames(ca_name).key_address} in state; an "
        "adopted CA's key is not kept in state, so take it from where you keep it (e.g. the "
        "password manager)"
    )
