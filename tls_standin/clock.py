"""The provider's notion of "now", with a test-only shift.

`TLS_STANDIN_CLOCK_SHIFT_HOURS` (float, may be negative) moves "now" for issuing and for
renewal planning, so tests can exercise early renewal without waiting. TEST-ONLY: the real
provider has no such knob.
"""

import datetime as dt
import os

CLOCK_SHIFT_ENV = "TLS_STANDIN_CLOCK_SHIFT_HOURS"


def shift_hours() -> float:
    """The configured shift in hours (0 when unset or unparsable)."""
    raw = os.environ.get(CLOCK_SHIFT_ENV, "").strip()
    if not raw:
        return 0.0
    try:
        return float(raw)
    except ValueError:
        return 0.0


def now() -> dt.datetime:
    """Current UTC time plus the test shift, truncated to whole seconds like X.509 times."""
    current = dt.datetime.now(dt.UTC) + dt.timedelta(hours=shift_hours())
    return current.replace(microsecond=0)


def rfc3339(moment: dt.datetime) -> str:
    """Format like Go's time.RFC3339 for a UTC time (`2006-01-02T15:04:05Z`)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text: str) -> dt.datetime:
    """Parse an RFC3339 timestamp as written by `rfc3339` (or with an offset)."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
