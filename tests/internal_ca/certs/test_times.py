"""The one time parser: what hashicorp/tls writes, shown as UTC whole seconds."""

from __future__ import annotations

import datetime as dt

import pytest

from internal_ca.certs import facts
from internal_ca.certs.times import display_time, iso, parse_time
from internal_ca.errors import OperationError

WHERE = "validity_end_time of tls_locally_signed_cert.web"


def test_nanoseconds_in_utc_are_cut_to_whole_seconds() -> None:
    """The real provider writes Go's time.MarshalText: nine fraction digits."""
    assert display_time("2026-12-01T20:21:36.301968822Z", WHERE) == "2026-12-01T20:21:36Z"


def test_a_positive_offset_is_shown_in_utc() -> None:
    """A provider running in another zone writes its local time with an offset."""
    assert display_time("2026-12-01T21:21:36.3+01:00", WHERE) == "2026-12-01T20:21:36Z"


def test_a_negative_offset_can_move_the_date() -> None:
    assert display_time("2026-12-01T22:30:00-05:30", WHERE) == "2026-12-02T04:00:00Z"


def test_whole_seconds_with_z_are_kept_as_they_are() -> None:
    """The stand-in's own format must not change."""
    assert display_time("2027-01-01T00:00:00Z", WHERE) == "2027-01-01T00:00:00Z"


def test_lower_case_separator_and_zone_are_rfc3339_too() -> None:
    assert display_time("2026-12-01t20:21:36z", WHERE) == "2026-12-01T20:21:36Z"


def test_parse_keeps_microseconds_and_is_aware_utc() -> None:
    """Comparisons need the instant, not the text: the fraction counts, to the microsecond."""
    moment = parse_time("2026-12-01T21:21:36.123456789+01:00", WHERE)
    assert moment == dt.datetime(2026, 12, 1, 20, 21, 36, 123456, tzinfo=dt.UTC)
    assert moment.utcoffset() == dt.timedelta(0)


def test_the_same_instant_in_two_zones_compares_equal() -> None:
    assert parse_time("2026-12-01T20:21:36Z", WHERE) == parse_time(
        "2026-12-01T21:21:36+01:00", WHERE
    )


def test_garbage_is_refused_naming_the_field_and_the_value() -> None:
    """Times are not secret, so a short plain value is quoted back to help the user."""
    with pytest.raises(
        OperationError,
        match=r"^validity_end_time of tls_locally_signed_cert\.web 'next tuesday' is not an "
        r"RFC 3339 time; expected e\.g\. 2026-12-01T20:21:36Z",
    ):
        parse_time("next tuesday", WHERE)


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-01T20:21:36",  # no offset: a naive time means nothing
        "2026-12-01 20:21:36Z",  # fromisoformat takes a space; RFC 3339 needs T
        "20261201T202136Z",  # basic format
        "2026-13-01T20:21:36Z",  # month 13
        "2026-12-01T24:00:00Z",  # hour 24
        "2026-12-01T20:21:36+24:00",  # offset out of range
        "2026-12-01T20:21:36+01:60",
        "2026-12-01T20:21:36.1234567890Z",  # more than nanoseconds
        "2026-12-01T20:21:36.Z",
    ],
)
def test_near_misses_are_refused(text: str) -> None:
    with pytest.raises(OperationError, match="is not an RFC 3339 time"):
        parse_time(text, WHERE)


@pytest.mark.parametrize("value", [None, 1764620496, ["2026-12-01T20:21:36Z"]])
def test_a_value_that_is_not_text_is_refused(value: object) -> None:
    with pytest.raises(OperationError, match=f"^{WHERE} is not an RFC 3339 time"):
        parse_time(value, WHERE)


def test_a_value_that_could_be_a_secret_is_never_quoted() -> None:
    """Only short plain text is echoed, so a misplaced key block cannot reach a message."""
    text = "-----BEGIN " + "CERTIFICATE-----\nMIIB" + "A" * 64
    with pytest.raises(OperationError) as caught:
        parse_time(text, WHERE)
    assert "MIIB" not in str(caught.value)
    assert str(caught.value).startswith(f"{WHERE} is not an RFC 3339 time")


def test_iso_shows_whole_utc_seconds_from_any_zone() -> None:
    moment = dt.datetime(2026, 12, 1, 21, 21, 36, 999999, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert iso(moment) == "2026-12-01T20:21:36Z"


def test_iso_is_still_importable_from_facts() -> None:
    """Commands import iso from certs.facts; it is the same function."""
    assert facts.iso is iso
