"""PlanResourceChange, ReadResource and config validation, driven by the schema.

Rules copied from hashicorp/tls 4.1.0:
- every configurable argument (the `subject` block included) forces replacement, except
  `early_renewal_hours`, which updates in place;
- optional+computed arguments get their defaults when unset;
- computed attributes are unknown when a resource is created or replaced, and keep their
  prior values on an in-place update;
- a certificate whose `validity_end_time - early_renewal_hours` has passed is planned with
  `ready_for_renewal` unknown and a replacement required on that path (the real provider's
  way, so `terraform show -json` reports replace_paths [["ready_for_renewal"]]); ReadResource
  sets `ready_for_renewal = true` in that window (provider 4.0.4+ behaviour).
"""

import datetime as dt
import ipaddress
from typing import Any

from tls_standin import clock
from tls_standin.errors import TLSError
from tls_standin.schema import ALLOWED_USES, DATA_SOURCES, ECDSA_CURVES, KEY_ALGORITHMS, Schema
from tls_standin.values import UNKNOWN, contains_unknown, is_unknown

Obj = dict[str, Any]

IN_PLACE_ATTRIBUTES = frozenset({"early_renewal_hours"})
CERT_RESOURCES = frozenset({"tls_self_signed_cert", "tls_locally_signed_cert"})


def _known(obj: Obj, name: str) -> Any:
    value = obj.get(name)
    return None if contains_unknown(value) else value


def _check_whole(obj: Obj, name: str, errors: list[TLSError], minimum: int = 0) -> None:
    value = _known(obj, name)
    if value is None:
        return
    number = float(value)
    if not number.is_integer() or number < minimum:
        errors.append(
            TLSError("Invalid value", f"{name} must be a whole number >= {minimum}.", name)
        )


def validate_resource(type_name: str, config: Obj) -> list[TLSError]:
    """Config checks the real provider makes with validators (known values only)."""
    errors: list[TLSError] = []
    if type_name == "tls_private_key":
        algorithm = _known(config, "algorithm")
        if algorithm is not None and algorithm not in KEY_ALGORITHMS:
            errors.append(
                TLSError(
                    "Unsupported private key algorithm",
                    f'algorithm must be one of {", ".join(KEY_ALGORITHMS)}, got "{algorithm}".',
                    "algorithm",
                )
            )
        curve = _known(config, "ecdsa_curve")
        if curve is not None and curve not in ECDSA_CURVES:
            errors.append(
                TLSError(
                    "Unsupported ECDSA curve",
                    f'ecdsa_curve must be one of {", ".join(ECDSA_CURVES)}, got "{curve}".',
                    "ecdsa_curve",
                )
            )
        _check_whole(config, "rsa_bits", errors, minimum=1)
    for name in ("validity_period_hours", "early_renewal_hours"):
        _check_whole(config, name, errors)
    uses = _known(config, "allowed_uses")
    if uses is not None:
        bad = [u for u in uses if u is not None and u not in ALLOWED_USES]
        if bad:
            errors.append(
                TLSError(
                    "Invalid allowed_uses value",
                    f"Unsupported value(s) {', '.join(repr(b) for b in bad)}; "
                    f"allowed: {', '.join(ALLOWED_USES)}.",
                    "allowed_uses",
                )
            )
    for ip in _known(config, "ip_addresses") or []:
        if ip is None or is_unknown(ip):
            continue
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            errors.append(
                TLSError("Invalid IP address", f'"{ip}" is not a valid IP address.', "ip_addresses")
            )
    return errors


def validate_data_source(type_name: str, config: Obj) -> list[TLSError]:
    """Exactly-one-of checks of the two data sources."""
    pairs = {
        "tls_public_key": ("private_key_pem", "private_key_openssh"),
        "tls_certificate": ("content", "url"),
    }
    if type_name not in DATA_SOURCES or type_name not in pairs:
        return []
    a, b = pairs[type_name]
    va, vb = config.get(a), config.get(b)
    if is_unknown(va) or is_unknown(vb):
        return []
    if (va is None) == (vb is None):
        return [
            TLSError("Invalid combination of arguments", f"Exactly one of {a} or {b} must be set.")
        ]
    return []


def _apply_defaults(schema: Schema, planned: Obj, config: Obj) -> None:
    for attr in schema.block.attributes:
        if attr.optional and attr.computed and config.get(attr.name) is None:
            planned[attr.name] = attr.default


def _configurable_names(schema: Schema) -> list[str]:
    names = [a.name for a in schema.block.attributes if a.configurable]
    names += [b.name for b in schema.block.blocks]
    return names


def _computed_only(schema: Schema) -> list[str]:
    return [a.name for a in schema.block.attributes if a.computed and not a.configurable]


def _same(prior: Any, planned: Any) -> bool:
    if contains_unknown(planned):
        return False
    # An absent list block may be null or an empty list; both mean "no block".
    if prior in (None, []) and planned in (None, []):
        return True
    return bool(prior == planned)


def renewal_due(state: Obj, now: dt.datetime) -> bool:
    """True when now >= validity_end_time - early_renewal_hours."""
    end_text = state.get("validity_end_time")
    if not isinstance(end_text, str) or not end_text:
        return False
    hours = state.get("early_renewal_hours")
    early = 0.0 if hours is None or is_unknown(hours) else float(hours)
    try:
        end = clock.parse_rfc3339(end_text)
    except ValueError:
        return False
    return now >= end - dt.timedelta(hours=early)


def plan(
    type_name: str, schema: Schema, prior: Obj | None, proposed: Obj | None, config: Obj | None
) -> tuple[Obj | None, list[str]]:
    """The planned new object and the attribute names that require replacement."""
    if proposed is None:
        return None, []
    planned = dict(proposed)
    _apply_defaults(schema, planned, config or {})
    if prior is None:
        for name in _computed_only(schema):
            planned[name] = UNKNOWN
        if type_name in CERT_RESOURCES:
            planned["ready_for_renewal"] = False
        return planned, []

    replace = [
        name
        for name in _configurable_names(schema)
        if name not in IN_PLACE_ATTRIBUTES and not _same(prior.get(name), planned.get(name))
    ]
    if replace:
        for name in _computed_only(schema):
            planned[name] = UNKNOWN
        if type_name in CERT_RESOURCES:
            planned["ready_for_renewal"] = False
    if type_name in CERT_RESOURCES:
        due_check = {
            "validity_end_time": prior.get("validity_end_time"),
            "early_renewal_hours": planned.get("early_renewal_hours"),
        }
        if renewal_due(due_check, clock.now()):
            planned["ready_for_renewal"] = UNKNOWN
            replace.append("ready_for_renewal")
    return planned, replace


def refresh(type_name: str, state: Obj) -> Obj:
    """ReadResource: everything lives in state; certificates may become ready for renewal."""
    if type_name in CERT_RESOURCES and renewal_due(state, clock.now()):
        return {**state, "ready_for_renewal": True}
    return state
