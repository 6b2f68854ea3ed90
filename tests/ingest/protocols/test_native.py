import contextlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lastmile.errors import InvalidInput, LastmileError, MalformedRequest
from lastmile.ingest.protocols.native import NativeBatch, decode_native, fixes_from_batch

PAYLOADS = Path(__file__).parents[1] / "payloads"
NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def body(*fixes: dict[str, object], device_id: str = "android-7f3a9c") -> bytes:
    return json.dumps({"device_id": device_id, "fixes": list(fixes)}).encode()


def fix(**fields: object) -> dict[str, object]:
    return {"at": "2025-03-03T08:00:00Z", "lat": 60.1699, "lon": 24.9384, **fields}


def test_sample_batch_decodes_to_si_units_in_utc():
    # payloads/native_batch.json: our own format, written by hand (see payloads/SOURCES.md).
    fixes = decode_native((PAYLOADS / "native_batch.json").read_bytes(), now=NOW)
    assert [f.device_id for f in fixes] == ["android-7f3a9c"] * 2
    first, second = fixes
    assert first.at == datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
    assert (first.accuracy_m, first.speed_mps, first.heading_deg) == (6.5, 8.3, 92.0)
    assert (first.altitude_m, first.battery_pct, first.charging, first.moving) == (
        14.2,
        81.0,
        False,
        True,
    )
    assert second.at == datetime(2025, 3, 3, 8, 0, 5, tzinfo=UTC)
    assert second.at.tzinfo is UTC
    assert second.event == "heartbeat"
    assert second.attributes == {"activity": "in_vehicle", "satellites": 11}
    assert (second.battery_pct, second.charging, second.mock) == (None, None, False)


def test_errors_name_the_fix_by_index():
    with pytest.raises(InvalidInput) as caught:
        decode_native(body(fix(), fix(), fix(), fix(lat=91.2)), now=NOW)
    assert caught.value.field == "fixes[3].lat"
    assert caught.value.errors[0].message == "`fixes[3].lat` is 91.2: must be within -90..90"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"lon": 180.5}, "fixes[0].lon", "must be within -180..180"),
        ({"accuracy_m": -1}, "fixes[0].accuracy_m", "must be 0 or more"),
        ({"speed_mps": -0.1}, "fixes[0].speed_mps", "must be 0 or more"),
        ({"heading_deg": 361}, "fixes[0].heading_deg", "must be within 0..360"),
        ({"battery_pct": 101}, "fixes[0].battery_pct", "must be within 0..100"),
        ({"lat": "60.1"}, "fixes[0].lat", "input should be a valid number"),
        ({"lat": True}, "fixes[0].lat", "input should be a valid number"),
        ({"mock": 1}, "fixes[0].mock", "input should be a valid boolean"),
        ({"at": 1741000000}, "fixes[0].at", "input should be a valid datetime"),
        ({"at": "2025-03-03T08:00:00"}, "fixes[0].at", "input should have timezone info"),
        ({"odometer": 12}, "fixes[0].odometer", "is not a known field"),
        ({"attributes": {"nested": {"a": 1}}}, "fixes[0].attributes.nested", "boolean or finite"),
    ],
)
def test_each_bad_value_names_its_field(fields, field, message):
    with pytest.raises(InvalidInput) as caught:
        decode_native(body(fix(**fields)), now=NOW)
    assert caught.value.field == field
    assert message in caught.value.errors[0].message


def test_nan_is_refused_with_the_field_named():
    raw = b'{"device_id": "d", "fixes": [{"at": "2025-03-03T08:00:00Z", "lat": NaN, "lon": 1}]}'
    with pytest.raises(InvalidInput) as caught:
        decode_native(raw, now=NOW)
    assert caught.value.errors[0].message == "`fixes[0].lat` is nan: must be a finite number"


def test_every_missing_field_is_reported():
    with pytest.raises(InvalidInput) as caught:
        decode_native(b'{"fixes": [{"lat": 1}]}', now=NOW)
    assert [e.field for e in caught.value.errors] == ["device_id", "fixes[0].at", "fixes[0].lon"]
    assert caught.value.errors[0].message == "`device_id` is missing"


def test_a_fix_a_day_ahead_refuses_the_whole_batch():
    tomorrow = (NOW + timedelta(days=1)).isoformat()
    with pytest.raises(InvalidInput) as caught:
        decode_native(body(fix(), fix(at=tomorrow)), now=NOW)
    assert caught.value.field == "fixes[1].at"
    assert "more than 300 s ahead of the server clock" in caught.value.detail


def test_a_fix_a_few_seconds_ahead_is_accepted():
    soon = (NOW + timedelta(seconds=299)).isoformat()
    assert decode_native(body(fix(at=soon)), now=NOW)[0].at == NOW + timedelta(seconds=299)


def test_the_allowed_clock_skew_is_configurable():
    soon = (NOW + timedelta(seconds=60)).isoformat()
    with pytest.raises(InvalidInput):
        decode_native(body(fix(at=soon)), now=NOW, max_future_s=30)


@pytest.mark.parametrize(
    "raw", [b'{"device_id": "d", "fixes": [{"at": "2025', b"", b"\xff\xfe", b"[1,"]
)
def test_unparseable_bodies_are_malformed(raw):
    with pytest.raises(MalformedRequest, match="not valid JSON"):
        decode_native(raw, now=NOW)


def test_a_body_that_is_not_an_object_is_invalid():
    with pytest.raises(InvalidInput):
        decode_native(b"[]", now=NOW)


def test_batches_hold_1_to_1000_fixes():
    assert len(decode_native(body(*[fix()] * 1000), now=NOW)) == 1000
    for count in (0, 1001):
        with pytest.raises(InvalidInput) as caught:
            decode_native(body(*[fix()] * count), now=NOW)
        assert caught.value.field == "fixes"


@pytest.mark.parametrize("device_id", ["", " van", "van\n", "x" * 129])
def test_device_id_must_be_printable_and_trimmed(device_id):
    with pytest.raises(InvalidInput) as caught:
        decode_native(body(fix(), device_id=device_id), now=NOW)
    assert caught.value.field == "device_id"


def test_a_parsed_batch_can_be_decoded_directly():
    batch = NativeBatch.model_validate_json(body(fix()))
    assert fixes_from_batch(batch, now=NOW)[0].lat == 60.1699


def test_the_schema_documents_the_ranges():
    schema = NativeBatch.model_json_schema()
    lat = schema["$defs"]["NativeFix"]["properties"]["lat"]
    assert (lat["minimum"], lat["maximum"]) == (-90, 90)
    assert schema["properties"]["fixes"]["maxItems"] == 1000


latitudes = st.floats(min_value=-90, max_value=90, allow_nan=False)
longitudes = st.floats(min_value=-180, max_value=180, allow_nan=False)


@settings(deadline=None)
@given(lat=latitudes, lon=longitudes)
def test_any_in_range_position_round_trips(lat, lon):
    decoded = decode_native(body(fix(lat=lat, lon=lon)), now=NOW)[0]
    assert (decoded.lat, decoded.lon) == (lat, lon)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
fix_fields = st.sampled_from(
    ["at", "lat", "lon", "accuracy_m", "speed_mps", "heading_deg", "battery_pct", "mock", "event"]
)


@settings(deadline=None)
@given(field=fix_fields, value=json_values)
def test_any_value_in_any_field_decodes_or_raises_our_error(field, value):
    try:
        raw = json.dumps({"device_id": "d", "fixes": [fix(**{field: value})]})
        result = decode_native(raw, now=NOW)
    except LastmileError:
        return
    assert len(result) == 1


@settings(deadline=None)
@given(raw=st.binary(max_size=200) | json_values.map(json.dumps))
def test_arbitrary_bodies_raise_only_our_errors(raw):
    with contextlib.suppress(LastmileError):
        decode_native(raw, now=NOW)
