"""The CA pin rules: pure functions over pins, the CAs in state, and what the plan does."""

from __future__ import annotations

from internal_ca.certs.pins import PinCheck, pin_reasons

PINNED = "AA:BB"
OTHER = "CC:DD"
WHERE = "pins/s/"


def _check(
    *,
    pins: dict[str, str] | None = None,
    in_state: dict[str, str] | None = None,
    created: frozenset[str] = frozenset(),
    replaced: frozenset[str] = frozenset(),
) -> PinCheck:
    return PinCheck("s", pins or {}, in_state or {}, created, replaced)


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
