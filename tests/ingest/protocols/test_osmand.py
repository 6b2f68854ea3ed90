import contextlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lastmile.errors import InvalidInput, LastmileError, MalformedRequest
from lastmile.ingest.protocols.osmand import (
    MPS_PER_KNOT,
    decode_osmand_json,
    decode_osmand_query,
    is_json_request,
)

PAYLOADS = Path(__file__).parents[1] / "payloads"
NOW = datetime(2025, 6, 16, 0, 0, tzinfo=UTC)


def recorded_queries() -> dict[str, dict[str, str]]:
    """payloads/osmand_query.txt: the requests of Traccar's own OsmAnd decoder test."""
    queries = {}
    for line in (PAYLOADS / "osmand_query.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, target = line.split(" ")
            queries[name] = dict(parse_qsl(urlsplit(target).query, keep_blank_values=True))
    return queries


QUERIES = recorded_queries()


def epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


# Expected decodings of traccar/traccar OsmAndProtocolDecoderTest.testDecodeQuery, by line name.
EXPECTED = {
    "iso_timestamp": {
        "device_id": "902064",
        "at": datetime(2016, 1, 27, 18, 55, 47, tzinfo=UTC),
        "lat": 42.06288,
        "lon": -88.23412,
        "altitude_m": 224.0,
        "speed_mps": 0.0,
        "attributes": {"hdop": 6.0},
    },
    "epoch_ms_timestamp": {"at": epoch(1442068686.579), "lat": 42.06288},
    "space_separated_timestamp": {
        "device_id": "353861053849681",
        "at": datetime(2014, 6, 4, 9, 10, 11, tzinfo=UTC),
        "altitude_m": 384.7,
    },
    "bearing_and_hdop": {
        "at": epoch(1377177267),
        "heading_deg": 0.0,
        "altitude_m": 0.0,
        "attributes": {"hdop": 0.0},
    },
    "minimal": {"device_id": "123456", "at": epoch(1377177267), "lat": 60.0, "lon": 30.0},
    "deviceid_without_timestamp": {
        "device_id": "123456",
        "at": NOW,
        "heading_deg": 0.0,
        "attributes": {"vacc": "0", "hacc": "0", "server_time": True},
    },
    "battery_without_timestamp": {
        "device_id": "861001000719969",
        "battery_pct": 87.0,
        "altitude_m": 350.059479,
        "attributes": {"server_time": True},
    },
    "location_pair": {"lat": 60.0, "lon": 30.0, "attributes": {}},
    "vehicle_extras": {
        "device_id": "123456789012345",
        "at": epoch(1504763810),
        "lat": 40.7232948571,
        "lon": -74.0061408571,
        "heading_deg": 7.19889788244,
        "speed_mps": 40 * 1852 / 3600,
        "attributes": {"ignition": "true", "rpm": "933", "fuel": "24"},
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_recorded_traccar_queries_decode(name):
    fix = decode_osmand_query(QUERIES[name], now=NOW)
    for field, value in EXPECTED[name].items():
        expected = pytest.approx(value) if isinstance(value, float) else value
        assert getattr(fix, field) == expected, field


@pytest.mark.parametrize(
    ("name", "field"), [("cells_and_wifi_only", "lat"), ("no_device_id", "id")]
)
def test_recorded_traccar_queries_without_position_or_id_are_refused(name, field):
    with pytest.raises(InvalidInput) as caught:
        decode_osmand_query(QUERIES[name], now=NOW)
    assert caught.value.field == field


def test_traccar_client_android_parameters():
    # The parameter set of traccar/traccar-client-android ProtocolFormatter.kt (built, not
    # recorded): it sends accuracy 0 for GPS-provider fixes, and `mock` only when true.
    params = {
        "id": "212684",
        "timestamp": "1741000000",
        "lat": "60.1699",
        "lon": "24.9384",
        "speed": "10.0",
        "bearing": "271.5",
        "altitude": "17.0",
        "accuracy": "0.0",
        "batt": "63.0",
        "mock": "true",
        "alarm": "sos",
    }
    fix = decode_osmand_query(params, now=NOW)
    assert fix.accuracy_m is None
    assert fix.speed_mps == pytest.approx(5.144, abs=1e-3)
    assert (fix.heading_deg, fix.battery_pct, fix.mock) == (271.5, 63.0, True)
    assert fix.attributes == {"alarm": "sos"}


def test_form_extras_are_typed():
    fix = decode_osmand_query(
        {"id": "1", "lat": "1", "lon": "2", "charge": "false", "valid": "1", "accuracy": "7.5"},
        now=NOW,
    )
    assert (fix.charging, fix.accuracy_m) == (False, 7.5)
    assert fix.attributes == {"valid": True, "server_time": True}


def test_id_wins_over_deviceid_and_empty_values_count_as_absent():
    fix = decode_osmand_query(
        {"id": "a", "deviceid": "b", "lat": "1", "lon": "2", "batt": ""}, now=NOW
    )
    assert (fix.device_id, fix.battery_pct) == ("a", None)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"lat": "91.2"}, "lat", "`lat` is 91.2: must be within -90..90"),
        ({"lon": "-180.01"}, "lon", "`lon` is -180.01: must be within -180..180"),
        ({"lat": "NaN"}, "lat", "`lat` is 'NaN': must be a decimal number"),
        ({"lat": "inf"}, "lat", "`lat` is 'inf': must be a decimal number"),
        ({"lat": "1e999"}, "lat", "`lat` is inf: must be a finite number"),
        ({"lat": "60,1"}, "lat", "`lat` is '60,1': must be a decimal number"),
        ({"speed": "-3"}, "speed", "`speed` is -3: must be 0 or more"),
        ({"bearing": "361"}, "bearing", "`bearing` is 361: must be within 0..360"),
        ({"heading": "-1"}, "heading", "`heading` is -1: must be within 0..360"),
        ({"batt": "101"}, "batt", "`batt` is 101: must be within 0..100"),
        ({"accuracy": "-5"}, "accuracy", "`accuracy` is -5: must be 0 or more"),
        ({"mock": "maybe"}, "mock", "`mock` is 'maybe': must be true, false, 1 or 0"),
        ({"timestamp": "yesterday"}, "timestamp", "epoch seconds, epoch milliseconds or an ISO"),
        ({"timestamp": "99999999999999999999"}, "timestamp", "not a usable epoch time"),
        ({"timestamp": "946684799"}, "timestamp", "must be after 2000-01-01"),
        ({"id": " 123"}, "id", "without surrounding spaces"),
    ],
)
def test_bad_parameters_name_their_field(changes, field, message):
    params = {**QUERIES["minimal"], **changes}
    with pytest.raises(InvalidInput) as caught:
        decode_osmand_query(params, now=NOW)
    assert caught.value.field == field
    assert message in caught.value.errors[0].message


@pytest.mark.parametrize("pair", ["60.0", "60.0,30.0,5", "a,b", "91,30"])
def test_a_bad_location_pair_is_refused(pair):
    with pytest.raises(InvalidInput) as caught:
        decode_osmand_query({"id": "1", "location": pair}, now=NOW)
    assert caught.value.field == "location"


def test_lon_without_lat_names_lat_and_lat_without_lon_names_lon():
    for given_param, missing in (("lon", "lat"), ("lat", "lon")):
        with pytest.raises(InvalidInput) as caught:
            decode_osmand_query({"id": "1", given_param: "1"}, now=NOW)
        assert caught.value.field == missing


def test_a_timestamp_a_day_ahead_is_refused():
    tomorrow = int((NOW + timedelta(days=1)).timestamp())
    with pytest.raises(InvalidInput) as caught:
        decode_osmand_query({**QUERIES["minimal"], "timestamp": str(tomorrow)}, now=NOW)
    assert caught.value.field == "timestamp"
    assert "ahead of the server clock" in caught.value.detail


def load(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


def test_recorded_json_android_still():
    # traccar/traccar OsmAndProtocolDecoderTest.testDecodeJson, body 1.
    [fix] = decode_osmand_json(load("osmand_json_android_still.json"), now=NOW)
    assert fix.device_id == "48241179"
    assert fix.at == datetime(2025, 6, 15, 13, 45, 12, 862000, tzinfo=UTC)
    assert (fix.lat, fix.lon, fix.accuracy_m, fix.altitude_m) == (37.4219983, -122.084, 5.0, 5.0)
    assert (fix.speed_mps, fix.heading_deg) == (0.0, None)
    assert (fix.battery_pct, fix.charging, fix.moving, fix.mock) == (100.0, False, False, False)
    assert fix.event == "motionchange"
    assert fix.attributes == {"odometer_m": 0.0, "activity": "still"}


def test_recorded_json_extras_are_kept():
    # traccar/traccar OsmAndProtocolDecoderTest.testDecodeJson, body 2.
    [fix] = decode_osmand_json(load("osmand_json_extras.json"), now=NOW)
    assert fix.attributes == {
        "device_string_test": "long_device_id",
        "device_bool_test": True,
        "device_bool_false_test": False,
        "device_integer_test": 1,
        "device_double_test": 1.345,
        "device_very_long_double_test": 1763636.3442,
        "odometer_m": 0.0,
        "activity": "still",
    }


def test_recorded_json_ios_unknowns_and_mock():
    # traccar/traccar OsmAndProtocolDecoderTest.testDecodeJson, body 3 (iOS simulator).
    [fix] = decode_osmand_json(load("osmand_json_ios_mock.json"), now=NOW)
    assert fix.device_id == "658765"
    assert fix.at == datetime(2025, 5, 9, 4, 11, 30, 579000, tzinfo=UTC)
    assert fix.mock is True
    assert (fix.speed_mps, fix.heading_deg, fix.altitude_m, fix.battery_pct) == (None,) * 4
    assert fix.attributes["uuid"] == "2FB04C65-99CF-42AB-8DD3-EBCB4B108BF8"
    assert fix.attributes["activity"] == "unknown"


def test_recorded_json_moving():
    # traccar/traccar OsmAndProtocolDecoderTest.testDecodeJson, body 4.
    [fix] = decode_osmand_json(load("osmand_json_moving.json"), now=NOW)
    assert (fix.lat, fix.lon) == (-6.1148096, 106.6837015)
    assert (fix.speed_mps, fix.heading_deg, fix.altitude_m) == (18.67, 63.0, 35.7)
    assert fix.battery_pct == pytest.approx(79.0)
    assert fix.accuracy_m == 3.8


def json_body(**location_changes: object) -> dict[str, object]:
    location = json.loads(load("osmand_json_moving.json"))["location"]
    location.update(location_changes)
    return {"device_id": "8737767034", "location": location}


def test_a_batched_json_upload_gives_every_fix():
    one = json_body()["location"]
    later = {**one, "timestamp": "2021-07-21T08:06:39.444Z"}
    fixes = decode_osmand_json(json.dumps({"device_id": "v", "location": [one, later]}), now=NOW)
    assert [fix.at.second for fix in fixes] == [34, 39]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"location": {}}, "device_id"),
        ({"device_id": 8737767034, "location": {}}, "device_id"),
        ({"device_id": "v"}, "location"),
        ({"device_id": "v", "location": []}, "location"),
        ({"device_id": "v", "location": "here"}, "location"),
        (json_body(coords=None), "location.coords"),
        (json_body(timestamp=None), "location.timestamp"),
        (json_body(timestamp="21/07/2021"), "location.timestamp"),
        (json_body(timestamp="2031-07-21T08:06:34Z"), "location.timestamp"),
        (json_body(coords={"latitude": "1", "longitude": 2}), "location.coords.latitude"),
        (json_body(coords={"latitude": 91.2, "longitude": 2}), "location.coords.latitude"),
        (json_body(coords={"latitude": 1}), "location.coords.longitude"),
        (json_body(coords={"latitude": 1, "longitude": 2, "speed": -2}), "location.coords.speed"),
        (
            json_body(coords={"latitude": 1, "longitude": 2, "accuracy": -1}),
            "location.coords.accuracy",
        ),
        (json_body(battery={"level": 1.5}), "location.battery.level"),
        (json_body(battery={"level": 0.5, "is_charging": "no"}), "location.battery.is_charging"),
        (json_body(mock=1), "location.mock"),
        (json_body(extras=[]), "location.extras"),
    ],
)
def test_bad_json_fields_are_named(payload, field):
    with pytest.raises(InvalidInput) as caught:
        decode_osmand_json(json.dumps(payload), now=NOW)
    assert caught.value.field == field


def test_a_bad_fix_in_a_batch_is_named_by_index():
    good = json_body()["location"]
    payload = {
        "device_id": "v",
        "location": [good, {**good, "coords": {"latitude": 95, "longitude": 0}}],
    }
    with pytest.raises(InvalidInput) as caught:
        decode_osmand_json(json.dumps(payload), now=NOW)
    assert caught.value.field == "location[1].coords.latitude"


@pytest.mark.parametrize(
    "raw",
    [
        load("osmand_json_moving.json")[:120],
        b'{"device_id": "v", "location": {"coords": {"latitude": NaN}}}',
        b"[]",
        b"\xff",
    ],
)
def test_unparseable_or_non_object_json_is_malformed(raw):
    with pytest.raises(MalformedRequest):
        decode_osmand_json(raw, now=NOW)


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("application/json", True),
        ("application/json; charset=utf-8", True),
        ("application/x-www-form-urlencoded", False),
        (None, False),
    ],
)
def test_is_json_request(content_type, expected):
    assert is_json_request(content_type) is expected


@settings(deadline=None)
@given(
    lat=st.floats(min_value=-90, max_value=90),
    lon=st.floats(min_value=-180, max_value=180),
    speed_kn=st.floats(min_value=0, max_value=200),
)
def test_any_in_range_query_round_trips(lat, lon, speed_kn):
    query = urlencode({"id": "1", "lat": repr(lat), "lon": repr(lon), "speed": repr(speed_kn)})
    fix = decode_osmand_query(dict(parse_qsl(query)), now=NOW)
    assert (fix.lat, fix.lon) == (lat, lon)
    assert fix.speed_mps == pytest.approx(speed_kn * MPS_PER_KNOT)


@settings(deadline=None)
@given(
    lat=st.floats(min_value=-90, max_value=90),
    lon=st.floats(min_value=-180, max_value=180),
    speed_mps=st.floats(min_value=0, max_value=100),
)
def test_any_in_range_json_round_trips(lat, lon, speed_mps):
    payload = json_body(coords={"latitude": lat, "longitude": lon, "speed": speed_mps})
    [fix] = decode_osmand_json(json.dumps(payload), now=NOW)
    assert (fix.lat, fix.lon, fix.speed_mps) == (lat, lon, speed_mps)


param_names = st.sampled_from(
    [
        "id",
        "deviceid",
        "timestamp",
        "lat",
        "lon",
        "location",
        "speed",
        "bearing",
        "heading",
        "altitude",
        "accuracy",
        "hdop",
        "batt",
        "charge",
        "mock",
        "alarm",
        "valid",
    ]
) | st.text(max_size=8)


@settings(deadline=None)
@given(params=st.dictionaries(param_names, st.text(max_size=25), max_size=10))
def test_arbitrary_parameters_decode_or_raise_our_error(params):
    with contextlib.suppress(LastmileError):
        decode_osmand_query({"id": "1", "lat": "1", "lon": "1", **params}, now=NOW)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
location_keys = st.sampled_from(
    [
        "timestamp",
        "coords",
        "battery",
        "mock",
        "is_moving",
        "event",
        "odometer",
        "activity",
        "extras",
        "uuid",
        "alarm",
    ]
)


@settings(deadline=None)
@given(key=location_keys, value=json_values)
def test_any_value_in_any_location_field_decodes_or_raises_our_error(key, value):
    with contextlib.suppress(LastmileError):
        decode_osmand_json(json.dumps(json_body(**{key: value})), now=NOW)


@settings(deadline=None)
@given(raw=st.binary(max_size=200) | json_values.map(json.dumps))
def test_arbitrary_json_bodies_raise_only_our_errors(raw):
    with contextlib.suppress(LastmileError):
        decode_osmand_json(raw, now=NOW)


def test_a_client_cannot_forge_the_server_time_marker():
    fix = decode_osmand_query({**QUERIES["minimal"], "server_time": "true"}, now=NOW)
    assert "server_time" not in fix.attributes


def test_a_number_padded_with_a_control_character_is_read_as_the_number() -> None:
    fix = decode_osmand_query({"id": "1", "lat": "60.1\x1f", "lon": "24.9"}, now=NOW)
    assert fix.lat == pytest.approx(60.1)
