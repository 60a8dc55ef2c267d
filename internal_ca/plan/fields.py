"""Reading `terraform show -json` output through an allow-list of non-secret fields.

A plan JSON holds every private key in plain text (in `prior_state`, `planned_values`,
`resource_changes[*].change.before/after` and sensitive outputs). Nothing from it reaches the
report unless this module copies it: only `resource_changes`, and from each change only the
address, the actions, the replace paths and a short list of certificate fields, each checked
for its expected type and shape. Anything else, or anything of the wrong shape, is dropped.
Error messages name a position in the document, never a value from it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from internal_ca.errors import OperationError

# Terraform resource types and names: identifiers, hyphens allowed in names.
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,127}$")
_ADDRESS = re.compile(
    r'^(module\.[A-Za-z_][A-Za-z0-9_-]*(\[[0-9]+\]|\["[A-Za-z0-9_.-]*"\])?\.)*'
    r'[A-Za-z_][A-Za-z0-9_-]*\.[A-Za-z_][A-Za-z0-9_-]*(\[[0-9]+\]|\["[A-Za-z0-9_.-]*"\])?$'
)
_DECIMAL = re.compile(r"^[0-9]{1,60}$")
_TIMESTAMP = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"
)
_MAX_TEXT = 1024

ACTIONS = frozenset({"no-op", "create", "read", "update", "delete"})
ACTION_REASONS = frozenset(
    {
        "replace_because_tainted",
        "replace_because_cannot_update",
        "replace_by_request",
        "replace_by_triggers",
        "delete_because_no_resource_config",
        "delete_because_wrong_repetition",
        "delete_because_count_index",
        "delete_because_each_key",
        "delete_because_no_module",
        "delete_because_no_move_target",
    }
)
SUBJECT_FIELDS = (
    "country",
    "province",
    "locality",
    "organization",
    "organizational_unit",
    "common_name",
    "street_address",
    "postal_code",
    "serial_number",
    "email_address",
)
KEY_ALGORITHMS = frozenset({"RSA", "ECDSA", "ED25519"})
CURVES = frozenset({"P224", "P256", "P384", "P521"})


class PlanFormatError(OperationError):
    """The plan JSON is not what `terraform show -json` writes; the message holds no values."""


def _safe_text(value: object) -> str | None:
    """Short printable text that cannot be (part of) a PEM block."""
    if not isinstance(value, str) or len(value) > _MAX_TEXT or "-----" in value:
        return None
    if not value.isprintable():
        return None
    return value


def _text_list(value: object) -> tuple[str, ...] | None:
    if value is None:
        return ()
    if not isinstance(value, list):
        return None
    items = [_safe_text(item) for item in value]
    if any(item is None for item in items):
        return None
    return tuple(item for item in items if item is not None)


def _whole(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _flag(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _serial(value: object) -> str | None:
    return value if isinstance(value, str) and _DECIMAL.match(value) else None


def _timestamp(value: object) -> str | None:
    return value if isinstance(value, str) and _TIMESTAMP.match(value) else None


def _subject(value: object) -> tuple[tuple[str, str], ...] | None:
    """The one subject block as (field, value) pairs, in openssl's order."""
    if value is None or value == []:
        return ()
    if not isinstance(value, list) or len(value) != 1 or not isinstance(value[0], dict):
        return None
    block = value[0]
    pairs: list[tuple[str, str]] = []
    for name in SUBJECT_FIELDS:
        raw = block.get(name)
        if raw is None:
            continue
        text = _safe_text(raw)
        if text is None:
            return None
        pairs.append((name, text))
    return tuple(pairs)


def _key_version(value: object) -> int | None:
    if isinstance(value, dict):
        return _whole(value.get("version"))
    return None


def _choice(options: frozenset[str]) -> Callable[[object], str | None]:
    def pick(value: object) -> str | None:
        return value if isinstance(value, str) and value in options else None

    return pick


_CERT_FIELDS: dict[str, Callable[[object], object]] = {
    "id": _serial,
    "validity_end_time": _timestamp,
    "validity_period_hours": _whole,
    "early_renewal_hours": _whole,
    "allowed_uses": _text_list,
    "is_ca_certificate": _flag,
}
_SAN_FIELDS: dict[str, Callable[[object], object]] = {
    "dns_names": _text_list,
    "ip_addresses": _text_list,
    "uris": _text_list,
    "subject": _subject,
}
# Per resource type: the only attributes ever read, each with its shape check.
ALLOWED_FIELDS: dict[str, dict[str, Callable[[object], object]]] = {
    "tls_private_key": {
        "algorithm": _choice(KEY_ALGORITHMS),
        "ecdsa_curve": _choice(CURVES),
        "rsa_bits": _whole,
    },
    "tls_cert_request": dict(_SAN_FIELDS),
    "tls_locally_signed_cert": dict(_CERT_FIELDS),
    "tls_self_signed_cert": {**_CERT_FIELDS, **_SAN_FIELDS},
    "terraform_data": {"input": _key_version},
}


@dataclass(frozen=True)
class Change:
    """One resource change, holding allow-listed values only."""

    address: str
    type: str
    name: str
    actions: tuple[str, ...]
    replace_paths: frozenset[str] = frozenset()
    action_reason: str = ""
    before: Mapping[str, object] = field(default_factory=dict)
    after: Mapping[str, object] = field(default_factory=dict)
    unknown_after: frozenset[str] = frozenset()

    @property
    def kind(self) -> str:
        """create, delete, replace, update, read or no-op."""
        actions = set(self.actions)
        if {"create", "delete"} <= actions:
            return "replace"
        for name in ("create", "delete", "update", "read"):
            if name in actions:
                return name
        return "no-op"


def _marked(marks: object) -> bool:
    """True when a sensitivity mark (bool, list or object of marks) holds any True."""
    if marks is True:
        return True
    if isinstance(marks, list):
        return any(_marked(item) for item in marks)
    if isinstance(marks, dict):
        return any(_marked(item) for item in marks.values())
    return False


def _pick(type_name: str, values: object, sensitive: object) -> dict[str, object]:
    allowed = ALLOWED_FIELDS.get(type_name, {})
    if not isinstance(values, dict):
        return {}
    marks = sensitive if isinstance(sensitive, dict) else {}
    picked: dict[str, object] = {}
    for name, check in allowed.items():
        if name not in values or sensitive is True or _marked(marks.get(name)):
            continue
        value = check(values[name])
        if value is not None:
            picked[name] = value
    return picked


def _unknown(type_name: str, marks: object) -> frozenset[str]:
    if not isinstance(marks, dict):
        return frozenset()
    allowed = ALLOWED_FIELDS.get(type_name, {})
    return frozenset(name for name in allowed if marks.get(name) is True)


def _replace_paths(value: object) -> frozenset[str]:
    """The top-level attribute name of each replace path (names only, never values)."""
    if not isinstance(value, list):
        return frozenset()
    names = set()
    for path in value:
        head = path[0] if isinstance(path, list) and path else None
        if isinstance(head, str) and _IDENTIFIER.match(head):
            names.add(head)
    return frozenset(names)


def _change(index: int, item: object) -> Change | None:
    where = f"resource_changes[{index}]"
    if not isinstance(item, dict):
        raise PlanFormatError(f"the plan JSON's {where} is not an object")
    if item.get("mode", "managed") != "managed":
        return None
    address, type_name, name = item.get("address"), item.get("type"), item.get("name")
    if not (isinstance(address, str) and _ADDRESS.match(address)):
        raise PlanFormatError(f"the plan JSON's {where}.address is not a resource address")
    if not (isinstance(type_name, str) and _IDENTIFIER.match(type_name)):
        raise PlanFormatError(f"the plan JSON's {where}.type is not a resource type")
    if not (isinstance(name, str) and _IDENTIFIER.match(name)):
        raise PlanFormatError(f"the plan JSON's {where}.name is not a resource name")
    change = item.get("change")
    if not isinstance(change, dict):
        raise PlanFormatError(f"the plan JSON's {where}.change is not an object")
    actions = change.get("actions")
    if not (
        isinstance(actions, list)
        and actions
        and all(isinstance(action, str) and action in ACTIONS for action in actions)
    ):
        raise PlanFormatError(f"the plan JSON's {where}.change.actions is not a list of actions")
    reason = item.get("action_reason")
    return Change(
        address=address,
        type=type_name,
        name=name,
        actions=tuple(actions),
        replace_paths=_replace_paths(change.get("replace_paths")),
        action_reason=reason if isinstance(reason, str) and reason in ACTION_REASONS else "",
        before=_pick(type_name, change.get("before"), change.get("before_sensitive")),
        after=_pick(type_name, change.get("after"), change.get("after_sensitive")),
        unknown_after=_unknown(type_name, change.get("after_unknown")),
    )


def read_changes(document: object) -> list[Change]:
    """The managed resource changes of a `terraform show -json` plan, allow-listed."""
    if not isinstance(document, dict):
        raise PlanFormatError(
            "the plan JSON is not an object; expected `terraform show -json` output"
        )
    version = document.get("format_version")
    if not (isinstance(version, str) and version.startswith("1.")):
        raise PlanFormatError(
            "the plan JSON has no format_version 1.x; expected `terraform show -json PLANFILE`"
        )
    if "planned_values" not in document:
        raise PlanFormatError(
            "the JSON is not a plan (no planned_values); expected `terraform show -json PLANFILE`"
        )
    items = document.get("resource_changes", [])
    if items is None:
        items = []
    if not isinstance(items, list):
        raise PlanFormatError("the plan JSON's resource_changes is not a list")
    changes = [_change(index, item) for index, item in enumerate(items)]
    return [change for change in changes if change is not None]
