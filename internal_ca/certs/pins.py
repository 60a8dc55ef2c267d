"""The CA pinned in the repository: lost or mis-pointed state must never mint a new CA.

State is the only record of which CA a stack runs. Move `state/` away, or point the pg backend
at an empty schema, and Terraform would happily create a second CA and new keys for every
service, while every load balancer still trusts the first. So the first deploy is explicit
(`--initial`) and writes each CA certificate of the stack into `pins/<stack>/`, which is
committed: the roots and intermediates it creates, and an adopted ExistingCa too, whose
certificate nothing else in state would vouch for. From then on every plan, deploy and
command that reads a CA compares the CAs in state with those pins by SHA-256 fingerprint, and
a plan that creates CAs or certificates while the state holds none of the pinned CAs is lost
state, whatever the flags; the traffic-manager admins can take `ca-crt.pem` from there. A
command that reads a CA also refuses a CA in state with no pin (pins/ missing, or a foreign
state); only a deploy may find one, and pins it.

Replacing a pinned CA needs --allow-ca-replacement, and then the deploy writes the new pin. A
RootCa's replacement shows as a resource change; an ExistingCa has no resource, so its swap
(another CA's certificate in its file) is told by the certificate the plan publishes in the
CA's output, known at plan time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding

from ca_constructs import naming
from internal_ca.certs.facts import load_cert
from internal_ca.certs.outputs import parse_outputs
from internal_ca.errors import OperationError
from internal_ca.files.atomic import write_atomic
from internal_ca.plan.model import Action, Summary
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
    """CA name -> fingerprint of each CA of this stack (created or adopted) the state holds now."""
    created: frozenset[str]
    """CAs the plan creates."""
    replaced: frozenset[str]
    """CAs the plan replaces or removes."""
    issued: frozenset[str] = frozenset()
    """Services the plan issues a first certificate for (on lost state: every one)."""
    planned: Mapping[str, str] = field(default_factory=dict)
    """CA name -> fingerprint of the certificate the plan publishes for it, where known at plan
    time (an ExistingCa's file, a CA the plan keeps); a CA created or replaced is absent."""

    @property
    def swapped(self) -> dict[str, str]:
        """Pinned CAs the plan changes to another certificate without replacing a resource (an
        ExistingCa's file): CA name -> the planned fingerprint."""
        return {
            name: planned
            for name, planned in self.planned.items()
            if name in self.pins
            and planned != self.pins[name]
            and planned != self.in_state.get(name)
        }


def fingerprint(pem: str, owner: str = "pinned CA") -> str:
    """SHA-256 of the DER, as `openssl x509 -fingerprint -sha256` prints it."""
    der = load_cert(pem, owner).public_bytes(Encoding.DER)
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
            pins[name] = fingerprint(path.read_text(encoding="utf-8"))
        except (OperationError, UnicodeDecodeError):
            raise OperationError(
                f"{path} holds no PEM certificate; expected the pinned CA certificate "
                "(restore it from git)"
            ) from None
        except OSError as error:
            raise OperationError(
                f"{path} cannot be read ({error.strerror}); expected the pinned CA certificate"
            ) from None
    return pins


def cas_in_state(state: StackState | None) -> dict[str, str]:
    """CA name -> certificate PEM of each CA output the state holds: RootCa, IntermediateCa
    and ExistingCa alike.

    An ExistingCa has no resource of its own in state; its output, written by the apply that
    signed with it, is what says this state belongs to a stack that runs it.
    """
    if state is None:
        return {}
    ca_outputs = {
        name: value
        for name, value in state.outputs.items()
        if naming.classify_output(name)[0] == "ca"
    }
    return {ca.name: ca.cert_pem for ca in parse_outputs(state.stack, ca_outputs, {}).cas}


def _fingerprints(state: StackState | None) -> dict[str, str]:
    return {name: fingerprint(pem) for name, pem in cas_in_state(state).items()}


def pin_check(project: Project, summary: Summary, state: StackState | None) -> PinCheck:
    return PinCheck(
        stack=summary.stack,
        pins=load_pins(project, summary.stack),
        in_state=_fingerprints(state),
        created=frozenset(
            ca.name for ca in summary.cas if "create" in (ca.key_action, ca.cert_action)
        ),
        replaced=frozenset(ca.name for ca in summary.cas if ca.replaced),
        issued=frozenset(row.service for row in summary.services if row.action is Action.ISSUE),
        planned={
            row.name: fingerprint(row.ca_cert_pem, f"the planned certificate of CA {row.name!r}")
            for row in summary.outputs
            if row.ca_cert_pem is not None
        },
    )


def pin_reasons(
    check: PinCheck, *, initial: bool, allow_ca_replacement: bool, where: str
) -> list[str]:
    """Why the pins refuse this plan; empty when they allow it. `where` names the pin folder.

    `initial` counts only for a stack with no pin: with pins it could only hide lost state.
    """
    reasons = _foreign_reasons(check, where)
    if check.pins and not set(check.pins) & set(check.in_state):
        if check.created or check.issued:
            reasons.append(_lost_state_reason(check, where))
    else:
        reasons += _creation_reasons(check, initial=initial, where=where)
    swapped = check.swapped
    for name in sorted((check.replaced | set(swapped)) & set(check.pins)):
        if not allow_ca_replacement:
            planned = f" (planned: {swapped[name]})" if name in swapped else ""
            reasons.append(
                f"stack {check.stack}: the plan would replace or remove CA {name!r}, pinned "
                f"in {where} as {check.pins[name]}{planned}; pass --allow-ca-replacement for a "
                "deliberate rotation, and commit the new pin it writes"
            )
    return reasons


def _foreign_reasons(check: PinCheck, where: str) -> list[str]:
    return [
        f"stack {check.stack}: CA {name!r} in state has fingerprint {actual}, but "
        f"{where} pins {pinned}; the state belongs to another CA (wrong backend, "
        "schema or workspace?)"
        for name, pinned in sorted(check.pins.items())
        if (actual := check.in_state.get(name)) is not None
        and actual != pinned
        and name not in check.replaced
    ]


def _lost_state_reason(check: PinCheck, where: str) -> str:
    """The stack has pins, the state holds none of those CAs, and the plan would mint anew:
    a new CA, or new keys and certificates for every service under an adopted one."""
    doing = [f"create CA {name!r}" for name in sorted(check.created)]
    if check.issued:
        doing.append(f"issue {_certificates(len(check.issued))}")
    pinned = ", ".join(f"{name} {value}" for name, value in sorted(check.pins.items()))
    return (
        f"stack {check.stack}: the plan would {' and '.join(doing)}, but the state holds none "
        f"of the CAs pinned in {where} ({pinned}); the state is missing or points elsewhere "
        "(moved state/, empty pg schema, wrong workspace): restore it, do not deploy"
    )


def _creation_reasons(check: PinCheck, *, initial: bool, where: str) -> list[str]:
    """New CAs and certificates on a state that is not lost: a pinned CA of the stack is in
    state (or another CA is, reported as foreign), or nothing is pinned yet."""
    reasons: list[str] = []
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
    # An adopted CA creates nothing: its first deploy is told by certificates issued while
    # nothing is pinned and the state holds no CA.
    first_issue = not check.pins and not check.in_state and not check.created and check.issued
    if first_issue and not initial:
        reasons.append(
            f"stack {check.stack}: the plan would issue {_certificates(len(check.issued))}, "
            f"no CA is pinned in {where} and the state holds no CA; for the first deploy of "
            "a stack pass --initial, otherwise the state is missing or points elsewhere: "
            "restore it"
        )
    return reasons


def _certificates(count: int) -> str:
    return f"{count} certificate" + ("" if count == 1 else "s")


def read_reasons(check: PinCheck, where: str) -> list[str]:
    """Why a command that reads a CA must not use this state; empty when every CA in it is the
    pinned one.

    Stricter than `pin_reasons`: a deploy pins a CA of a stack deployed before pins existed, so
    it lets an unpinned CA in state through; a read-only command pins nothing, and since every
    deploy pins every CA of its stack, a CA in state with no pin means pins/ is missing or the
    state belongs to another stack or CA.
    """
    unpinned = [
        f"stack {check.stack}: CA {name!r} in state (fingerprint {actual}) has no pin in "
        f"{where}; expected the pinned CA: restore pins/ from git; only for a stack that was "
        f"never pinned (`git log -- {where}` shows nothing) run `internal-ca deploy` to pin it"
        for name, actual in sorted(check.in_state.items())
        if name not in check.pins
    ]
    return _foreign_reasons(check, where) + unpinned


def refuse_foreign_cas(project: Project, stack: str, state: StackState | None) -> None:
    """For commands that read a CA: every CA in state, adopted ones included, must be pinned,
    and be the pinned one."""
    check = PinCheck(
        stack=stack,
        pins=load_pins(project, stack),
        in_state=_fingerprints(state),
        created=frozenset(),
        replaced=frozenset(),
    )
    reasons = read_reasons(check, f"{PINS_DIR}/{stack}/")
    if reasons:
        raise OperationError(reasons[0])


def refuse_initial_when_pinned(project: Project, stacks: Iterable[str]) -> None:
    """--initial is for a stack's first deploy: refused when every stack of the run has a pin.

    In a run that also holds a new stack it applies to the new one only: the pin rules never
    consult it for a stack with pins, so it cannot let lost state through there.
    """
    chosen = list(stacks)
    pinned = [stack for stack in chosen if load_pins(project, stack)]
    if not chosen or len(pinned) < len(chosen):
        return
    folders = ", ".join(str(pin_dir(project, stack)) for stack in pinned)
    which = f"stack {pinned[0]!r} already has" if len(pinned) == 1 else "every stack already has"
    raise OperationError(
        f"--initial: {which} a CA pinned in {folders}; expected --initial only for a stack's "
        "first deploy (a stack with no pins/<stack>/ yet)"
    )


def write_pins(project: Project, stack: str, state: StackState | None) -> list[Path]:
    """Pin every CA of the stack that has no pin yet, or whose pin a rotation replaced.

    An ExistingCa is pinned too: by the deploy that first signs with it, or, for a stack
    deployed before adopted CAs were pinned, by its next deploy.
    """
    written: list[Path] = []
    pins = load_pins(project, stack)
    for name, pem in sorted(cas_in_state(state).items()):
        if pins.get(name) == fingerprint(pem):
            continue
        path = pin_path(project, stack, name)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_atomic(path, pem.strip() + "\n", secret=False)
        written.append(path)
    return written
