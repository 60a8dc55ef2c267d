"""The CA pinned in the repository: lost or mis-pointed state must never mint a new CA.

State is the only record of which CA a stack runs. Move `state/` away, or point the pg backend
at an empty schema, and Terraform would happily create a second CA and new keys for every
service, while every load balancer still trusts the first. So the first deploy is explicit
(`--initial`) and writes each CA certificate the stack creates into `pins/<stack>/`, which
is committed. From then on every plan, deploy and inventory compares the CAs in state with
those pins by SHA-256 fingerprint; the traffic-manager admins can take `ca-crt.pem` from there.
An ExistingCa is pinned already: its certificate is the file the repository commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding

from ca_constructs import naming
from internal_ca.certs.facts import load_cert
from internal_ca.errors import OperationError
from internal_ca.files.atomic import write_atomic
from internal_ca.plan.model import Summary
from internal_ca.state.read import StackState
from internal_ca.terraform.project import Project

PINS_DIR = "pins"


@dataclass(frozen=True)
class PinCheck:
    """What the pin rules look at for one stack; all of it public."""

    stack: str
    pins: Mapping[str, str]
    """CA name -> pinned fingerprint, from pins/<stack>/."""
    in_state: Mapping[str, str]
    """CA name -> fingerprint of each CA this stack created, as the state holds it now."""
    created: frozenset[str]
    """CAs the plan creates."""
    replaced: frozenset[str]
    """CAs the plan replaces or removes."""


def fingerprint(pem: str) -> str:
    """SHA-256 of the DER, as `openssl x509 -fingerprint -sha256` prints it."""
    der = load_cert(pem, "pinned CA").public_bytes(Encoding.DER)
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def pin_dir(project: Project, stack: str) -> Path:
    return project.root / PINS_DIR / stack


def pin_path(project: Project, stack: str, ca: str) -> Path:
    return pin_dir(project, stack) / naming.CaNames(ca).pin_file


def load_pins(project: Project, stack: str) -> dict[str, str]:
    """CA name -> fingerprint of every pin file of the stack."""
    folder = pin_dir(project, stack)
    pins: dict[str, str] = {}
    for path in sorted(folder.glob("*-crt.pem")) if folder.is_dir() else ():
        name = path.name.removesuffix("-crt.pem")
        try:
            pins[name] = fingerprint(path.read_text())
        except OperationError:
            raise OperationError(
                f"{path} holds no PEM certificate; expected the pinned CA certificate "
                "(restore it from git)"
            ) from None
    return pins


def managed_cas(state: StackState | None) -> dict[str, str]:
    """CA name -> certificate PEM of each CA whose key this stack's state holds.

    An ExistingCa publishes a CA output too, but its key is not in state: it is pinned by
    the certificate file in the repository and is left out here.
    """
    found: dict[str, str] = {}
    if state is None:
        return found
    for output, value in state.outputs.items():
        kind, name = naming.classify_output(output)
        if kind != "ca" or not isinstance(value, Mapping):
            continue
        cert = value.get("cert_pem")
        if isinstance(cert, str) and naming.CaNames(name).key_address in state.addresses:
            found[name] = cert
    return found


def _fingerprints(state: StackState | None) -> dict[str, str]:
    return {name: fingerprint(pem) for name, pem in managed_cas(state).items()}


def pin_check(project: Project, summary: Summary, state: StackState | None) -> PinCheck:
    return PinCheck(
        stack=summary.stack,
        pins=load_pins(project, summary.stack),
        in_state=_fingerprints(state),
        created=frozenset(
            ca.name for ca in summary.cas if "create" in (ca.key_action, ca.cert_action)
        ),
        replaced=frozenset(ca.name for ca in summary.cas if ca.replaced),
    )


def pin_reasons(
    check: PinCheck, *, initial: bool, allow_ca_replacement: bool, where: str
) -> list[str]:
    """Why the pins refuse this plan; empty when they allow it. `where` names the pin folder."""
    reasons: list[str] = []
    for name, pinned in sorted(check.pins.items()):
        actual = check.in_state.get(name)
        if actual is not None and actual != pinned and name not in check.replaced:
            reasons.append(
                f"stack {check.stack}: CA {name!r} in state has fingerprint {actual}, but "
                f"{where} pins {pinned}; the state belongs to another CA (wrong backend, "
                "schema or workspace?)"
            )
    for name in sorted(check.created - set(check.in_state)):
        if name in check.pins:
            reasons.append(
                f"stack {check.stack}: the plan would create CA {name!r}, but {where} pins "
                f"{check.pins[name]} (planned: a new CA, fingerprint unknown until apply); "
                "the state is missing or points elsewhere (moved state/, empty pg schema, "
                "wrong workspace): restore it, do not deploy"
            )
        elif not check.pins and not initial:
            reasons.append(
                f"stack {check.stack}: the plan would create CA {name!r} and no CA is pinned "
                f"in {where}; for the first deploy of a stack pass --initial, otherwise the "
                "state is missing or points elsewhere: restore it"
            )
    for name in sorted(check.replaced & set(check.pins)):
        if not allow_ca_replacement:
            reasons.append(
                f"stack {check.stack}: the plan would replace or remove CA {name!r}, pinned "
                f"in {where} as {check.pins[name]}; pass --allow-ca-replacement for a "
                "deliberate rotation, and commit the new pin it writes"
            )
    return reasons


def refuse_foreign_cas(project: Project, stack: str, state: StackState | None) -> None:
    """For read-only commands: the CAs in state must be the pinned ones."""
    check = PinCheck(
        stack=stack,
        pins=load_pins(project, stack),
        in_state=_fingerprints(state),
        created=frozenset(),
        replaced=frozenset(),
    )
    where = f"{PINS_DIR}/{stack}/"
    reasons = pin_reasons(check, initial=True, allow_ca_replacement=True, where=where)
    if reasons:
        raise OperationError(reasons[0])


def refuse_initial_when_pinned(project: Project, stacks: Iterable[str]) -> None:
    """--initial is for a stack's first deploy only; with a pin it would hide lost state."""
    for stack in stacks:
        if load_pins(project, stack):
            raise OperationError(
                f"--initial: stack {stack!r} already has a CA pinned in "
                f"{pin_dir(project, stack)}; expected --initial only for a stack's first deploy"
            )


def write_pins(project: Project, stack: str, state: StackState | None) -> list[Path]:
    """Pin every CA of the stack that has no pin yet, or whose pin a rotation replaced."""
    written: list[Path] = []
    pins = load_pins(project, stack)
    for name, pem in sorted(managed_cas(state).items()):
        if pins.get(name) == fingerprint(pem):
            continue
        path = pin_path(project, stack, name)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_atomic(path, pem.strip() + "\n", secret=False)
        written.append(path)
    return written
