"""Validation and normalisation of subject alternative names.

SAN lists are sorted and de-duplicated because hashicorp/tls stores them as lists: a mere
reordering in code would otherwise re-issue the certificate. Unresolved cdktf tokens are
passed through untouched (they are only known at apply time).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence

from cdktf import Token

_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_URI_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*$")
_MAX_DNS_NAME = 253


def _where(service: str, field: str, value: object) -> str:
    return f"service {service!r}: {field} value {value!r}"


def normalise_dns_name(service: str, name: object) -> str:
    """Return `name` in lower case, or raise ValueError naming what is wrong with it."""
    if not isinstance(name, str):
        raise TypeError(f"{_where(service, 'dns_names', name)} is not a string")
    where = _where(service, "dns_names", name)
    if name != name.strip() or " " in name:
        raise ValueError(
            f"{where} contains spaces; expected a DNS name such as 'app.example.internal'"
        )
    if not name:
        raise ValueError(f"{where} is empty; expected a DNS name such as 'app.example.internal'")
    if name.endswith("."):
        raise ValueError(f"{where} ends with a dot; expected a DNS name without the trailing dot")
    lowered = name.lower()
    if len(lowered) > _MAX_DNS_NAME:
        raise ValueError(f"{where} is {len(lowered)} characters long; expected at most 253")
    if _looks_like_ip(lowered):
        raise ValueError(f"{where} is an IP address; put it in ip_addresses instead")
    labels = lowered.split(".")
    for index, label in enumerate(labels):
        if label == "*":
            if index != 0:
                raise ValueError(
                    f"{where} has a wildcard outside the leftmost label; "
                    "expected '*' only as the whole first label, e.g. '*.apps.example.internal'"
                )
            if len(labels) < 3:
                raise ValueError(
                    f"{where} is a wildcard over a top-level name; "
                    "expected at least two labels after '*', e.g. '*.apps.example.internal'"
                )
            continue
        if not label:
            raise ValueError(
                f"{where} has an empty label; expected labels separated by single dots"
            )
        if len(label) > 63:
            raise ValueError(f"{where} has a label of {len(label)} characters; expected at most 63")
        if "*" in label:
            raise ValueError(
                f"{where} has a partial wildcard; expected '*' only as the whole leftmost label"
            )
        if "_" in label:
            raise ValueError(
                f"{where} contains an underscore; expected letters, digits and hyphens only"
            )
        if not _LABEL.match(label):
            raise ValueError(
                f"{where} has the invalid label {label!r}; expected letters, digits and hyphens, "
                "not starting or ending with a hyphen"
            )
    return lowered


def _looks_like_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def normalise_ip_address(service: str, value: object) -> str:
    """Return the canonical text form of an IPv4 or IPv6 address."""
    if not isinstance(value, str):
        raise TypeError(f"{_where(service, 'ip_addresses', value)} is not a string")
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ValueError(
            f"{_where(service, 'ip_addresses', value)} is not an IP address; "
            "expected IPv4 such as '10.0.0.5' or IPv6 such as 'fd00::5'"
        ) from None


def normalise_uri(service: str, value: object) -> str:
    """Accept absolute URIs such as spiffe://example.internal/ns/app."""
    if not isinstance(value, str):
        raise TypeError(f"{_where(service, 'uris', value)} is not a string")
    where = _where(service, "uris", value)
    expected = "expected an absolute URI such as 'spiffe://example.internal/app'"
    if not value or any(ch.isspace() for ch in value):
        raise ValueError(f"{where} is empty or contains white space; {expected}")
    scheme, sep, rest = value.partition(":")
    if not sep or not _URI_SCHEME.match(scheme) or not rest or rest == "//":
        raise ValueError(f"{where} is not an absolute URI; {expected}")
    if any(ch in value for ch in '<>"{}|\\^`'):
        raise ValueError(f"{where} contains characters not allowed in a URI; {expected}")
    return value


def _ip_sort_key(value: str) -> tuple[int, int]:
    address = ipaddress.ip_address(value)
    return (address.version, int(address))


def sorted_unique_names(service: str, field: str, values: Iterable[object] | None) -> list[str]:
    """Validate, normalise, de-duplicate and sort one SAN list; tokens are kept as given."""
    if values is None:
        return []
    if isinstance(values, str):
        raise TypeError(
            f"service {service!r}: {field} is the string {values!r}; expected a list of strings"
        )
    tokens: list[str] = []
    plain: set[str] = set()
    for value in values:
        if isinstance(value, str) and Token.is_unresolved(value):
            if value not in tokens:
                tokens.append(value)
            continue
        plain.add(_NORMALISERS[field](service, value))
    key = _ip_sort_key if field == "ip_addresses" else None
    return sorted(plain, key=key) + tokens


_NORMALISERS = {
    "dns_names": normalise_dns_name,
    "ip_addresses": normalise_ip_address,
    "uris": normalise_uri,
}


def first_or_none(values: Sequence[object] | None) -> str | None:
    """The first plain (non-token) string of a normalised, sorted list: the default CN."""
    for value in values or ():
        if isinstance(value, str) and not Token.is_unresolved(value):
            return value.lower()
    return None
