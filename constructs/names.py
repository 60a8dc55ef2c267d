"""Validation and normalisation of subject alternative names.

SAN lists are sorted and de-duplicated because hashicorp/tls stores them as lists: a mere
reordering in code would otherwise re-issue the certificate. Unresolved cdktf tokens are
passed through untouched (they are only known at apply time).
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from collections.abc import Callable, Iterable, Sequence

from .tokens import is_token

_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
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
    """Return the text form of the address the certificate will carry."""
    if not isinstance(value, str):
        raise TypeError(f"{_where(service, 'ip_addresses', value)} is not a string")
    where = _where(service, "ip_addresses", value)
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        raise ValueError(
            f"{where} is not an IP address; expected IPv4 such as '10.0.0.5' or IPv6 such as "
            "'fd00::5'"
        ) from None
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id is not None:
            # Go's net.ParseIP refuses zones, so the provider would fail at apply, after the
            # service key exists; a certificate has no field for a zone anyway.
            raise ValueError(
                f"{where} has the zone identifier '%{address.scope_id}'; expected the address "
                f"without it, e.g. {str(address).partition('%')[0]!r}"
            )
        if address.ipv4_mapped is not None:
            # Canonicalised rather than refused: Go's x509 writes a mapped address as its
            # 4-byte IPv4 form, and TLS clients (Go's net.IP.Equal, OpenSSL) match the two
            # alike, so the IPv4 text is exactly what the certificate will say.
            return str(address.ipv4_mapped)
    return str(address)


DEFAULT_URI_SCHEMES = ("https", "spiffe", "urn")
"""URI SAN schemes a service may use unless it widens its own list (ServiceCert.uri_schemes)."""

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")
# What Go's url.Parse followed by String() (the provider's path from config to certificate)
# writes back unchanged in every part of a URI: RFC 3986's unreserved and reserved characters,
# and well-formed %XX escapes. Anything else it would percent-encode, rewrite or refuse.
_URI_CHARS = re.compile(r"^[A-Za-z0-9\-._~!$&'()*+,;=:@/?#\[\]%]*$")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_HOST_LABEL = re.compile(r"^[A-Za-z0-9_-]+$")
_PORT = re.compile(r"^[0-9]+$")
_URI_EXAMPLE = "e.g. 'spiffe://example.internal/app'"


def check_uri_schemes(service: str, schemes: object) -> frozenset[str]:
    """The lower-cased allow-list of URI schemes, or raise naming the bad entry."""
    where = f"service {service!r}: uri_schemes"
    if isinstance(schemes, str) or not isinstance(schemes, Iterable):
        raise TypeError(
            f"{where} value {schemes!r} is not a list; expected e.g. {DEFAULT_URI_SCHEMES}"
        )
    allowed = set()
    for scheme in schemes:
        if not isinstance(scheme, str) or not _SCHEME.match(scheme):
            raise ValueError(
                f"{where} value {scheme!r} is not a URI scheme; expected letters, digits, '+', "
                "'-' or '.', starting with a letter, e.g. 'https'"
            )
        allowed.add(scheme.lower())
    return frozenset(allowed)


def normalise_uri(service: str, value: object, schemes: Iterable[str] = DEFAULT_URI_SCHEMES) -> str:
    """Return an absolute URI exactly as the certificate will carry it, or raise.

    Only the scheme is canonicalised (Go lower-cases it). Forms that Go would percent-encode
    (spaces, non-ASCII) are refused with the encoded form to type instead: Go encodes them
    differently in each part of a URI, and a SAN that differs from the configuration makes
    `internal-ca verify` report a mismatch on every run.
    """
    if not isinstance(value, str):
        raise TypeError(f"{_where(service, 'uris', value)} is not a string")
    where = _where(service, "uris", value)
    if not value:
        raise ValueError(f"{where} is empty; expected an absolute URI, {_URI_EXAMPLE}")
    if not _plain_ascii(value):
        authority = _authority(value)
        if authority is not None and not _plain_ascii(authority):
            raise ValueError(
                f"{where} has a host that is not plain ASCII, which the provider refuses when "
                "it signs; expected the host's ASCII (punycode) form, e.g. 'xn--caf-dma.example' "
                "for 'café.example'"
            )
        encoded = urllib.parse.quote(value, safe="!#$%&'()*+,/:;=?@[]~")
        raise ValueError(
            f"{where} contains white space, a control or a non-ASCII character, which the "
            f"certificate would carry percent-encoded or not at all; expected {encoded!r}"
        )
    if not _URI_CHARS.match(value):
        raise ValueError(
            f"{where} contains characters not allowed in a URI; expected them percent-encoded "
            "(RFC 3986), e.g. '%7B' for '{'"
        )
    if _BAD_PERCENT.search(value):
        raise ValueError(
            f"{where} has a '%' not followed by two hex digits; expected '%25' for a literal "
            "percent sign"
        )
    scheme, colon, rest = value.partition(":")
    if not colon or not _SCHEME.match(scheme):
        raise ValueError(f"{where} has no scheme; expected an absolute URI, {_URI_EXAMPLE}")
    scheme = scheme.lower()
    allowed = frozenset(schemes)
    if scheme not in allowed:
        raise ValueError(
            f"{where} has the scheme {scheme!r}; expected one of {', '.join(sorted(allowed))}, "
            "or that scheme added to this service's uri_schemes"
        )
    before_fragment, hash_sign, fragment = rest.partition("#")
    if hash_sign and not fragment:
        raise ValueError(
            f"{where} ends with an empty fragment '#', which the certificate would drop; "
            "expected the URI without it"
        )
    if "#" in fragment:
        raise ValueError(f"{where} has a second '#'; expected '%23' for a '#' inside the fragment")
    if not before_fragment.partition("?")[0]:
        raise ValueError(
            f"{where} has nothing after '{scheme}:'; expected an absolute URI, {_URI_EXAMPLE}"
        )
    authority = _authority(value)
    if authority is not None:
        _check_authority(where, authority)
    return f"{scheme}:{rest}"


def _plain_ascii(text: str) -> bool:
    return text.isascii() and text.isprintable() and " " not in text


def _authority(uri: str) -> str | None:
    """The part between '//' and the path, as Go's url.Parse splits it; None if there is none."""
    rest = uri.partition(":")[2].partition("#")[0].partition("?")[0]
    return rest[2:].partition("/")[0] if rest.startswith("//") else None


def _check_authority(where: str, authority: str) -> None:
    """Hosts that Go's url.Parse and x509 parser both accept, written back unchanged."""
    if "@" in authority:
        raise ValueError(
            f"{where} has user information before '@'; expected no credentials in a certificate"
        )
    if authority.startswith("["):
        literal, bracket, port = authority[1:].partition("]")
        if not bracket:
            raise ValueError(f"{where} has no ']' after its IPv6 host; expected '[fd00::5]'")
        if "%" in literal:
            raise ValueError(
                f"{where} has a zone identifier in its IPv6 host; expected the address without "
                "it, e.g. '[fe80::1]'"
            )
        try:
            ipaddress.IPv6Address(literal)
        except ValueError:
            raise ValueError(
                f"{where} has the host '[{literal}]', which is not an IPv6 address; expected "
                "e.g. '[fd00::5]'"
            ) from None
        port_text: str | None = port.removeprefix(":") if port else None
    else:
        host, colon, port = authority.rpartition(":") if ":" in authority else (authority, "", "")
        if not host:
            raise ValueError(f"{where} has no host after '//'; expected a host, {_URI_EXAMPLE}")
        labels = host.split(".")
        if not all(_HOST_LABEL.match(label) for label in labels):
            raise ValueError(
                f"{where} has the host {host!r}; expected a DNS name (letters, digits, '-' and "
                "'_' in dot-separated labels, no trailing dot), an IPv4 address or '[IPv6]'"
            )
        port_text = port if colon else None
    if port_text is not None and not _PORT.match(port_text):
        raise ValueError(f"{where} has the port {port_text!r}; expected digits, e.g. ':8443'")


def _ip_sort_key(value: str) -> tuple[int, int]:
    address = ipaddress.ip_address(value)
    return (address.version, int(address))


def sorted_dns_names(service: str, values: Iterable[object] | None) -> list[str]:
    """The dns_names SANs, lower-cased, de-duplicated and sorted; tokens last, as given."""
    return _sorted_unique(service, "dns_names", values, normalise_dns_name)


def sorted_ip_addresses(service: str, values: Iterable[object] | None) -> list[str]:
    """The ip_addresses SANs as the certificate carries them, IPv4 first, in numeric order."""
    return _sorted_unique(service, "ip_addresses", values, normalise_ip_address, key=_ip_sort_key)


def sorted_uris(service: str, values: Iterable[object] | None, schemes: Iterable[str]) -> list[str]:
    """The uris SANs as the certificate carries them, each in one of `schemes`, sorted."""
    allowed = frozenset(schemes)
    return _sorted_unique(service, "uris", values, lambda s, v: normalise_uri(s, v, allowed))


def _sorted_unique(
    service: str,
    field: str,
    values: Iterable[object] | None,
    normalise: Callable[[str, object], str],
    key: Callable[[str], tuple[int, int]] | None = None,
) -> list[str]:
    """Validate, normalise, de-duplicate and sort one SAN list; tokens are kept as given.

    The one pipeline for all three SAN kinds: each brings only its normaliser and its order.
    """
    if values is None:
        return []
    if isinstance(values, str):
        raise TypeError(
            f"service {service!r}: {field} is the string {values!r}; expected a list of strings"
        )
    tokens: list[str] = []
    plain: set[str] = set()
    for value in values:
        if isinstance(value, str) and is_token(value):
            if value not in tokens:
                tokens.append(value)
            continue
        plain.add(normalise(service, value))
    return sorted(plain, key=key) + tokens


def first_or_none(values: Sequence[object] | None) -> str | None:
    """The first plain (non-token) string of a normalised, sorted list: the default CN."""
    for value in values or ():
        if isinstance(value, str) and not is_token(value):
            return value.lower()
    return None
