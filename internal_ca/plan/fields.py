"""Reading `terraform show -json` output through an allow-list of non-secret fields.

A plan JSON holds every private key in plain text (in `prior_state`, `planned_values`,
`resource_changes[*].change.before/after` and sensitive outputs). Nothing from it reaches the
report unless this module copies it: from `resource_changes`, only the address, the actions,
the replace paths and a short list of certificate fields, each checked for its expected type
and shape; from `output_changes` and the configuration's outputs, only names, actions,
sensitivity and references (joined, when the synthesized stack is at hand, with the key chains
plan.key_flow finds in it), and a CA output's planned certificate: public, and what the CA pins
compare, since an adopted CA swapped in its file changes no resource, only that value.
Anything else, or anything of the wrong shape, is dropped.
Secret values are only ever compared or searched in place, to a yes/no (did this PEM text
change, does this output hold a private key), and never kept. Error messages name a position
in the document, never a value from it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ca_constructs import naming
from ca_constructs.ledger import KEY_VERSION_FIELD, REASONS, RECORD_FIELD
from internal_ca.certs.times import display_time
from internal_ca.errors import OperationError

# Terraform resource types and names: identifiers, hyphens allowed in names.
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,127}$")
_ADDRESS = re.compile(
    r'^(module\.[A-Za-z_][A-Za-z0-9_-]*(\[[0-9]+\]|\["[A-Za-z0-9_.-]*"\])?\.)*'
    r'[A-Za-z_][A-Za-z0-9_-]*\.[A-Za-z_][A-Za-z0-9_-]*(\[[0-9]+\]|\["[A-Za-z0-9_.-]*"\])?$'
)
_DECIMAL = re.compile(r"^[0-9]{1,60}$")
# One reference of an expression, as `configuration` lists them: `var.x`, `local.x`,
# `tls_private_key.ca.private_key_pem`, `data.tls_public_key.ca[0].private_key_pem`, ...
_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
_REFERENCE = re.compile(
    rf"^(?P<head>(?:(?:data|ephemeral)\.)?{_NAME}\.{_NAME})"
    r'(?:\[(?:[0-9]+|"(?:[^"\\]|\\.)*")\])?'
    rf"(?:\.(?P<attribute>{_NAME}))?"
    r"(?:[.\[].*)?$",
    re.DOTALL,
)
# Roots whose value cannot be followed from the plan's configuration JSON (locals are not in
# it): plan.key_flow follows them in the synthesized stack, which `--plan-json` lacks.
_UNTRACED_ROOTS = frozenset({"local", "module", "count", "each", "self"})
# Roots whose every value is a known name or folder (`path.module`, `terraform.workspace`).
_KEY_FREE_ROOTS = frozenset({"path", "terraform"})
_MAX_TEXT = 1024
_MAX_CERT_PEM = 64 * 1024
CERT_BEGIN = "-----BEGIN CERTIFICATE-----"

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
OUTPUT_ACTIONS = frozenset({"no-op", "create", "update", "delete"})
PEM_INPUTS = ("private_key_pem", "ca_cert_pem", "ca_private_key_pem", "cert_request_pem")
"""The inputs whose change hashicorp/tls 4.1.0 turns into a replacement, but only when the
text in state matches its PEM regex; otherwise into an update in place."""
KEY_HOLDING_TYPES = frozenset(
    {
        "tls_private_key",
        "tls_self_signed_cert",
        "tls_cert_request",
        "tls_locally_signed_cert",
        "tls_public_key",
    }
)
"""Resource and data types with a private key among their attributes."""
NAMED_BY_CONTENT_TYPES = KEY_HOLDING_TYPES | {"tls_certificate"}
"""Types whose attribute names say whether they hold a key (hashicorp/tls 4.1.0's schema):
any other type's attribute may carry whatever its arguments hold (`terraform_data.output`)."""
KEY_NAME_TEXT = "private_key"
"""In the name of every key attribute (`private_key_pem`, `ca_private_key_pem`, ...) and of
every variable this project treats as a key: the one rule for judging a name."""
PRIVATE_KEY_TEXT = "PRIVATE KEY"
"""In every PEM private key's BEGIN line (PKCS#8, PKCS#1, SEC 1, OpenSSH, encrypted)."""
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
    """The time as shown everywhere (UTC, whole seconds), whatever zone the provider wrote."""
    try:
        return display_time(value, "a validity time")
    except OperationError:
        return None


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


@dataclass(frozen=True)
class DataInput:
    """A terraform_data input this project writes: a service's key version (with the serials
    of its live certificates revoked, if any) or the revocation ledger's record."""

    version: int | None = None
    revoked: tuple[tuple[str, str], ...] = ()
    """(serial, reason) of each revoked live certificate of the service."""
    record: tuple[str, ...] | None = None
    """The revocation record's entries, "ca/SERIAL"; None for a key version."""


_REVOKED_SERIAL = re.compile(r"^(?:[0-9A-F]{2}){1,20}$")
_RECORD_ITEM = re.compile(r"^[a-z][a-z0-9_]{0,62}/(?:[0-9A-F]{2}){1,20}$")


def _revoked(value: object) -> tuple[tuple[str, str], ...] | None:
    if value is None:
        return ()
    if not isinstance(value, list):
        return None
    found: list[tuple[str, str]] = []
    for item in value:
        if not isinstance(item, dict):
            return None
        serial, reason = item.get("serial"), item.get("reason")
        if not (isinstance(serial, str) and _REVOKED_SERIAL.match(serial)):
            return None
        if not (isinstance(reason, str) and reason in REASONS):
            return None
        found.append((serial, reason))
    return tuple(found)


def data_input(value: object) -> DataInput | None:
    """A key version or the revocation record, in a plan or in state; any other shape is dropped."""
    if not isinstance(value, dict):
        return None
    if RECORD_FIELD in value:
        items = value[RECORD_FIELD]
        if not isinstance(items, list) or not all(
            isinstance(item, str) and _RECORD_ITEM.match(item) for item in items
        ):
            return None
        return DataInput(record=tuple(sorted(items)))
    version = _whole(value.get("version"))
    revoked = _revoked(value.get(KEY_VERSION_FIELD))
    if version is None or revoked is None:
        return None
    return DataInput(version=version, revoked=revoked)


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
    "terraform_data": {"input": data_input},
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
    changed_pems: frozenset[str] = frozenset()
    """Which of PEM_INPUTS have new text (or text known only after apply); never the text."""

    @property
    def kind(self) -> str:
        """create, delete, replace, update, read or no-op."""
        return action_kind(self.actions)


@dataclass(frozen=True)
class OutputChange:
    """One root-module output: its name, actions and sensitivity. Its value is never kept.

    `key_sources` name where its value gets a private key: a reference of its expression (as
    `tls_private_key.ca.private_key_pem` or `var.ca_private_key_pem`), or a chain through the
    synthesized stack (as `local.k <- tls_private_key.ca.private_key_pem`); `key_material` says
    whether its planned value holds a PEM private key. `untraced` name the references that only
    the synthesized stack could follow (`local.k`), when it is not at hand: each may hold a key.
    """

    name: str
    actions: tuple[str, ...]
    sensitive: bool
    key_sources: tuple[str, ...] = ()
    key_material: bool = False
    untraced: tuple[str, ...] = ()
    ca_cert_pem: str | None = field(default=None, repr=False)
    """A CA output's planned certificate PEM (public), when known at plan time; else None."""

    @property
    def kind(self) -> str:
        """create, delete, update or no-op."""
        return action_kind(self.actions)


def action_kind(actions: Iterable[str]) -> str:
    """create, delete, replace, update, read or no-op, from Terraform's list of actions."""
    found = set(actions)
    if {"create", "delete"} <= found:
        return "replace"
    for name in ("create", "delete", "update", "read"):
        if name in found:
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


def _changed_pems(before: object, after: object, unknown: object) -> frozenset[str]:
    """PEM inputs whose text differs, compared in place: only the names leave this function."""
    if not (isinstance(before, dict) and isinstance(after, dict)):
        return frozenset()
    marks = unknown if isinstance(unknown, dict) else {}
    return frozenset(
        name
        for name in PEM_INPUTS
        if name in before and (marks.get(name) is True or before[name] != after.get(name))
    )


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


def _actions(value: object, allowed: frozenset[str], where: str) -> tuple[str, ...]:
    if not (
        isinstance(value, list)
        and value
        and all(isinstance(action, str) and action in allowed for action in value)
    ):
        raise PlanFormatError(f"the plan JSON's {where} is not a list of actions")
    return tuple(value)


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
    actions = _actions(change.get("actions"), ACTIONS, f"{where}.change.actions")
    reason = item.get("action_reason")
    return Change(
        address=address,
        type=type_name,
        name=name,
        actions=actions,
        replace_paths=_replace_paths(change.get("replace_paths")),
        action_reason=reason if isinstance(reason, str) and reason in ACTION_REASONS else "",
        before=_pick(type_name, change.get("before"), change.get("before_sensitive")),
        after=_pick(type_name, change.get("after"), change.get("after_sensitive")),
        unknown_after=_unknown(type_name, change.get("after_unknown")),
        changed_pems=_changed_pems(
            change.get("before"), change.get("after"), change.get("after_unknown")
        ),
    )


def _plan(document: object) -> dict[str, object]:
    """The document, once it is known to be a `terraform show -json PLANFILE` output."""
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
    return document


def read_changes(document: object) -> list[Change]:
    """The managed resource changes of a `terraform show -json` plan, allow-listed."""
    items = _plan(document).get("resource_changes", [])
    if items is None:
        items = []
    if not isinstance(items, list):
        raise PlanFormatError("the plan JSON's resource_changes is not a list")
    changes = [_change(index, item) for index, item in enumerate(items)]
    return [change for change in changes if change is not None]


def _object(value: object, where: str) -> dict[str, object]:
    """A JSON object (absent or null is empty), its keys checked to be names."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PlanFormatError(f"the plan JSON's {where} is not an object")
    if not all(isinstance(name, str) and _IDENTIFIER.match(name) for name in value):
        raise PlanFormatError(f"the plan JSON's {where} has a key that is not a name")
    return value


def _holds_private_key(value: object) -> bool:
    """Whether a PEM private key is anywhere in a value (strings nested in maps and lists)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str) and PRIVATE_KEY_TEXT in item:
            return True
        if isinstance(item, dict):
            pending += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            pending += item
    return False


def _planned_ca_cert(name: str, after: object, sensitive: bool) -> str | None:
    """The `cert_pem` of a CA output's planned value: one PEM certificate block, or None (not
    a CA output, unknown until apply, removed, sensitive, or of any other shape)."""
    if sensitive or naming.classify_output(name)[0] != "ca" or not isinstance(after, dict):
        return None
    pem = after.get("cert_pem")
    if not (isinstance(pem, str) and len(pem) <= _MAX_CERT_PEM):
        return None
    if not pem.strip().startswith(CERT_BEGIN) or pem.count("-----BEGIN") != 1:
        return None
    return pem


def _leaves(references: list[str]) -> list[str]:
    """Terraform lists `a.b[0].c`, `a.b[0]` and `a.b` for one use of `a.b[0].c`: keep the first."""
    return [
        reference
        for reference in references
        if not any(other.startswith((reference + ".", reference + "[")) for other in references)
    ]


def _key_source(
    reference: str, secret_variables: frozenset[str], where: str
) -> tuple[str, bool | None]:
    """The reference (head and attribute only), and whether it holds a private key: judged by
    its name, or None when only the synthesized stack can tell (a local, a module output, an
    attribute of a type outside hashicorp/tls, whose value is whatever its arguments hold)."""
    found = _REFERENCE.match(reference)
    if found is None:
        raise PlanFormatError(f"the plan JSON's {where} is not a reference")
    head, attribute = found["head"], found["attribute"]
    shown = f"{head}.{attribute}" if attribute else head
    root, _, rest = head.partition(".")
    if root == "var":
        return shown, rest in secret_variables or KEY_NAME_TEXT in rest
    if root in _KEY_FREE_ROOTS:
        return shown, False
    if root in _UNTRACED_ROOTS:
        return shown, None
    if root in ("data", "ephemeral"):
        root = rest.partition(".")[0]
    if attribute is not None and KEY_NAME_TEXT in attribute:
        return shown, True
    if root not in NAMED_BY_CONTENT_TYPES:
        return shown, None
    return shown, attribute is None and root in KEY_HOLDING_TYPES


def _references(expression: object, where: str) -> list[str]:
    if expression is None:
        return []
    if not isinstance(expression, dict):
        raise PlanFormatError(f"the plan JSON's {where} is not an object")
    references = expression.get("references", [])
    if not (isinstance(references, list) and all(isinstance(item, str) for item in references)):
        raise PlanFormatError(f"the plan JSON's {where}.references is not a list of references")
    return references


def _flag_field(block: Mapping[str, object], name: str, where: str) -> bool:
    value = block.get(name, False)
    if not isinstance(value, bool):
        raise PlanFormatError(f"the plan JSON's {where}.{name} is not true or false")
    return value


def _output(
    name: str,
    change: object,
    configured: object,
    secret_variables: frozenset[str],
    chains: Sequence[str] | None,
) -> OutputChange:
    where = f"output_changes.{name}"
    body = _object(change, where) if change is not None else {"actions": ["no-op"]}
    actions = _actions(body.get("actions"), OUTPUT_ACTIONS, f"{where}.actions")
    config_where = f"configuration.root_module.outputs.{name}"
    config = _object(configured, config_where)
    # A removed output's sensitivity is its old one; its value is not printed again.
    side = "before" if action_kind(actions) == "delete" else "after"
    sensitive = (
        _flag_field(config, "sensitive", config_where) or body.get(f"{side}_sensitive") is True
    )
    expression_where = f"{config_where}.expression"
    references = _leaves(_references(config.get("expression"), expression_where))
    judged = [
        _key_source(reference, secret_variables, f"{expression_where}.references")
        for reference in references
    ]
    sources = {shown for shown, holds in judged if holds}
    # With the stack's chains, what they did not find holds no key; without, it may.
    untraced = {shown for shown, holds in judged if holds is None} if chains is None else set()
    sources.update(chains or ())
    return OutputChange(
        name=name,
        actions=actions,
        sensitive=sensitive,
        key_sources=tuple(sorted(sources)),
        key_material=not sensitive and _holds_private_key(body.get("after")),
        untraced=tuple(sorted(untraced)),
        ca_cert_pem=_planned_ca_cert(name, body.get("after"), sensitive),
    )


def read_outputs(
    document: object, key_chains: Mapping[str, Sequence[str]] | None = None
) -> list[OutputChange]:
    """Every root output of a plan, by name: `output_changes` joined with the configuration's.

    `key_chains` are plan.key_flow's findings in the synthesized stack the plan was made from,
    by output name; without them (a saved plan JSON) an output's references are judged alone,
    and those that only the stack could follow (a local, a module output, a terraform_data's
    output) are listed as `untraced`: a key passed through them would otherwise go unseen.
    """
    plan = _plan(document)
    changes = _object(plan.get("output_changes"), "output_changes")
    configuration = _object(plan.get("configuration"), "configuration")
    root = _object(configuration.get("root_module"), "configuration.root_module")
    configured = _object(root.get("outputs"), "configuration.root_module.outputs")
    variables = _object(root.get("variables"), "configuration.root_module.variables")
    secret_variables = frozenset(
        name
        for name, block in variables.items()
        if isinstance(block, dict)
        and _flag_field(block, "sensitive", f"configuration.root_module.variables.{name}")
    )
    return [
        _output(
            name,
            changes.get(name),
            configured.get(name),
            secret_variables,
            None if key_chains is None else key_chains.get(name, ()),
        )
        for name in sorted(set(changes) | set(configured))
    ]
