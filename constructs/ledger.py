"""The revocation ledger's file format: one committed JSON file per stack, revocations/<stack>.json.

The file is a contract between synth and operations. Synth reads it to re-key a service whose
live certificate was revoked and to record the ledger's entries in state (so a plan shows an
entry removed); `internal-ca revoke` writes it; `internal-ca crl` signs it. All three parse
and write it here, so they can never disagree on a field. No cdktf here: the CLI imports it
without starting jsii.

The format, chosen to be reviewed in a pull request like the CA pin:

    {
      "format": 1,
      "stack": "internal-ca",
      "revoked": [
        {"ca": "ca", "serial": "4FAF003F016DF5EAB197E9FA4F82F786", "service": "wiki", ...}
      ]
    }

One line per entry, entries ordered by revocation time (then CA and serial), so a revocation
is one added line at the end of the list in a diff. Serials are hex as `openssl x509 -serial`
prints them (upper case, an even number of digits, no colons). Times are RFC 3339 in UTC with
whole seconds. Unknown fields are refused, so a typo cannot silently drop a reason.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from . import naming
from .lifetimes import utc_text

FORMAT = 1
REASONS: Mapping[str, int] = {
    "unspecified": 0,
    "key_compromise": 1,
    "ca_compromise": 2,
    "affiliation_changed": 3,
    "superseded": 4,
    "cessation_of_operation": 5,
}
"""The RFC 5280 (5.3.1) reason codes this CA uses, by the name the ledger and CLI use."""

MAX_SERIAL_OCTETS = 20
"""RFC 5280 4.1.2.2: a serial number is at most 20 octets."""

KEY_VERSION_FIELD = "revoked"
"""The key of the revoked live serials in a service's key_version terraform_data input."""
RECORD_FIELD = "entries"
"""The key of the ledger's entries ("ca/SERIAL") in the revocation record's input."""

_HEX_SERIAL = re.compile(r"^(?:[0-9A-F]{2}){1,20}$")
_TIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")
_FIELDS = ("ca", "serial", "service", "revoked_at", "reason", "live")
_TOP_FIELDS = ("format", "stack", "revoked")


def canonical_serial(value: int) -> str:
    """A serial as openssl prints it: upper-case hex with an even number of digits."""
    digits = f"{value:X}"
    return digits if len(digits) % 2 == 0 else "0" + digits


def parse_serial(text: str) -> str:
    """A serial typed by a person (any case, colons or a 0x prefix allowed), made canonical.

    Raises ValueError naming the value and what is expected.
    """
    expected = (
        "expected a certificate serial in hex as `openssl x509 -serial` prints it "
        "(e.g. 4FAF003F016DF5EAB197E9FA4F82F786), at most 20 octets"
    )
    cleaned = text.strip().replace(":", "")
    if cleaned[:2].lower() == "0x":
        cleaned = cleaned[2:]
    if not cleaned or not re.fullmatch(r"[0-9A-Fa-f]+", cleaned):
        raise ValueError(f"serial {text!r} is not hex; {expected}")
    value = int(cleaned, 16)
    if value == 0:
        raise ValueError(f"serial {text!r} is zero; {expected}")
    serial = canonical_serial(value)
    if len(serial) > 2 * MAX_SERIAL_OCTETS:
        raise ValueError(f"serial {text!r} is longer than 20 octets; {expected}")
    return serial


def format_time(moment: dt.datetime) -> str:
    """RFC 3339 in UTC with whole seconds, the only form the ledger holds."""
    return utc_text(moment)


def parse_time(text: str) -> dt.datetime:
    """The inverse of format_time; raises ValueError for any other form."""
    if not _TIME.match(text):
        raise ValueError(text)
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Entry:
    """One revoked certificate, identified by its issuing CA and serial."""

    ca: str
    serial: str
    service: str
    revoked_at: str
    reason: str
    live: bool
    """It was the service's current certificate when revoked: the next plan re-keys it."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.ca, self.serial)

    @property
    def record_item(self) -> str:
        return f"{self.ca}/{self.serial}"

    @property
    def revocation_time(self) -> dt.datetime:
        return parse_time(self.revoked_at)

    def as_json(self) -> dict[str, object]:
        return {
            "ca": self.ca,
            "serial": self.serial,
            "service": self.service,
            "revoked_at": self.revoked_at,
            "reason": self.reason,
            "live": self.live,
        }


def _order(entry: Entry) -> tuple[str, str, str]:
    return (entry.revoked_at, entry.ca, entry.serial)


@dataclass(frozen=True)
class Ledger:
    """A stack's revocations; `entries` are in the file's order (time, CA, serial)."""

    stack: str
    entries: tuple[Entry, ...] = ()

    def find(self, ca: str, serial: str) -> Entry | None:
        return next((entry for entry in self.entries if entry.key == (ca, serial)), None)

    def add(self, entry: Entry) -> Ledger:
        """The ledger with `entry`; refused if that CA's serial is revoked already."""
        check_entry(entry, f"new entry for {self.stack!r}")
        found = self.find(entry.ca, entry.serial)
        if found is not None:
            raise ValueError(
                f"serial {entry.serial} of CA {entry.ca!r} is already revoked "
                f"({found.reason}, at {found.revoked_at}); expected a serial not in "
                f"{naming.ledger_file(self.stack)}"
            )
        return replace(self, entries=tuple(sorted((*self.entries, entry), key=_order)))

    def for_ca(self, ca: str) -> tuple[Entry, ...]:
        return tuple(entry for entry in self.entries if entry.ca == ca)

    def live_for(self, service: str) -> tuple[Entry, ...]:
        """Entries that revoked `service`'s then-current certificate: they force a new key."""
        return tuple(entry for entry in self.entries if entry.service == service and entry.live)

    def record(self) -> list[str]:
        """What state keeps of the ledger: every entry as "ca/SERIAL", sorted."""
        return sorted(entry.record_item for entry in self.entries)


def revoking_a_ca(serial: str, ca: str, root: bool) -> str:
    """Why an entry for a CA's own certificate is refused, and what to do instead."""
    what = "the root" if root else "an intermediate"
    instead = (
        "rotate the CA instead (README: Replacing the CA on purpose)"
        if root
        else f"replace the intermediate instead (a new IntermediateCa id re-issues every "
        f"certificate under {ca!r}; README: Intermediate CA)"
    )
    return (
        f"serial {serial} is CA {ca!r}'s own certificate ({what}); revoking a CA is not "
        f"supported (its CRL would revoke the CA and every client would refuse its chains): "
        f"{instead}"
    )


def check_cas(ledger: Ledger, cas: Mapping[str, str | None]) -> None:
    """Refuse an entry naming a CA the stack does not have, or revoking a CA's own certificate.

    `cas` maps each CA id of the stack to the serial of its self-signed certificate when synth
    knows it (an ExistingCa's file), else None. Raises ValueError naming the file, the entry,
    the field, the value and what is expected.
    """
    where = naming.ledger_file(ledger.stack)
    for entry in ledger.entries:
        at = f"{where}: the entry for serial {entry.serial} (service {entry.service!r})"
        if entry.ca not in cas:
            raise ValueError(
                f"{at}: field 'ca' value {entry.ca!r} is not a CA of stack {ledger.stack!r}; "
                f"expected one of {sorted(cas)}"
            )
        if cas[entry.ca] == entry.serial:
            raise ValueError(f"{at}: {revoking_a_ca(entry.serial, entry.ca, root=True)}")


def key_version_input(ledger: Ledger, service: str) -> dict[str, object]:
    """What a service's key_version input gains: nothing unless a live serial was revoked.

    Only when non-empty, so every other service's input, and so its key, stays as it was.
    """
    live = ledger.live_for(service)
    if not live:
        return {}
    return {KEY_VERSION_FIELD: [{"serial": entry.serial, "reason": entry.reason} for entry in live]}


def record_input(ledger: Ledger) -> dict[str, object]:
    """The revocation record's input: the ledger's entries, so state remembers each one."""
    return {RECORD_FIELD: ledger.record()}


def check_entry(entry: Entry, where: str) -> Entry:
    """Raise ValueError naming the field, its value and what is expected."""

    def bad(name: str, value: object, expected: str) -> ValueError:
        return ValueError(f"{where}: field {name!r} value {value!r} is not valid; {expected}")

    try:
        naming.ca_names(entry.ca)
    except ValueError:
        raise bad("ca", entry.ca, "expected a CA id of the stack (e.g. 'ca')") from None
    if not isinstance(entry.serial, str) or not _HEX_SERIAL.match(entry.serial):
        raise bad(
            "serial",
            entry.serial,
            "expected upper-case hex with an even number of digits, as `openssl x509 -serial` "
            "prints it (e.g. 4FAF003F016DF5EAB197E9FA4F82F786)",
        )
    if canonical_serial(int(entry.serial, 16)) != entry.serial or int(entry.serial, 16) == 0:
        raise bad(
            "serial",
            entry.serial,
            f"expected it without extra leading zeros, as openssl prints it "
            f"({canonical_serial(int(entry.serial, 16))})",
        )
    try:
        naming.service_names(entry.service)
    except ValueError:
        raise bad("service", entry.service, "expected a service id (e.g. 'passwords')") from None
    try:
        parse_time(entry.revoked_at if isinstance(entry.revoked_at, str) else "")
    except ValueError:
        raise bad(
            "revoked_at",
            entry.revoked_at,
            "expected an RFC 3339 time in UTC with whole seconds (e.g. 2026-12-01T09:30:00Z)",
        ) from None
    if entry.reason not in REASONS:
        raise bad("reason", entry.reason, f"expected one of {', '.join(REASONS)}")
    if not isinstance(entry.live, bool):
        raise bad("live", entry.live, "expected true or false")
    return entry


def parse_ledger(text: str, where: str, stack: str) -> Ledger:
    """The ledger in `text` (the file `where`) of `stack`; ValueError names entry and field."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"{where}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}); "
            "expected the revocation ledger written by `internal-ca revoke`"
        ) from None
    if not isinstance(document, dict):
        raise ValueError(f"{where}: the document is not a JSON object; expected {{...}}")
    unknown = sorted(set(document) - set(_TOP_FIELDS))
    if unknown:
        raise ValueError(
            f"{where}: field {unknown[0]!r} is not known; expected only {', '.join(_TOP_FIELDS)}"
        )
    if document.get("format") != FORMAT:
        raise ValueError(
            f"{where}: field 'format' value {document.get('format')!r} is not valid; "
            f"expected {FORMAT}"
        )
    if document.get("stack") != stack:
        raise ValueError(
            f"{where}: field 'stack' value {document.get('stack')!r} is not valid; expected "
            f"{stack!r}, the stack this file belongs to"
        )
    items = document.get("revoked")
    if not isinstance(items, list):
        raise ValueError(
            f"{where}: field 'revoked' value {items!r} is not valid; expected a list of entries"
        )
    entries: list[Entry] = []
    seen: dict[tuple[str, str], int] = {}
    for index, item in enumerate(items):
        at = f"{where}: entry {index}"
        entry = _entry(item, at)
        if entry.key in seen:
            raise ValueError(
                f"{at}: serial {entry.serial} of CA {entry.ca!r} is listed again (first at entry "
                f"{seen[entry.key]}); expected each revoked certificate once"
            )
        seen[entry.key] = index
        entries.append(entry)
    return Ledger(stack, tuple(sorted(entries, key=_order)))


def _entry(item: object, at: str) -> Entry:
    if not isinstance(item, dict):
        raise ValueError(f"{at}: value {item!r} is not valid; expected an object")
    unknown = sorted(set(item) - set(_FIELDS))
    if unknown:
        raise ValueError(f"{at}: field {unknown[0]!r} is not known; expected {', '.join(_FIELDS)}")
    missing = [name for name in _FIELDS if name not in item]
    if missing:
        raise ValueError(f"{at}: field {missing[0]!r} is missing; expected {', '.join(_FIELDS)}")
    for name in ("ca", "serial", "service", "revoked_at", "reason"):
        if not isinstance(item[name], str):
            raise ValueError(
                f"{at}: field {name!r} value {item[name]!r} is not valid; expected a string"
            )
    return check_entry(Entry(**{name: item[name] for name in _FIELDS}), at)


def serialise(ledger: Ledger) -> str:
    """The file's text: stable, one line per entry, in time order; parse_ledger reads it back."""
    lines = [
        "{",
        f'  "format": {FORMAT},',
        f'  "stack": {json.dumps(ledger.stack)},',
    ]
    entries = sorted(ledger.entries, key=_order)
    if not entries:
        lines.append('  "revoked": []')
    else:
        lines.append('  "revoked": [')
        rows = [json.dumps(entry.as_json(), ensure_ascii=True) for entry in entries]
        lines += [f"    {row}," for row in rows[:-1]] + [f"    {rows[-1]}"]
        lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def read_ledger_file(path: Path, stack: str) -> Ledger:
    """The ledger at `path`; a missing file is an empty ledger (nothing revoked yet)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Ledger(stack)
    except OSError as error:
        raise ValueError(f"{path}: cannot be read ({error.strerror})") from None
    except UnicodeDecodeError:
        raise ValueError(
            f"{path}: is not UTF-8 text; expected the JSON ledger `internal-ca revoke` writes"
        ) from None
    return parse_ledger(text, str(path), stack)
