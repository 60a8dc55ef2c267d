"""The ledger format (constructs/ledger.py): parse, validate, serialise; one test per rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ca_constructs.ledger import (
    Entry,
    Ledger,
    key_version_input,
    parse_ledger,
    parse_serial,
    read_ledger_file,
    record_input,
    serialise,
)

WHERE = "revocations/internal-ca.json"
STACK = "internal-ca"


def entry(**changes: object) -> dict[str, object]:
    item: dict[str, object] = {
        "ca": "ca",
        "serial": "4FAF003F016DF5EAB197E9FA4F82F786",
        "service": "wiki",
        "revoked_at": "2026-12-01T09:30:00Z",
        "reason": "key_compromise",
        "live": True,
    }
    item.update(changes)
    return item


def document(*entries: dict[str, object], **top: object) -> str:
    body: dict[str, object] = {"format": 1, "stack": STACK, "revoked": list(entries)}
    body.update(top)
    return json.dumps(body)


def parse(text: str) -> Ledger:
    return parse_ledger(text, WHERE, STACK)


def test_round_trip_is_stable_and_one_line_per_entry() -> None:
    ledger = parse(document(entry(), entry(serial="0A", revoked_at="2026-11-01T00:00:00Z")))
    text = serialise(ledger)
    assert parse(text) == ledger
    assert serialise(parse(text)) == text
    lines = [line for line in text.splitlines() if '"serial"' in line]
    assert len(lines) == 2
    assert '"0A"' in lines[0]  # ordered by revocation time: a new entry is a new last line


def test_empty_ledger_serialises_and_parses() -> None:
    assert parse(serialise(Ledger(STACK))) == Ledger(STACK)


def test_missing_file_is_an_empty_ledger(tmp_path: Path) -> None:
    assert read_ledger_file(tmp_path / "none.json", STACK) == Ledger(STACK)


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"serial": "4faf"}, r"entry 0: field 'serial' value '4faf' .*upper-case hex"),
        ({"serial": "4F:AF"}, r"entry 0: field 'serial' value '4F:AF'"),
        ({"serial": "00AF"}, r"entry 0: field 'serial' value '00AF' .*leading zeros.* \(AF\)"),
        ({"serial": "ABC"}, r"entry 0: field 'serial' value 'ABC'"),
        ({"reason": "keyCompromise"}, r"field 'reason' value 'keyCompromise' .*key_compromise"),
        ({"ca": "CA"}, r"entry 0: field 'ca' value 'CA' is not valid; expected a CA id"),
        ({"service": "Web_1"}, r"entry 0: field 'service' value 'Web_1'"),
        (
            {"revoked_at": "2026-12-01 09:30"},
            r"field 'revoked_at' value '2026-12-01 09:30'.*RFC 3339",
        ),
        ({"revoked_at": "2026-12-01T09:30:00+01:00"}, r"field 'revoked_at'.*in UTC"),
        (
            {"live": "yes"},
            r"entry 0: field 'live' value 'yes' is not valid; expected true or false",
        ),
        ({"reasn": "x"}, r"entry 0: field 'reasn' is not known"),
        ({"serial": 12}, r"entry 0: field 'serial' value 12 is not valid; expected a string"),
    ],
)
def test_bad_entry_field_is_named(changes: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match) as raised:
        parse(document(entry(**changes)))
    assert str(raised.value).startswith(WHERE)


def test_missing_field_is_named() -> None:
    item = entry()
    del item["reason"]
    with pytest.raises(ValueError, match=r"entry 0: field 'reason' is missing"):
        parse(document(item))


def test_duplicate_serial_of_one_ca_is_refused_with_both_positions() -> None:
    with pytest.raises(
        ValueError, match=r"entry 1: serial 4FAF.* listed again \(first at entry 0\)"
    ):
        parse(document(entry(), entry(reason="superseded")))


def test_same_serial_under_two_cas_is_two_entries() -> None:
    assert len(parse(document(entry(), entry(ca="issuing"))).entries) == 2


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("{", r"not valid JSON \(line 1"),
        ("[]", r"not a JSON object"),
        (document(format=2), r"field 'format' value 2 is not valid; expected 1"),
        (document(stack="other"), r"field 'stack' value 'other' .*expected 'internal-ca'"),
        (document(revoked={}), r"field 'revoked' value \{\} is not valid; expected a list"),
        (document(extra=1), r"field 'extra' is not known"),
    ],
)
def test_bad_document_is_named(text: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        parse(text)


def test_add_refuses_a_serial_already_revoked() -> None:
    ledger = parse(document(entry()))
    again = Entry(
        "ca",
        "4FAF003F016DF5EAB197E9FA4F82F786",
        "wiki",
        "2026-12-02T00:00:00Z",
        "superseded",
        False,
    )
    with pytest.raises(
        ValueError, match=r"already revoked \(key_compromise, at 2026-12-01T09:30:00Z\)"
    ):
        ledger.add(again)


def test_add_keeps_time_order() -> None:
    ledger = parse(document(entry()))
    earlier = Entry("ca", "0B", "web", "2026-01-01T00:00:00Z", "superseded", False)
    assert [item.serial for item in ledger.add(earlier).entries] == ["0B", ledger.entries[0].serial]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("4faf", "4FAF"), ("4F:AF", "4FAF"), ("0x0a", "0A"), ("a", "0A"), ("00ff", "FF")],
)
def test_typed_serials_are_made_canonical(text: str, expected: str) -> None:
    assert parse_serial(text) == expected


@pytest.mark.parametrize(
    ("text", "match"),
    [("xyz", "is not hex"), ("", "is not hex"), ("00", "is zero"), ("F" * 41, "longer than 20")],
)
def test_malformed_typed_serials_are_refused(text: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        parse_serial(text)


def test_key_version_input_only_for_live_revocations_of_that_service() -> None:
    ledger = parse(
        document(
            entry(),
            entry(serial="0A", live=False),
            entry(serial="0B", service="web", revoked_at="2026-12-02T00:00:00Z"),
        )
    )
    assert key_version_input(ledger, "wiki") == {
        "revoked": [{"serial": "4FAF003F016DF5EAB197E9FA4F82F786", "reason": "key_compromise"}]
    }
    assert key_version_input(ledger, "other") == {}


def test_record_input_lists_every_entry_sorted() -> None:
    ledger = parse(document(entry(), entry(ca="issuing", serial="0A", live=False)))
    assert record_input(ledger) == {
        "entries": ["ca/4FAF003F016DF5EAB197E9FA4F82F786", "issuing/0A"]
    }


def test_a_ledger_that_is_not_utf8_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "internal-ca.json"
    path.write_bytes(b'{"format": 1, "stack": "\xff"}')
    with pytest.raises(ValueError, match=r"internal-ca.json: is not UTF-8 text; expected"):
        read_ledger_file(path, STACK)
