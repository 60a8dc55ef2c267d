"""The CA pin rules: pure functions over pins, the CAs in state, and what the plan does."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from ca_factory import self_signed_ca_pem

from internal_ca.certs.pins import (
    PinCheck,
    cas_in_state,
    fingerprint,
    load_pins,
    pin_check,
    pin_dir,
    pin_reasons,
    read_reasons,
    refuse_foreign_cas,
    refuse_initial_when_pinned,
    write_pins,
)
from internal_ca.errors import OperationError
from internal_ca.plan.model import summarize_plan
from internal_ca.state.read import StackState, parse_state
from internal_ca.terraform.project import Project

PINNED = "AA:BB"
OTHER = "CC:DD"
WHERE = "pins/s/"


def _check(
    *,
    pins: dict[str, str] | None = None,
    in_state: dict[str, str] | None = None,
    created: frozenset[str] = frozenset(),
    replaced: frozenset[str] = frozenset(),
    issued: frozenset[str] = frozenset(),
    planned: dict[str, str] | None = None,
) -> PinCheck:
    return PinCheck("s", pins or {}, in_state or {}, created, replaced, issued, planned or {})


def _reasons(check: PinCheck, initial: bool = False, allow: bool = False) -> list[str]:
    return pin_reasons(check, initial=initial, allow_ca_replacement=allow, where=WHERE)


def test_the_pinned_ca_in_state_passes() -> None:
    assert _reasons(_check(pins={"ca": PINNED}, in_state={"ca": PINNED})) == []


def test_a_foreign_ca_in_state_trips_naming_both_fingerprints() -> None:
    (reason,) = _reasons(_check(pins={"ca": PINNED}, in_state={"ca": OTHER}))
    assert PINNED in reason and OTHER in reason


def test_a_foreign_ca_trips_whatever_the_flags() -> None:
    check = _check(pins={"ca": PINNED}, in_state={"ca": OTHER})
    assert _reasons(check, initial=True, allow=True) != []


def test_creating_a_pinned_ca_trips_as_lost_state() -> None:
    (reason,) = _reasons(_check(pins={"ca": PINNED}, created=frozenset({"ca"})))
    assert PINNED in reason and "missing or points elsewhere" in reason


def test_creating_a_pinned_ca_trips_even_with_initial_and_the_replacement_flag() -> None:
    assert _reasons(
        _check(pins={"ca": PINNED}, created=frozenset({"ca"})), initial=True, allow=True
    )


def test_creating_the_first_ca_without_initial_trips() -> None:
    (reason,) = _reasons(_check(created=frozenset({"ca"})))
    assert "--initial" in reason


def test_creating_the_first_ca_with_initial_passes() -> None:
    assert _reasons(_check(created=frozenset({"ca"})), initial=True) == []


def test_a_new_intermediate_beside_a_pinned_root_passes() -> None:
    check = _check(pins={"ca": PINNED}, in_state={"ca": PINNED}, created=frozenset({"inter"}))
    assert _reasons(check) == []


def test_replacing_a_pinned_ca_trips_without_its_flag() -> None:
    check = _check(pins={"ca": PINNED}, in_state={"ca": PINNED}, replaced=frozenset({"ca"}))
    (reason,) = _reasons(check)
    assert "--allow-ca-replacement" in reason and PINNED in reason


def test_replacing_a_pinned_ca_passes_with_its_flag() -> None:
    check = _check(pins={"ca": PINNED}, in_state={"ca": PINNED}, replaced=frozenset({"ca"}))
    assert _reasons(check, allow=True) == []


def test_a_ca_in_state_without_a_pin_passes() -> None:
    assert _reasons(_check(in_state={"ca": PINNED})) == []


# An adopted CA swapped in its file (another CA's certificate and key) replaces no resource:
# the certificate the plan publishes for it is what differs from the pin.


def test_a_planned_ca_other_than_the_pinned_one_trips_as_a_replacement() -> None:
    check = _check(pins={"ca": PINNED}, in_state={"ca": PINNED}, planned={"ca": OTHER})
    (reason,) = _reasons(check)
    assert (
        f"the plan would replace or remove CA 'ca', pinned in {WHERE} as {PINNED} "
        f"(planned: {OTHER}); pass --allow-ca-replacement"
    ) in reason


def test_a_planned_ca_other_than_the_pinned_one_passes_with_its_flag() -> None:
    check = _check(pins={"ca": PINNED}, in_state={"ca": PINNED}, planned={"ca": OTHER})
    assert _reasons(check, allow=True) == []


def test_the_pinned_ca_planned_again_passes() -> None:
    check = _check(pins={"ca": PINNED}, in_state={"ca": PINNED}, planned={"ca": PINNED})
    assert _reasons(check) == []


def test_a_foreign_ca_planned_as_it_is_stays_foreign_whatever_the_flags() -> None:
    """The plan keeps the CA the state holds: not a replacement the flag could allow."""
    check = _check(pins={"ca": PINNED}, in_state={"ca": OTHER}, planned={"ca": OTHER})
    (reason,) = _reasons(check, allow=True)
    assert "another CA" in reason


# Lost state for every CA kind (issue 18, item 5): an adopted CA creates nothing, so the plan
# on lost state only issues certificates, under no limit.


def test_issuing_while_the_state_holds_none_of_the_pinned_cas_trips_as_lost_state() -> None:
    (reason,) = _reasons(_check(pins={"ca": PINNED}, issued=frozenset({"web", "api"})))
    assert "issue 2 certificates" in reason and PINNED in reason
    assert WHERE in reason and "restore it" in reason


def test_lost_state_trips_whatever_the_flags() -> None:
    check = _check(pins={"ca": PINNED}, issued=frozenset({"web"}))
    assert _reasons(check, initial=True, allow=True) != []


def test_lost_state_of_a_root_and_its_intermediate_is_one_reason() -> None:
    check = _check(
        pins={"ca": PINNED, "issuing": OTHER},
        created=frozenset({"ca", "issuing"}),
        issued=frozenset({"web"}),
    )
    (reason,) = _reasons(check)
    assert "create CA 'ca' and create CA 'issuing' and issue 1 certificate" in reason
    assert PINNED in reason and OTHER in reason


def test_a_new_service_beside_the_pinned_adopted_ca_in_state_passes() -> None:
    check = _check(pins={"ca": PINNED}, in_state={"ca": PINNED}, issued=frozenset({"web"}))
    assert _reasons(check) == []


def test_a_lost_state_with_nothing_to_issue_passes() -> None:
    """Nothing is minted (e.g. a stack with no services yet): no key or CA to lose."""
    assert _reasons(_check(pins={"ca": PINNED})) == []


def test_the_first_certificates_under_an_unpinned_adopted_ca_need_initial() -> None:
    (reason,) = _reasons(_check(issued=frozenset({"web"})))
    assert "--initial" in reason and "issue 1 certificate" in reason
    assert _reasons(_check(issued=frozenset({"web"})), initial=True) == []


def test_an_adopted_ca_deployed_before_pins_issues_without_initial() -> None:
    """Upgrading: the state holds the adopted CA, no pin yet; the deploy pins it."""
    assert _reasons(_check(in_state={"ca": PINNED}, issued=frozenset({"web"}))) == []


# A leftover pin (item 13): a pin of a CA no longer in the app must not stand in for --initial.


def test_creating_an_unpinned_ca_beside_a_leftover_pin_on_lost_state_trips() -> None:
    check = _check(pins={"old": PINNED}, created=frozenset({"ca"}))
    (reason,) = _reasons(check)
    assert "create CA 'ca'" in reason and "old " + PINNED in reason and "restore it" in reason


def test_creating_an_unpinned_ca_beside_a_leftover_pin_trips_with_initial_too() -> None:
    check = _check(pins={"old": PINNED}, created=frozenset({"ca"}))
    assert _reasons(check, initial=True, allow=True) != []


def test_a_new_intermediate_beside_a_foreign_root_reports_the_foreign_root_only() -> None:
    check = _check(pins={"ca": PINNED}, in_state={"ca": OTHER}, created=frozenset({"inter"}))
    (reason,) = _reasons(check)
    assert "another CA" in reason


def test_a_new_intermediate_of_an_unpinned_deployed_stack_needs_initial() -> None:
    check = _check(in_state={"ca": PINNED}, created=frozenset({"inter"}))
    (reason,) = _reasons(check)
    assert "--initial" in reason
    assert _reasons(check, initial=True) == []


@pytest.mark.parametrize(
    "check",
    [
        _check(pins={"ca": PINNED}, created=frozenset({"ca"})),
        _check(pins={"old": PINNED}, created=frozenset({"ca"})),
        _check(pins={"ca": PINNED}, issued=frozenset({"web"})),
        _check(pins={"ca": PINNED}, in_state={"ca": OTHER}, created=frozenset({"inter"})),
        _check(pins={"ca": PINNED}, in_state={"ca": PINNED}, created=frozenset({"inter"})),
        _check(pins={"ca": PINNED}, in_state={"ca": PINNED}, issued=frozenset({"web"})),
        _check(
            pins={"ca": PINNED, "inter": OTHER},
            in_state={"ca": PINNED},
            created=frozenset({"inter"}),
        ),
    ],
)
def test_initial_changes_nothing_for_a_stack_with_pins(check: PinCheck) -> None:
    """Why a run may hold a new stack beside pinned ones: --initial is inert for the latter."""
    assert _reasons(check, initial=True) == _reasons(check, initial=False)


# Reading the CAs from state, and the commands around the rules.


def _ca_pem(common_name: str) -> str:
    return self_signed_ca_pem(common_name)


def _adopted_state(cert_pem: str) -> StackState:
    """An ExistingCa stack's state: the CA output and a signed certificate, no CA resource."""
    document = {
        "version": 4,
        "serial": 3,
        "lineage": "l",
        "outputs": {
            "ca": {"value": {"cert_pem": cert_pem, "serial": "1"}},
            "service_web": {"value": {"cert_pem": "x", "ca_cert_pem": cert_pem, "serial": "2"}},
        },
        "resources": [
            {
                "mode": "managed",
                "type": "tls_locally_signed_cert",
                "name": "web",
                "instances": [{"attributes": {"ca_cert_pem": cert_pem}}],
            }
        ],
    }
    state = parse_state("s", document, "test state")
    assert state is not None
    return state


def _project(root: Path) -> Project:
    return Project(root, root)


def test_an_adopted_ca_in_state_is_read_and_checked_against_its_pin() -> None:
    adopted = _ca_pem("Adopted CA")
    check = PinCheck("s", {"ca": PINNED}, {}, frozenset(), frozenset())
    in_state = {"ca": fingerprint(adopted)}
    assert cas_in_state(_adopted_state(adopted)) == {"ca": adopted}
    (reason,) = _reasons(dataclasses.replace(check, in_state=in_state))
    assert fingerprint(adopted) in reason and PINNED in reason


def test_the_adopted_ca_is_pinned_and_then_passes_the_read_only_check(tmp_path: Path) -> None:
    adopted = _adopted_state(_ca_pem("Adopted CA"))
    project = _project(tmp_path)
    (path,) = write_pins(project, "s", adopted)
    assert path == tmp_path / "pins" / "s" / "ca-crt.pem"
    assert write_pins(project, "s", adopted) == []
    refuse_foreign_cas(project, "s", adopted)


def test_a_foreign_adopted_ca_is_refused_by_the_read_only_check(tmp_path: Path) -> None:
    project = _project(tmp_path)
    write_pins(project, "s", _adopted_state(_ca_pem("Adopted CA")))
    with pytest.raises(OperationError, match=r"CA 'ca' in state has fingerprint .* pins/s/"):
        refuse_foreign_cas(project, "s", _adopted_state(_ca_pem("Staging CA")))


# A CA in state with no pin (issue 18, item 4): every deploy pins every CA of its stack, so
# for a command that reads a CA this is a missing pins/ or a foreign state.


def _unpinned_message(name: str, pem: str) -> str:
    return (
        f"stack s: CA {name!r} in state (fingerprint {fingerprint(pem)}) has no pin in pins/s/; "
        "expected the pinned CA: restore pins/ from git; only for a stack that was never pinned "
        "(`git log -- pins/s/` shows nothing) run `internal-ca deploy` to pin it"
    )


def _ca_state(cas: dict[str, str]) -> StackState:
    """A state holding these CA outputs (name -> certificate PEM), a root's or an intermediate's."""
    outputs = {name: {"value": {"cert_pem": pem, "serial": "1"}} for name, pem in cas.items()}
    document = {"version": 4, "serial": 3, "lineage": "l", "outputs": outputs, "resources": []}
    state = parse_state("s", document, "test state")
    assert state is not None
    return state


def test_a_ca_in_state_with_no_pin_folder_at_all_is_refused(tmp_path: Path) -> None:
    root = _ca_pem("Root CA")
    with pytest.raises(OperationError) as refused:
        refuse_foreign_cas(_project(tmp_path), "s", _ca_state({"ca": root}))
    assert str(refused.value) == _unpinned_message("ca", root)


def test_a_pin_folder_lacking_one_ca_of_the_state_is_refused_naming_that_ca(
    tmp_path: Path,
) -> None:
    root, issuing = _ca_pem("Root CA"), _ca_pem("Issuing CA")
    project = _project(tmp_path)
    write_pins(project, "s", _ca_state({"ca": root}))
    with pytest.raises(OperationError) as refused:
        refuse_foreign_cas(project, "s", _ca_state({"ca": root, "issuing": issuing}))
    assert str(refused.value) == _unpinned_message("issuing", issuing)


def test_an_unpinned_adopted_ca_is_refused_by_the_read_only_check(tmp_path: Path) -> None:
    adopted = _ca_pem("Adopted CA")
    with pytest.raises(OperationError) as refused:
        refuse_foreign_cas(_project(tmp_path), "s", _adopted_state(adopted))
    assert str(refused.value) == _unpinned_message("ca", adopted)


def test_every_ca_of_the_state_pinned_passes_the_read_only_check(tmp_path: Path) -> None:
    state = _ca_state({"ca": _ca_pem("Root CA"), "issuing": _ca_pem("Issuing CA")})
    project = _project(tmp_path)
    write_pins(project, "s", state)
    refuse_foreign_cas(project, "s", state)


def test_a_state_with_no_ca_passes_the_read_only_check_without_pins(tmp_path: Path) -> None:
    """Nothing deployed yet: no CA to read, nothing to compare."""
    refuse_foreign_cas(_project(tmp_path), "s", None)


def test_a_foreign_ca_is_named_before_an_unpinned_one() -> None:
    check = _check(pins={"ca": PINNED}, in_state={"ca": OTHER, "issuing": PINNED})
    foreign, unpinned = read_reasons(check, WHERE)
    assert "another CA" in foreign and "has no pin in pins/s/" in unpinned


def _plan_publishing(outputs: dict[str, tuple[object, bool]]) -> dict[str, object]:
    """A plan JSON that changes only outputs: name -> (planned value, sensitive)."""
    return {
        "format_version": "1.2",
        "planned_values": {},
        "resource_changes": [],
        "output_changes": {
            name: {"actions": ["update"], "after": value, "after_sensitive": sensitive}
            for name, (value, sensitive) in outputs.items()
        },
        "configuration": {"root_module": {"outputs": {name: {} for name in outputs}}},
    }


def test_the_plan_of_a_swapped_adopted_ca_is_refused_naming_the_new_fingerprint(
    tmp_path: Path,
) -> None:
    pinned = _ca_pem("Adopted CA")
    swapped = _ca_pem("Another CA")
    state = _adopted_state(pinned)
    project = _project(tmp_path)
    write_pins(project, "s", state)
    document = _plan_publishing(
        {
            "ca": ({"cert_pem": swapped, "serial": "1"}, False),
            # Neither a service's certificate nor a sensitive output is a CA the pins judge.
            "service_web": ({"cert_pem": _ca_pem("Service"), "serial": "2"}, False),
            "other": ({"cert_pem": _ca_pem("Hidden"), "serial": "3"}, True),
        }
    )
    check = pin_check(project, summarize_plan("s", document), state)
    (reason,) = _reasons(check)
    assert f"as {fingerprint(pinned)} (planned: {fingerprint(swapped)})" in reason
    assert check.planned == {"ca": fingerprint(swapped)}
    assert _reasons(check, allow=True) == []


# --initial in a run of several stacks (item 13): it applies to the stacks with no pin.


def _pinned(root: Path, *stacks: str) -> Project:
    for stack in stacks:
        folder = root / "pins" / stack
        folder.mkdir(parents=True)
        (folder / "ca-crt.pem").write_text(_ca_pem(stack))
    return _project(root)


def test_initial_is_refused_when_the_only_stack_has_a_pin(tmp_path: Path) -> None:
    with pytest.raises(OperationError, match="stack 'a' already has a CA pinned"):
        refuse_initial_when_pinned(_pinned(tmp_path, "a"), ["a"])


def test_initial_is_refused_when_every_stack_has_a_pin(tmp_path: Path) -> None:
    with pytest.raises(OperationError, match="every stack already has a CA pinned"):
        refuse_initial_when_pinned(_pinned(tmp_path, "a", "b"), ["a", "b"])


def test_initial_is_allowed_for_a_new_stack_beside_a_pinned_one(tmp_path: Path) -> None:
    refuse_initial_when_pinned(_pinned(tmp_path, "a"), ["a", "b"])


def test_a_pin_file_that_is_not_utf8_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    project = Project(root=tmp_path, tools=tmp_path)
    folder = pin_dir(project, "s")
    folder.mkdir(parents=True)
    (folder / "ca-crt.pem").write_bytes(b"\xff\xfe not a certificate")
    with pytest.raises(OperationError, match=r"ca-crt.pem holds no PEM certificate; expected"):
        load_pins(project, "s")
