"""Certificate lifetimes in days, checked before anything is synthesized."""

from __future__ import annotations

import datetime as dt

HOURS_PER_DAY = 24
CA_VALIDITY_DAYS = 3650
"""The recipe's `openssl req -x509 -days 3650`."""
LEAF_VALIDITY_DAYS = 397
"""The longest lifetime public CAs may issue; short enough that renewal is routine."""
RENEW_BEFORE_DAYS = 30


def check_days(owner: str, field: str, value: object) -> int:
    """Return `value` as a positive whole number of days, or raise naming the field."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{owner}: {field} value {value!r} is not a whole number of days")
    if value <= 0:
        raise ValueError(f"{owner}: {field} value {value} must be greater than 0 days")
    return value


def check_renewal(owner: str, validity_days: int, renew_before_days: object) -> int:
    """A renewal window as long as the lifetime would re-issue the cert on every apply."""
    if isinstance(renew_before_days, bool) or not isinstance(renew_before_days, int):
        raise TypeError(
            f"{owner}: renew_before_days value {renew_before_days!r} is not a whole number of days"
        )
    if renew_before_days < 0:
        raise ValueError(
            f"{owner}: renew_before_days value {renew_before_days} must be 0 or more days"
        )
    if renew_before_days >= validity_days:
        raise ValueError(
            f"{owner}: renew_before_days value {renew_before_days} must be less than "
            f"validity_days ({validity_days}); otherwise every deploy re-issues the certificate"
        )
    return renew_before_days


def utc_text(moment: dt.datetime) -> str:
    """RFC 3339 in UTC with whole seconds (`2026-12-01T20:21:36Z`): the one form this project
    writes and shows a time in, at synth, in the ledger and in every command's output."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
