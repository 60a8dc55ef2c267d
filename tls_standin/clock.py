"""The provider's notion of "now", with a test-only shift, and its timestamp strings.

`TLS_STANDIN_CLOCK_SHIFT_HOURS` (float, may be negative) moves "now" for issuing and for
renewal planning, so tests can exercise early renewal without waiting. TEST-ONLY: the real
provider has no such knob.

Times are kept as integer nanoseconds since the epoch because the real provider writes
`validity_*_time` from Go's time.Now() with nanoseconds (MarshalText, local zone) and
compares them at that precision; only the certificate itself carries whole seconds.
"""

import datetime as dt
import os

from tls_standin import golike

CLOCK_SHIFT_ENV = "TLS_STANDIN_CLOCK_SHIFT_HOURS"
NS_PER_SECOND = 1_000_000_000
NS_PER_HOUR = 3600 * NS_PER_SECOND


def shift_hours() -> float:
    """The configured shift in hours (0 when unset or unparsable)."""
    raw = os.environ.get(CLOCK_SHIFT_ENV, "").strip()
    if not raw:
        return 0.0
    try:
        return float(raw)
    except ValueError:
        return 0.0


def now_ns() -> int:
    """Current time plus the test shift, in nanoseconds since the epoch."""
    return golike.time_ns() + round(shift_hours() * NS_PER_HOUR)


def now() -> dt.datetime:
    """Current UTC time plus the test shift (microsecond precision, for callers and tests)."""
    return to_datetime(now_ns())


def to_datetime(epoch_ns: int) -> dt.datetime:
    """An aware UTC datetime for an instant (sub-microsecond digits dropped)."""
    seconds, nanos = divmod(epoch_ns, NS_PER_SECOND)
    base = dt.datetime.fromtimestamp(seconds, dt.UTC)
    return base + dt.timedelta(microseconds=nanos // 1000)


def whole_seconds(epoch_ns: int) -> dt.datetime:
    """The instant rounded down to the second, as Go writes it into an X.509 validity."""
    return dt.datetime.fromtimestamp(epoch_ns // NS_PER_SECOND, dt.UTC)


def timestamp(epoch_ns: int) -> str:
    """The real provider's validity_*_time string (Go MarshalText in the local zone)."""
    return golike.marshal_text(epoch_ns)


def rfc3339(moment: dt.datetime) -> str:
    """Timestamp string of a datetime, as the provider would write that instant."""
    delta = moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    seconds = delta.days * 86400 + delta.seconds
    return timestamp(seconds * NS_PER_SECOND + delta.microseconds * 1000)


def parse_ns(text: str) -> int:
    """Parse like Go's time.Parse(time.RFC3339, ...): fraction and offset allowed."""
    return golike.parse_rfc3339_ns(text)


def parse_rfc3339(text: str) -> dt.datetime:
    """Parse an RFC 3339 timestamp (fraction and offset allowed) to an aware UTC datetime."""
    return to_datetime(parse_ns(text))
