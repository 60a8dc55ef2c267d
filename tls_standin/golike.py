"""Go standard-library behaviours that the real provider inherits, rewritten in Python.

hashicorp/tls is a Go program: what it accepts and the strings it writes come from Go's
encoding/pem, strings.TrimSpace, fmt's %q and time.Time.MarshalText. The stand-in must
agree with them byte for byte, so they live here, written from the documented Go
semantics (no Go code is copied).
"""

import base64
import binascii
import datetime as dt
import re
import time
from dataclasses import dataclass, field

_PEM_START = b"\n-----BEGIN "
_PEM_END = b"\n-----END "
_PEM_DASHES = b"-----"


@dataclass(frozen=True)
class PemBlock:
    """One decoded PEM block: its type line, headers and DER bytes."""

    type: str
    data: bytes
    headers: dict[str, str] = field(default_factory=dict)


def _line(data: bytes) -> tuple[bytes, bytes]:
    """Go's pem getLine: one line without trailing spaces, tabs and CR, and the rest."""
    index = data.find(b"\n")
    if index < 0:
        line, rest = data, b""
    else:
        line, rest = data[:index], data[index + 1 :]
    return line.rstrip(b" \t\r"), rest


def pem_decode(data: bytes) -> PemBlock | None:
    """The FIRST PEM block in data, as Go's pem.Decode finds it (None when there is none).

    Text before the block is skipped; a malformed candidate block is skipped too and the
    search goes on, but a later block is never preferred to an earlier valid one.
    """
    rest = data
    while True:
        if rest.startswith(_PEM_START[1:]):
            rest = rest[len(_PEM_START) - 1 :]
        else:
            index = rest.find(_PEM_START)
            if index < 0:
                return None
            rest = rest[index + len(_PEM_START) :]
        type_line, rest = _line(rest)
        if not type_line.endswith(_PEM_DASHES):
            continue
        type_name = type_line[: -len(_PEM_DASHES)]
        headers: dict[str, str] = {}
        truncated = False
        while True:
            if not rest:
                truncated = True
                break
            line, after = _line(rest)
            key, colon, value = line.partition(b":")
            if not colon:
                break
            headers[key.strip().decode(errors="replace")] = value.strip().decode(errors="replace")
            rest = after
        if truncated:
            return None
        if not headers and rest.startswith(_PEM_END[1:]):
            end_index, trailer_index = 0, len(_PEM_END) - 1
        else:
            end_index = rest.find(_PEM_END)
            trailer_index = end_index + len(_PEM_END)
        if end_index < 0:
            continue
        trailer = rest[trailer_index:]
        trailer_len = len(type_name) + len(_PEM_DASHES)
        if len(trailer) < trailer_len:
            continue
        rest_of_end_line = trailer[trailer_len:]
        trailer = trailer[:trailer_len]
        if not trailer.startswith(type_name) or not trailer.endswith(_PEM_DASHES):
            continue
        if _line(rest_of_end_line)[0]:
            continue
        body = rest[:end_index].replace(b" ", b"").replace(b"\t", b"")
        body = body.replace(b"\r", b"").replace(b"\n", b"")
        try:
            der = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            continue
        return PemBlock(type_name.decode(errors="replace"), der, headers)


# requireReplaceIfStateContainsPEMString (common.go): Go's RE2 `[[:alpha:]]` is ASCII
# letters, `(.|\s)` is any character, `$` without (?m) is the very end of the text.
_PEM_STRING = re.compile(r"-----BEGIN [A-Za-z ]+-----\n[\s\S]+\n-----END [A-Za-z ]+-----\n?\Z")


def is_pem_string(value: object) -> bool:
    """True when the real provider treats a value in state as a PEM (so a change replaces)."""
    return isinstance(value, str) and _PEM_STRING.match(value) is not None


# unicode.IsSpace: ASCII \t\n\v\f\r and space, U+0085, U+00A0 and the White_Space
# characters above Latin-1 (Python's str.isspace also counts U+001C..U+001F; Go does not).
_GO_SPACES = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _first_rune(data: bytes, start: int) -> tuple[str | None, int]:
    """The UTF-8 rune at start and its length (None for an invalid sequence, length 1)."""
    for size in (1, 2, 3, 4):
        chunk = data[start : start + size]
        if len(chunk) < size:
            break
        try:
            return chunk.decode("utf-8"), size
        except UnicodeDecodeError:
            continue
    return None, 1


def _last_rune(data: bytes, end: int) -> tuple[str | None, int]:
    """The UTF-8 rune ending at end and its length (None for an invalid sequence)."""
    for size in (1, 2, 3, 4):
        if end - size < 0:
            break
        try:
            return data[end - size : end].decode("utf-8"), size
        except UnicodeDecodeError:
            continue
    return None, 1


def trim_space(data: bytes) -> bytes:
    """Go's strings.TrimSpace on arbitrary bytes (DER included): Unicode spaces, UTF-8."""
    start, end = 0, len(data)
    while start < end:
        rune, size = _first_rune(data, start)
        if rune is None or rune not in _GO_SPACES:
            break
        start += size
    while end > start:
        rune, size = _last_rune(data, end)
        if rune is None or rune not in _GO_SPACES:
            break
        end -= size
    return data[start:end]


def go_quote(value: str) -> str:
    """Go's strconv.Quote (the %q verb): printable runes kept, others escaped."""
    named = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
    named["\v"] = "\\v"
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch.isprintable():  # Go's IsPrint: L, M, N, P, S and the ASCII space
            out.append(ch)
        elif ch in named:
            out.append(named[ch])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def marshal_text(epoch_ns: int) -> str:
    """time.Time.MarshalText of a time.Now()-derived instant in the process's local zone.

    RFC 3339 with nanoseconds, trailing zeros of the fraction trimmed (no fraction when
    it is zero), `Z` for a zero offset, otherwise `+hh:mm`. The zone comes from TZ or
    /etc/localtime, as Go's time.Local does.
    """
    seconds, nanos = divmod(epoch_ns, 1_000_000_000)
    local = dt.datetime.fromtimestamp(seconds, dt.UTC).astimezone()
    text = local.strftime("%Y-%m-%dT%H:%M:%S")
    if nanos:
        text += "." + f"{nanos:09d}".rstrip("0")
    offset = local.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    if minutes == 0:
        return text + "Z"
    sign = "+" if minutes > 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{text}{sign}{hours:02d}:{mins:02d}"


_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:[.,]([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2})\Z"
)


def parse_rfc3339_ns(text: str) -> int:
    """time.Parse(time.RFC3339, text) as nanoseconds since the epoch (ValueError if not)."""
    match = _RFC3339.match(text)
    if match is None:
        raise ValueError(f"cannot parse {text!r} as RFC 3339")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, zone = match.group(7), match.group(8)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"time out of range in {text!r}")
    moment = dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)
    if zone != "Z":
        zone_hours, zone_minutes = int(zone[1:3]), int(zone[4:6])
        if zone_hours > 23 or zone_minutes > 59:
            raise ValueError(f"time zone offset out of range in {text!r}")
        delta = dt.timedelta(hours=zone_hours, minutes=zone_minutes)
        moment = moment - delta if zone[0] == "+" else moment + delta
    nanos = int((fraction or "0")[:9].ljust(9, "0"))
    return int(moment.timestamp()) * 1_000_000_000 + nanos


def time_ns() -> int:
    """Wall-clock nanoseconds since the epoch (time.Now without the monotonic part)."""
    return time.time_ns()
