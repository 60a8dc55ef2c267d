"""The one reader and writer of times: RFC 3339 in, UTC whole seconds out.

hashicorp/tls writes `validity_start_time` / `validity_end_time` with Go's `time.MarshalText`:
nanoseconds, in the provider's local zone (`2026-12-01T20:21:36.301968822Z`, or
`2026-12-01T21:21:36.3+01:00`). Python's `datetime.fromisoformat` is both too strict for that
on some versions and too lenient everywhere else (naive times, a space for `T`, basic
format), so every time the project shows or compares goes through `parse_time` here, and is
shown with `iso`: UTC, whole seconds, as the certificate itself encodes it.
"""

from __future__ import annotations

import datetime as dt
import re

from ca_constructs.lifetimes import utc_text
from internal_ca.errors import OperationError

_RFC3339 = re.compile(
    r"^(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt](?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2})"
    r"(?:\.(?P<fraction>[0-9]{1,9}))?"
    r"(?:(?P<utc>[Zz])|(?P<sign>[+-])(?P<hours>[0-9]{2}):(?P<minutes>[0-9]{2}))$"
)
# A value this short and plain is a (bad) time, never a secret, so it may be quoted back.
_QUOTABLE = re.compile(r"^[0-9A-Za-z:.+ -]{1,40}$")


def parse_time(text: object, where: str) -> dt.datetime:
    """An RFC 3339 time with an optional fraction (to nanoseconds) and an offset, in UTC.

    The fraction is kept to the microsecond; `where` names the field in the error message.
    """
    found = _RFC3339.match(text) if isinstance(text, str) else None
    try:
        if found is None:
            raise ValueError
        offset = dt.timedelta(hours=int(found["hours"] or 0), minutes=int(found["minutes"] or 0))
        if offset >= dt.timedelta(days=1) or int(found["minutes"] or 0) >= 60:
            raise ValueError
        zone = dt.timezone(-offset if found["sign"] == "-" else offset)
        fraction = (found["fraction"] or "")[:6].ljust(6, "0")
        local = dt.datetime.fromisoformat(f"{found['date']}T{found['time']}.{fraction}")
    except ValueError:
        shown = f" {text!r}" if isinstance(text, str) and _QUOTABLE.match(text) else ""
        raise OperationError(
            f"{where}{shown} is not an RFC 3339 time; expected e.g. 2026-12-01T20:21:36Z or "
            "2026-12-01T21:21:36.301968822+01:00"
        ) from None
    return local.replace(tzinfo=zone).astimezone(dt.UTC)


def iso(moment: dt.datetime) -> str:
    """RFC 3339 in UTC, whole seconds (`2026-12-01T20:21:36Z`): how every time is shown."""
    return utc_text(moment)


def display_time(text: object, where: str) -> str:
    """A provider's time string as it is shown: UTC, whole seconds."""
    return iso(parse_time(text, where))
