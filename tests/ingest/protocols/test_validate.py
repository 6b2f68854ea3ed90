from datetime import UTC, datetime, timedelta

import pytest

from lastmile.errors import InvalidInput, MalformedRequest
from lastmile.ingest.protocols import _validate as v

NOW = datetime(2025, 6, 16, tzinfo=UTC)


@pytest.mark.parametrize(
    ("bounds", "text"),
    [
        (v.LATITUDE, "must be within -90..90"),
        (v.NON_NEGATIVE, "must be 0 or more"),
        (v.Bounds(hi=5.5), "must be 5.5 or less"),
        (v.ANY, "must be a finite number"),
    ],
)
def test_bounds_describe_themselves(bounds, text):
    assert bounds.describe() == text


@pytest.mark.parametrize(
    ("value", "shown"),
    [(91.0, "91"), (91.25, "91.25"), ("abc", "'abc'"), ("x" * 60, "'" + "x" * 38 + "…")],
)
def test_show_keeps_messages_short_and_readable(value, shown):
    assert v.show(value) == shown


@pytest.mark.parametrize("text", ["٣", "1_000", "0x10", "nan", "-inf", "", "1e", "."])
def test_decimal_accepts_only_plain_ascii_numbers(text):
    with pytest.raises(InvalidInput):
        v.decimal(text, "speed")


@pytest.mark.parametrize(
    ("text", "value"), [("1", 1.0), (" -2.5 ", -2.5), (".5", 0.5), ("1e3", 1000.0)]
)
def test_decimal_reads_plain_numbers(text, value):
    assert v.decimal(text, "speed") == value


def test_huge_integers_are_refused_not_crashed():
    with pytest.raises(InvalidInput, match="far too large"):
        v.number(10**400, "lat")


def test_iso_times_without_offset_are_utc():
    assert v.iso_datetime("2025-06-15 10:00:00", "t") == datetime(2025, 6, 15, 10, tzinfo=UTC)
    assert v.iso_datetime("2025-06-15T12:00:00+02:00", "t") == datetime(2025, 6, 15, 10, tzinfo=UTC)


def test_check_at_converts_to_utc_and_bounds_the_clock():
    local = datetime(2025, 6, 16, 2, tzinfo=datetime.fromisoformat("2025-01-01T00:00+02:00").tzinfo)
    assert v.check_at(local, "at", now=NOW, max_future_s=300).tzinfo is UTC
    with pytest.raises(InvalidInput):
        v.check_at(NOW + timedelta(seconds=301), "at", now=NOW, max_future_s=300)
    with pytest.raises(InvalidInput, match="after 2000-01-01"):
        v.check_at(datetime(1970, 1, 1, tzinfo=UTC), "at", now=NOW, max_future_s=300)


def test_check_at_needs_an_aware_now():
    with pytest.raises(ValueError, match="timezone-aware"):
        v.check_at(NOW, "at", now=datetime(2025, 6, 16), max_future_s=300)


@pytest.mark.parametrize(
    "raw", [b"[" * 100_000, b'{"a": NaN}', b'{"a": -Infinity}', b'{"a": 1', b"\x80"]
)
def test_json_body_refuses_what_is_not_strict_json(raw):
    with pytest.raises(MalformedRequest, match="not valid JSON"):
        v.json_body(raw)


@pytest.mark.parametrize("value", ["", "a" * 129, " a", "a\tb", 5])
def test_device_id_rules(value):
    with pytest.raises(InvalidInput):
        v.device_id(value, "device_id")
