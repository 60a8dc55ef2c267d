"""From allow-listed resource changes to one row per service and one per CA.

The stacks use stable addresses (see ca_constructs.naming): a service NAME is
`tls_locally_signed_cert.NAME` with `tls_cert_request.NAME`, `tls_private_key.NAME` and
`terraform_data.NAME_key_version`; a CA NAME is `tls_self_signed_cert.NAME` (or a locally signed
cert with is_ca_certificate) with `tls_private_key.NAME`.

hashicorp/tls replaces a certificate when a PEM input changes and the text in state is a
well-formed PEM block, and updates it in place otherwise. New PEM text is not always a new
CA: an adopted CA key re-encoded from PKCS#8 to PKCS#1 is the same key (ExistingCa's
postcondition holds it to the unchanged certificate). So a row says "caused by a CA change"
only when the CA certificate it is signed with changes, or a CA of the stack is replaced.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from ca_constructs import naming
from internal_ca.plan.fields import Change, DataInput, OutputChange, read_changes, read_outputs

_SUBJECT_LABELS = {
    "country": "C",
    "province": "ST",
    "locality": "L",
    "organization": "O",
    "organizational_unit": "OU",
    "common_name": "CN",
    "street_address": "street",
    "postal_code": "postalCode",
    "serial_number": "serialNumber",
    "email_address": "emailAddress",
}
_SAN_KINDS = (("dns_names", "DNS"), ("ip_addresses", "IP"), ("uris", "URI"))


class Action(StrEnum):
    """What happens to a service certificate, in the users' words."""

    ISSUE = "issue"
    REISSUE = "re-issue"
    RENEW = "renew"
    REKEY = "re-key"
    REMOVE = "remove"
    UNCHANGED = "unchanged"


ACTION_ORDER = tuple(Action)


class Why(StrEnum):
    """Kinds of reasons; the text beside each says what exactly changed."""

    NEW = "new"
    REMOVED = "removed"
    SANS = "sans"
    SUBJECT = "subject"
    VALIDITY = "validity"
    USAGES = "usages"
    RENEWAL = "renewal"
    RENEWAL_SETTING = "renewal-setting"
    KEY_ROTATION = "key-rotation"
    REVOKED = "revoked"
    KEY_CHANGED = "key-changed"
    CA_CHANGE = "ca-change"
    PEM_TEXT = "pem-text"
    REQUESTED = "requested"
    OTHER = "other"


@dataclass(frozen=True)
class Reason:
    why: Why
    text: str


@dataclass(frozen=True)
class ServiceRow:
    """One service certificate: the action, why, its names after the change, its current cert."""

    service: str
    action: Action
    reasons: tuple[Reason, ...]
    sans: tuple[str, ...] | None
    subject: str | None
    expiry: str | None = None
    serial: str | None = None
    revoked: tuple[str, ...] = ()
    """Serials of this service's certificates the ledger revoked while they were live."""

    def has(self, why: Why) -> bool:
        return any(reason.why is why for reason in self.reasons)


@dataclass(frozen=True)
class CaRow:
    """One CA: what happens to its key and certificate, and how many leaves that re-issues."""

    name: str
    key_action: str
    cert_action: str
    reasons: tuple[Reason, ...]
    subject: str | None
    expiry: str | None = None
    serial: str | None = None
    reissues: int = 0
    blocked: tuple[str, ...] = ()

    @property
    def replaced(self) -> bool:
        """Destroyed or replaced: every certificate it signed stops being trusted."""
        return bool({self.key_action, self.cert_action} & {"replace", "remove"})

    @property
    def changed(self) -> bool:
        return self.key_action != "unchanged" or self.cert_action != "unchanged"


@dataclass(frozen=True)
class OtherChange:
    address: str
    action: str


class OutputAction(StrEnum):
    """What happens to a root output."""

    ADD = "add"
    CHANGE = "change"
    REMOVE = "remove"
    UNCHANGED = "unchanged"


_OUTPUT_ACTIONS = {
    "create": OutputAction.ADD,
    "update": OutputAction.CHANGE,
    "replace": OutputAction.CHANGE,
    "delete": OutputAction.REMOVE,
}


@dataclass(frozen=True)
class OutputRow:
    """One root output, by name: of its value only a CA's planned certificate is kept.

    `key_sources` name where its value gets a private key (a reference, or a chain such as
    `local.k <- tls_private_key.ca.private_key_pem`); `key_material` says whether its planned
    value holds a PEM private key; `untraced` name references that only the synthesized stack
    could follow, when it was not at hand (`--plan-json`), so any of them may carry a key. All
    matter only when it is not sensitive. `ca_cert_pem` is a CA output's planned certificate
    when known at plan time, for the CA pins only.
    """

    name: str
    action: OutputAction
    sensitive: bool
    key_sources: tuple[str, ...] = ()
    key_material: bool = False
    untraced: tuple[str, ...] = ()
    ca_cert_pem: str | None = dataclasses.field(default=None, repr=False)

    @property
    def holds_private_key(self) -> bool:
        """Whether its value holds, or may hold, a private key."""
        return bool(self.key_sources) or self.key_material or bool(self.untraced)


@dataclass(frozen=True)
class LedgerChange:
    """The revocation record in state: its entries ("ca/SERIAL") before and after the plan."""

    before: frozenset[str]
    after: frozenset[str]

    @property
    def added(self) -> tuple[str, ...]:
        return tuple(sorted(self.after - self.before))

    @property
    def removed(self) -> tuple[str, ...]:
        """Entries the plan drops: certificates that would be trusted again."""
        return tuple(sorted(self.before - self.after))

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def revokes(self, serial: str) -> bool:
        """Whether the ledger (after the plan) revokes this serial under any CA."""
        return any(item.endswith("/" + serial) for item in self.after)


@dataclass(frozen=True)
class Summary:
    """A stack's plan, certificate by certificate."""

    stack: str
    cas: tuple[CaRow, ...]
    services: tuple[ServiceRow, ...]
    others: tuple[OtherChange, ...] = ()
    complete: bool = True
    note: str = ""
    outputs: tuple[OutputRow, ...] = ()
    """Every root output, unchanged ones included: an old leak leaks again at every apply."""
    ledger: LedgerChange | None = None
    """The revocation record; None when the stack has never had a revocation."""

    @property
    def changed_outputs(self) -> tuple[OutputRow, ...]:
        """Added, changed and removed outputs, in name order."""
        return tuple(row for row in self.outputs if row.action is not OutputAction.UNCHANGED)

    def counts(self) -> dict[Action, int]:
        counts = dict.fromkeys(ACTION_ORDER, 0)
        for row in self.services:
            counts[row.action] += 1
        return counts

    @property
    def nothing_to_do(self) -> bool:
        return (
            self.complete
            and not self.others
            and not self.changed_outputs
            and not (self.ledger is not None and self.ledger.changed)
            and not any(ca.changed for ca in self.cas)
            and all(row.action is Action.UNCHANGED and not row.reasons for row in self.services)
        )


def serial_hex(decimal: str | None) -> str | None:
    """A decimal serial (the cert resource's id) as `openssl x509 -serial` prints it."""
    if decimal is None:
        return None
    digits = format(int(decimal), "X")
    return digits if len(digits) % 2 == 0 else "0" + digits


def subject_text(pairs: object) -> str | None:
    if not isinstance(pairs, tuple):
        return None
    return ", ".join(f"{_SUBJECT_LABELS.get(name, name)}={value}" for name, value in pairs)


def _period(hours: object) -> str:
    if not isinstance(hours, int):
        return "?"
    if hours % 24 == 0:
        days = hours // 24
        return f"{days} day" + ("" if days == 1 else "s")
    return f"{hours} hours"


def _names(values: object) -> str:
    if not isinstance(values, tuple):
        return "(unknown)"
    return ", ".join(str(value) for value in values) if values else "(none)"


def _sans(values: Mapping[str, object]) -> tuple[str, ...] | None:
    found: list[str] = []
    for key, label in _SAN_KINDS:
        if key not in values:
            return None
        items = values[key]
        if isinstance(items, tuple):
            found.extend(f"{label}:{item}" for item in items)
    return tuple(found)


def _diff(before: object, after: object) -> str:
    """`a, b -> a, c (added c; removed b)` for two lists of names."""
    old = before if isinstance(before, tuple) else ()
    new = after if isinstance(after, tuple) else ()
    added = [item for item in new if item not in old]
    removed = [item for item in old if item not in new]
    parts = []
    if added:
        parts.append("added " + ", ".join(str(item) for item in added))
    if removed:
        parts.append("removed " + ", ".join(str(item) for item in removed))
    detail = f" ({'; '.join(parts)})" if parts else " (order changed)"
    return f"{_names(before)} -> {_names(after)}{detail}"


def _known_change(change: Change | None, key: str) -> tuple[object, object] | None:
    """(before, after) when both are known and differ."""
    if change is None or key not in change.before or key not in change.after:
        return None
    before, after = change.before[key], change.after[key]
    return None if before == after else (before, after)


def _key_params_changed(key: Change) -> bool:
    return any(_known_change(key, name) for name in ("algorithm", "ecdsa_curve", "rsa_bits"))


def _key_text(values: Mapping[str, object]) -> str:
    algorithm = values.get("algorithm")
    if algorithm == "RSA":
        return f"RSA {values.get('rsa_bits', '?')}"
    if algorithm == "ECDSA":
        return f"ECDSA {values.get('ecdsa_curve', '?')}"
    return str(algorithm) if algorithm else "?"


def _content_reasons(names: Change | None, cert: Change | None) -> list[Reason]:
    """SANs, subject, validity and usages that differ between before and after."""
    reasons: list[Reason] = []
    for key, label in _SAN_KINDS:
        diff = _known_change(names, key)
        if diff:
            reasons.append(Reason(Why.SANS, f"{label} SANs: {_diff(*diff)}"))
    diff = _known_change(names, "subject")
    if diff:
        before, after = (subject_text(value) for value in diff)
        reasons.append(Reason(Why.SUBJECT, f"subject: {before} -> {after}"))
    diff = _known_change(cert, "validity_period_hours")
    if diff:
        before, after = (_period(value) for value in diff)
        reasons.append(Reason(Why.VALIDITY, f"validity: {before} -> {after}"))
    diff = _known_change(cert, "allowed_uses")
    if diff:
        reasons.append(Reason(Why.USAGES, f"usages: {_diff(*diff)}"))
    return reasons


def _inputs(version: Change | None) -> tuple[DataInput, DataInput] | None:
    found = _known_change(version, "input")
    if found is None:
        return None
    before, after = found
    if isinstance(before, DataInput) and isinstance(after, DataInput):
        return before, after
    return None


def _key_reasons(key: Change | None, version: Change | None) -> list[Reason]:
    if key is None or key.kind != "replace":
        return []
    versions = _inputs(version)
    if versions:
        before, after = versions
        reasons = [
            Reason(Why.REVOKED, f"serial {serial} revoked ({reason})")
            for serial, reason in after.revoked
            if (serial, reason) not in before.revoked
        ]
        if before.version != after.version:
            reasons.append(
                Reason(
                    Why.KEY_ROTATION,
                    f"key rotation requested (key_version {before.version} -> {after.version})",
                )
            )
        if reasons:
            return reasons
    if key.action_reason == "replace_by_triggers":
        return [Reason(Why.KEY_ROTATION, "key rotation requested")]
    if _key_params_changed(key):
        return [Reason(Why.KEY_CHANGED, f"key: {_key_text(key.before)} -> {_key_text(key.after)}")]
    if key.action_reason == "replace_because_tainted":
        return [Reason(Why.KEY_CHANGED, "key marked tainted")]
    if key.action_reason == "replace_by_request":
        return [Reason(Why.REQUESTED, "key replacement requested (-replace)")]
    return [Reason(Why.KEY_CHANGED, "new key")]


def _issuer_reasons(cert: Change, ca_key_replaced: bool, issuer: str) -> list[Reason]:
    """Why a locally signed cert's CA inputs changed: a new CA, or new text for the same one.

    `issuer` is how the row names its CA ("CA", or "issuing CA" for an intermediate). While
    a CA key of the stack is replaced, new CA key text is never called "the same CA".
    """
    changed = cert.replace_paths | cert.changed_pems
    in_place = cert.kind == "update"
    if "ca_cert_pem" in changed:
        if in_place:
            return [
                Reason(
                    Why.PEM_TEXT,
                    f"update in place: {issuer} certificate PEM text changed (certificate kept, "
                    "not re-signed)",
                )
            ]
        cause = "a CA change" if issuer == "CA" else "a change to its issuing CA"
        return [Reason(Why.CA_CHANGE, f"caused by {cause}")]
    if "ca_private_key_pem" not in changed:
        return []
    if ca_key_replaced and not in_place:
        return [Reason(Why.CA_CHANGE, "caused by a CA change")]
    text = f"{issuer} key PEM text changed (same {issuer} certificate"
    if in_place:
        return [Reason(Why.PEM_TEXT, f"update in place: {text}; certificate kept)")]
    return [Reason(Why.PEM_TEXT, text + ")")]


def _key_text_reasons(names: Change | None, key: Change | None) -> list[Reason]:
    """The CSR is re-made because its key's PEM text changed, while the key itself stays."""
    if names is None or names.kind != "replace" or (key is not None and key.kind != "no-op"):
        return []
    if "private_key_pem" not in names.replace_paths | names.changed_pems:
        return []
    return [Reason(Why.PEM_TEXT, "key PEM text changed (same key)")]


def _in_place_reasons(cert: Change) -> list[Reason]:
    """Changed PEM inputs that the provider updates in place (the text in state was no PEM)."""
    if "cert_request_pem" not in cert.changed_pems:
        return []
    return [Reason(Why.PEM_TEXT, "update in place: CSR PEM text changed (certificate kept)")]


def _replace_reasons(
    cert: Change,
    names: Change | None,
    key: Change | None,
    key_reasons: list[Reason],
    ca: _CaState,
) -> tuple[Action, list[Reason]]:
    reasons = list(key_reasons)
    reasons += _content_reasons(names, cert)
    paths = cert.replace_paths
    issuer = _issuer_reasons(cert, ca.key_replaced, "CA")
    if not issuer and ca.replaced and not paths:
        issuer = [Reason(Why.CA_CHANGE, "caused by a CA change")]
    reasons += issuer
    if not reasons:
        reasons += _key_text_reasons(names, key)
    if paths == {"ready_for_renewal"}:
        expiry = cert.before.get("validity_end_time")
        suffix = f" (expires {expiry})" if expiry else ""
        return Action.RENEW, [Reason(Why.RENEWAL, "renewal window reached" + suffix)]
    if cert.action_reason == "replace_because_tainted":
        reasons.append(Reason(Why.OTHER, "marked tainted"))
    if cert.action_reason == "replace_by_request":
        reasons.append(Reason(Why.REQUESTED, "replacement requested (-replace)"))
    if not reasons:
        changed = ", ".join(sorted(paths)) or "unknown"
        reasons.append(Reason(Why.OTHER, f"Terraform replaces it (changed: {changed})"))
    action = Action.REKEY if key_reasons else Action.REISSUE
    return action, reasons


def _service_row(name: str, found: Mapping[tuple[str, str], Change], ca: _CaState) -> ServiceRow:
    cert = found[(naming.LOCALLY_SIGNED_CERT, name)]
    names = found.get((naming.CERT_REQUEST, name))
    key = found.get((naming.PRIVATE_KEY, name))
    version = found.get((naming.TERRAFORM_DATA, naming.ServiceNames(name).key_version_id))
    kind = cert.kind
    current = names.after if names is not None and kind != "delete" else None
    if current is None and names is not None:
        current = names.before
    sans = _sans(current) if current is not None else None
    subject = subject_text(current.get("subject")) if current is not None else None
    existing = cert.before if kind != "create" else {}
    reasons: list[Reason]
    if kind == "create":
        action, reasons = Action.ISSUE, [Reason(Why.NEW, "new service")]
    elif kind == "delete":
        action, reasons = Action.REMOVE, [Reason(Why.REMOVED, "no longer in the configuration")]
    elif kind == "replace":
        action, reasons = _replace_reasons(cert, names, key, _key_reasons(key, version), ca)
    elif kind == "update":
        action = Action.UNCHANGED
        reasons = _issuer_reasons(cert, ca.key_replaced, "CA") + _in_place_reasons(cert)
        diff = _known_change(cert, "early_renewal_hours")
        if diff:
            before, after = (_period(value) for value in diff)
            reasons.append(
                Reason(
                    Why.RENEWAL_SETTING,
                    f"renew before expiry: {before} -> {after} (certificate kept)",
                )
            )
        elif not reasons:
            reasons.append(Reason(Why.OTHER, "updated in place (certificate kept)"))
    else:
        action, reasons = Action.UNCHANGED, []
    serial = existing.get("id")
    expiry = existing.get("validity_end_time")
    inputs = (version.after or version.before) if version is not None else {}
    marker = inputs.get("input")
    return ServiceRow(
        service=name,
        action=action,
        reasons=tuple(reasons),
        sans=sans,
        subject=subject,
        expiry=expiry if isinstance(expiry, str) else None,
        serial=serial_hex(serial) if isinstance(serial, str) else None,
        revoked=tuple(s for s, _ in marker.revoked) if isinstance(marker, DataInput) else (),
    )


def _ca_action(change: Change | None) -> str:
    if change is None:
        return "unchanged"
    return {
        "create": "create",
        "delete": "remove",
        "replace": "replace",
        "update": "update",
    }.get(change.kind, "unchanged")


def _own_key_text_reasons(cert: Change) -> list[Reason]:
    """A self-signed CA whose key PEM text changed while its key resource stays."""
    if "private_key_pem" not in cert.replace_paths | cert.changed_pems:
        return []
    if cert.kind == "update":
        return [Reason(Why.PEM_TEXT, "update in place: CA key PEM text changed (certificate kept)")]
    return [Reason(Why.PEM_TEXT, "CA key PEM text changed (same key)")]


def _ca_row(
    name: str,
    cert: Change,
    found: Mapping[tuple[str, str], Change],
    blocked: Sequence[str],
    ca_key_replaced: bool,
) -> CaRow:
    key = found.get((naming.PRIVATE_KEY, name))
    reasons: list[Reason] = []
    if key is not None and key.kind in ("replace", "delete"):
        changed = _key_params_changed(key)
        text = (
            f"key: {_key_text(key.before)} -> {_key_text(key.after)}" if changed else "new CA key"
        )
        if key.kind == "delete":
            text = "CA key removed from the configuration"
        reasons.append(Reason(Why.KEY_CHANGED, text))
    self_signed = cert.type == naming.SELF_SIGNED_CERT
    if cert.kind in ("replace", "update") and not self_signed:
        reasons += _issuer_reasons(cert, ca_key_replaced, "issuing CA")
    if cert.kind in ("replace", "update") and self_signed and not reasons:
        reasons += _own_key_text_reasons(cert)
    if cert.kind == "replace":
        reasons += _content_reasons(cert if self_signed else None, cert)
        if cert.replace_paths == {"ready_for_renewal"}:
            reasons.append(Reason(Why.RENEWAL, "renewal window reached"))
    values = cert.after if cert.kind not in ("delete",) and cert.after else cert.before
    existing = cert.before if cert.kind != "create" else {}
    serial = existing.get("id")
    expiry = existing.get("validity_end_time")
    addresses = (cert.address, key.address if key else naming.CaNames(name).key_address)
    return CaRow(
        name=name,
        key_action=_ca_action(key),
        cert_action=_ca_action(cert),
        reasons=tuple(reasons),
        subject=subject_text(values.get("subject")),
        expiry=expiry if isinstance(expiry, str) else None,
        serial=serial_hex(serial) if isinstance(serial, str) else None,
        blocked=tuple(address for address in blocked if address in addresses),
    )


@dataclass(frozen=True)
class _CaState:
    """What the stack's CAs do, as each service row needs it."""

    replaced: bool
    """A CA key or certificate is replaced or removed."""
    key_replaced: bool
    """A CA key is replaced or removed: new CA key text is then a new CA."""


def _is_ca(change: Change) -> bool:
    if change.type == naming.SELF_SIGNED_CERT:
        return True
    return change.type == naming.LOCALLY_SIGNED_CERT and (
        change.before.get("is_ca_certificate") is True
        or change.after.get("is_ca_certificate") is True
    )


def output_row(change: OutputChange) -> OutputRow:
    """An output in the summary's words: name, action, sensitivity and key findings."""
    return OutputRow(
        name=change.name,
        action=_OUTPUT_ACTIONS.get(change.kind, OutputAction.UNCHANGED),
        sensitive=change.sensitive,
        key_sources=change.key_sources,
        key_material=change.key_material,
        untraced=change.untraced,
        ca_cert_pem=change.ca_cert_pem,
    )


def summarize(
    stack: str,
    changes: Iterable[Change],
    blocked: Sequence[str] = (),
    outputs: Iterable[OutputChange] = (),
) -> Summary:
    """Group resource changes into CA rows and service rows, and list the root outputs.

    `blocked` lists the addresses whose prevent_destroy refused the real plan; the changes then
    come from a review-only plan with prevent_destroy lifted (see plan.run).
    """
    found = {(change.type, change.name): change for change in changes}
    ca_certs = [change for change in found.values() if _is_ca(change)]
    ca_names = {change.name for change in ca_certs}
    ca_key_replaced = any(
        _ca_action(found.get((naming.PRIVATE_KEY, name))) in ("replace", "remove")
        for name in ca_names
    )
    ca_rows = [_ca_row(change.name, change, found, blocked, ca_key_replaced) for change in ca_certs]
    ca = _CaState(replaced=any(row.replaced for row in ca_rows), key_replaced=ca_key_replaced)
    service_names = sorted(
        name
        for (type_name, name) in found
        if type_name == naming.LOCALLY_SIGNED_CERT and name not in ca_names
    )
    rows = tuple(_service_row(name, found, ca) for name in service_names)
    reissues = sum(1 for row in rows if row.has(Why.CA_CHANGE))
    cas = tuple(
        dataclasses.replace(row, reissues=reissues) if row.replaced else row
        for row in sorted(ca_rows, key=lambda row: row.name)
    )
    known = {
        tuple(address.split(".", 1))
        for name in service_names
        for address in naming.ServiceNames(name).addresses
    }
    known.add((naming.TERRAFORM_DATA, naming.REVOCATION_RECORD_ID))
    known |= {(change.type, change.name) for change in ca_certs}
    known |= {(naming.PRIVATE_KEY, name) for name in ca_names}
    others = tuple(
        OtherChange(change.address, change.kind)
        for change in sorted(found.values(), key=lambda change: change.address)
        if (change.type, change.name) not in known and change.kind not in ("no-op", "read")
    )
    return Summary(
        stack=stack,
        cas=cas,
        services=rows,
        others=others,
        outputs=tuple(output_row(change) for change in outputs),
        ledger=_ledger_change(found.get((naming.TERRAFORM_DATA, naming.REVOCATION_RECORD_ID))),
    )


def _record(values: Mapping[str, object]) -> frozenset[str] | None:
    value = values.get("input")
    if isinstance(value, DataInput) and value.record is not None:
        return frozenset(value.record)
    return None


def _ledger_change(change: Change | None) -> LedgerChange | None:
    """The record's entries before and after; an unreadable side counts as empty."""
    if change is None:
        return None
    before = _record(change.before) if change.kind != "create" else frozenset()
    after = _record(change.after) if change.kind != "delete" else frozenset()
    return LedgerChange(before or frozenset(), after or frozenset())


def summarize_plan(
    stack: str,
    document: object,
    blocked: Sequence[str] = (),
    key_chains: Mapping[str, Sequence[str]] | None = None,
) -> Summary:
    """The summary of one `terraform show -json` document (parsed JSON).

    `key_chains`: plan.key_flow's findings in the synthesized stack, by output name, when the
    plan was made here (see fields.read_outputs).
    """
    outputs = read_outputs(document, key_chains)
    return summarize(stack, read_changes(document), blocked, outputs)


def blocked_summary(stack: str, addresses: Sequence[str], note: str) -> Summary:
    """What can be said when only the refusal is known (no review plan could be made)."""
    by_name: dict[str, list[str]] = {}
    for address in addresses:
        by_name.setdefault(address.rsplit(".", 1)[-1], []).append(address)
    cas = tuple(
        CaRow(
            name=name,
            key_action="replace" if naming.CaNames(name).key_address in found else "unchanged",
            cert_action="replace"
            if any(a != naming.CaNames(name).key_address for a in found)
            else "unchanged",
            reasons=(Reason(Why.OTHER, "prevent_destroy refused a plan that replaces it"),),
            subject=None,
            blocked=tuple(found),
        )
        for name, found in sorted(by_name.items())
    )
    return Summary(stack=stack, cas=cas, services=(), complete=False, note=note)
