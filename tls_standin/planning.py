"""PlanResourceChange, ReadResource and config validation, driven by the schema.

Rules of hashicorp/tls 4.1.0 on terraform-plugin-framework v1.14.1:
- every configurable argument (the `subject` block included) forces replacement, except
  `early_renewal_hours`, which updates in place, and the PEM inputs (`private_key_pem`,
  `ca_cert_pem`, `ca_private_key_pem`, `cert_request_pem`), which force replacement only
  when the value in state matches the provider's PEM pattern (common.go) and otherwise
  update in place;
- optional+computed arguments get their defaults when unset, and `ready_for_renewal`
  (computed, Default false) is planned false in every plan unless the ReadyForRenewal
  modifier plans true (validity 0, or early renewal >= validity);
- computed attributes are unknown when a resource is created or replaced, and keep their
  prior values on an in-place update (UseStateForUnknown);
- a certificate whose `validity_end_time - early_renewal_hours` has passed is planned with
  `ready_for_renewal` unknown and a replacement required on that path, so
  `terraform show -json` reports replace_paths [["ready_for_renewal"]]; ReadResource sets
  `ready_for_renewal = true` in that window (common_cert.go).
"""

import ipaddress
from typing import Any

from tls_standin import clock, golike
from tls_standin.errors import TLSError
from tls_standin.schema import ALLOWED_USES, DATA_SOURCES, ECDSA_CURVES, KEY_ALGORITHMS, Schema
from tls_standin.values import UNKNOWN, contains_unknown, is_unknown

Obj = dict[str, Any]

IN_PLACE_ATTRIBUTES = frozenset({"early_renewal_hours"})
PEM_ATTRIBUTES = frozenset(
    {"private_key_pem", "ca_cert_pem", "ca_private_key_pem", "cert_request_pem"}
)
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
    subject = _known(config, "subject")
    if isinstance(subject, list) and len(subject) > 1:
        # listvalidator.SizeBetween(0, 1): the framework sends no max_items on blocks.
        errors.append(
            TLSError(
                "Invalid Attribute Value",
                "Attribute subject list must contain at least 0 elements and at most 1 "
                f"elements, got: {len(subject)}",
                "subject",
            )
        )
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
    """The framework's TransformDefaults: attributes with a Default and no config value."""
    for attr in schema.block.attributes:
        if attr.optional and attr.computed and config.get(attr.name) is None:
            planned[attr.name] = attr.default
    if "ready_for_renewal" in planned:
        planned["ready_for_renewal"] = False  # computed with Default false: every plan


def _configurable_names(schema: Schema) -> list[str]:
    names = [a.name for a in schema.block.attributes if a.configurable]
    names += [b.name for b in schema.block.blocks]
    return names


def _computed_only(schema: Schema) -> list[str]:
    return [
        a.name
        for a in schema.block.attributes
        if a.computed and not a.configurable and a.name != "ready_for_renewal"
    ]


def _same(prior: Any, planned: Any) -> bool:
    if contains_unknown(planned):
        return False
    # An absent list block may be null or an empty list; both mean "no block".
    if prior in (None, []) and planned in (None, []):
        return True
    return bool(prior == planned)


def _requires_replace(name: str, prior: Obj, planned: Obj) -> bool:
    """RequiresReplace, or for PEM inputs requireReplaceIfStateContainsPEMString (common.go):
    a changed PEM input replaces only when the value in state matches the PEM pattern."""
    if name in IN_PLACE_ATTRIBUTES or _same(prior.get(name), planned.get(name)):
        return False
    if name in PEM_ATTRIBUTES:
        return golike.is_pem_string(prior.get(name))
    return True


def _hours(value: Any, name: str) -> int:
    """An Int64 read into a Go int64: an unknown value is the framework's conversion error."""
    if is_unknown(value):
        raise TLSError(
            "Value Conversion Error",
            "An unexpected error was encountered trying to convert the Terraform value. "
            "Received unknown value, however the target type cannot handle unknown values."
            f"\n\nPath: {name}\nTarget Type: int64\nSuggested Type: basetypes.Int64Value",
            name,
        )
    return 0 if value is None else int(value)


def renewal_due(obj: Obj, now_ns: int) -> bool:
    """now >= validity_end_time - early_renewal_hours (modifyPlan/StateIfCertificateReady...).

    A null or unknown end time is never due; an end time Go cannot parse is an error.
    """
    end_text = obj.get("validity_end_time")
    if end_text is None or is_unknown(end_text):
        return False
    try:
        end_ns = clock.parse_ns(str(end_text))
    except ValueError as exc:
        raise TLSError(f"Failed to parse data from string: {end_text}", str(exc)) from None
    early = _hours(obj.get("early_renewal_hours"), "early_renewal_hours")
    return end_ns - early * clock.NS_PER_HOUR - now_ns <= 0


def _ready_for_renewal_modifier(planned: Obj) -> None:
    """attribute_plan_modifier_bool.ReadyForRenewal: planned true when the certificate can
    never be inside its validity before renewal (an unknown period reads as 0 in Go)."""
    period = planned.get("validity_period_hours")
    period_hours = 0 if period is None or is_unknown(period) else int(period)
    if period_hours == 0:
        planned["ready_for_renewal"] = True
        return
    early = planned.get("early_renewal_hours")
    if early is None or is_unknown(early):
        return
    if int(early) >= period_hours:
        planned["ready_for_renewal"] = True


def plan(
    type_name: str, schema: Schema, prior: Obj | None, proposed: Obj | None, config: Obj | None
) -> tuple[Obj | None, list[str]]:
    """The planned new object and the attribute names that require replacement."""
    if proposed is None:
        return None, []
    planned = dict(proposed)
    _apply_defaults(schema, planned, config or {})
    is_cert = type_name in CERT_RESOURCES
    if prior is None:
        for name in _computed_only(schema):
            planned[name] = UNKNOWN
        if is_cert:
            _ready_for_renewal_modifier(planned)
        return planned, []

    if planned != prior:
        # MarkComputedNilsAsUnknown, then UseStateForUnknown restores each prior value.
        for name in _computed_only(schema):
            prior_value = prior.get(name)
            planned[name] = UNKNOWN if prior_value is None else prior_value
    replace = [n for n in _configurable_names(schema) if _requires_replace(n, prior, planned)]
    if is_cert:
        _ready_for_renewal_modifier(planned)
        # ModifyPlan sees validity_end_time as UseStateForUnknown left it: the prior value.
        if renewal_due(planned, clock.now_ns()):
            planned["ready_for_renewal"] = UNKNOWN
            replace.append("ready_for_renewal")
    if replace:
        # Terraform plans the replacement again as a create; show the computed values so.
        for name in _computed_only(schema):
            planned[name] = UNKNOWN
    return planned, sorted(set(replace))


def refresh(type_name: str, state: Obj) -> Obj:
    """ReadResource: everything lives in state; inside the renewal window (early renewal
    hours from state) a certificate reads as ready_for_renewal = true."""
    if type_name in CERT_RESOURCES and renewal_due(state, clock.now_ns()):
        return {**state, "ready_for_renewal": True}
    return state
