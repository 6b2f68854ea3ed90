import contextlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lastmile.errors import InvalidInput, LastmileError, MalformedRequest
from lastmile.ingest.protocols.owntracks import (
    decode_owntracks,
    owntracks_http_identity,
    parse_owntracks_topic,
)

PAYLOADS = Path(__file__).parents[1] / "payloads"
NOW = datetime(2025, 6, 16, 0, 0, tzinfo=UTC)


def decode(raw: bytes | str, *, user: str = "jane", device: str = "phone"):
    return decode_owntracks(raw, user=user, device=device, now=NOW)


def load(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


def location(**changes: object) -> str:
    payload = json.loads(load("owntracks_android_e2e.json"))
    payload.update(changes)
    return json.dumps({key: value for key, value in payload.items() if value is not None})


def test_recorded_android_location():
    # owntracks/android e2e/ContactsAndMapTests.kt, locationResponse.
    fix = decode(load("owntracks_android_e2e.json"))
    assert fix is not None
    assert fix.device_id == "jane/phone"
    assert fix.at == datetime.fromtimestamp(1610799026, UTC)
    assert (fix.lat, fix.lon, fix.accuracy_m) == (51.2, -4.0, 20.0)
    assert fix.speed_mps == pytest.approx(7 / 3.6)
    assert (fix.battery_pct, fix.charging, fix.heading_deg, fix.altitude_m) == (
        100.0,
        None,
        None,
        None,
    )
    assert fix.attributes == {
        "al": 0,
        "conn": "w",
        "created_at": 1610748273,
        "vertical_accuracy_m": 40.0,
        "tid": "aa",
    }


def test_recorded_manual_publish():
    # adrianlzt/cerebro electronica/domotica/home_assistant/tracker.md.
    fix = decode(load("owntracks_android_manual.json"))
    assert fix is not None
    assert (fix.lat, fix.lon, fix.accuracy_m, fix.battery_pct) == (25.120159, 3.4075119, 19.0, 94.0)
    assert fix.speed_mps is None
    assert fix.attributes == {"conn": "w", "doze": False, "trigger": "u", "tid": "og"}


def test_recorded_location_inside_a_region():
    # Docstring message log of a public home-automation OwnTracks module (payloads/SOURCES.md).
    fix = decode(load("owntracks_location_inregions.json"))
    assert fix is not None
    assert (fix.speed_mps, fix.altitude_m) == (0.0, 0.0)
    assert fix.attributes["inregions"] == ["Casa"]


@pytest.mark.parametrize(
    "name",
    [
        "owntracks_transition.json",  # same docstring log as above
        "owntracks_lwt.json",  # bamptonm/mqttitude docs/json-pub.md
    ],
)
def test_recorded_non_location_messages_are_ignored(name):
    assert decode(load(name)) is None


@pytest.mark.parametrize(
    "kind",
    [
        "transition",
        "waypoint",
        "waypoints",
        "card",
        "lwt",
        "cmd",
        "beacon",
        "status",
        "steps",
        "encrypted",
    ],
)
def test_every_other_type_is_ignored(kind):
    assert decode(json.dumps({"_type": kind})) is None


@pytest.mark.parametrize(("bs", "charging"), [(0, None), (1, False), (2, True), (3, True)])
def test_battery_status_maps_to_charging(bs, charging):
    fix = decode(location(bs=bs))
    assert fix is not None
    assert fix.charging is charging


def test_course_and_altitude():
    fix = decode(location(cog=270, alt=-12))
    assert fix is not None
    assert (fix.heading_deg, fix.altitude_m) == (270.0, -12.0)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"lat": 91}, "lat", "`lat` is 91: must be within -90..90"),
        ({"lon": None}, "lon", "`lon` is missing: must be a number"),
        ({"tst": None}, "tst", "`tst` is missing: must be a number"),
        ({"lat": "51.2"}, "lat", "`lat` is the string '51.2': must be a number"),
        ({"lat": True}, "lat", "`lat` is a boolean: must be a number"),
        ({"acc": -5}, "acc", "`acc` is -5: must be 0 or more"),
        ({"vel": -1}, "vel", "`vel` is -1: must be 0 or more"),
        ({"cog": 400}, "cog", "`cog` is 400: must be within 0..360"),
        ({"batt": 120}, "batt", "`batt` is 120: must be within 0..100"),
        ({"bs": 7}, "bs", "`bs` is 7: must be within 0..3"),
        ({"bs": 1.5}, "bs", "`bs` is 1.5: must be 0, 1, 2 or 3"),
        ({"tst": 1e30}, "tst", "not a usable epoch time"),
        ({"tid": 12}, "tid", "must be a string"),
        ({"_type": None}, "_type", "`_type` is missing: must be a string"),
        ({"_type": ["location"]}, "_type", "`_type` is a list: must be a string"),
    ],
)
def test_bad_fields_are_named(changes, field, message):
    with pytest.raises(InvalidInput) as caught:
        decode(location(**changes))
    assert caught.value.field == field
    assert message in caught.value.errors[0].message


def test_a_timestamp_a_day_ahead_is_refused():
    with pytest.raises(InvalidInput) as caught:
        decode(location(tst=int((NOW + timedelta(days=1)).timestamp())))
    assert caught.value.field == "tst"
    assert "ahead of the server clock" in caught.value.detail


@pytest.mark.parametrize(
    "raw",
    [
        load("owntracks_android_e2e.json")[:40],
        b'{"_type":"location","lat":NaN,"lon":1,"tst":1610799026}',
        b'{"_type":"location","lat":Infinity,"lon":1,"tst":1610799026}',
        b'[{"_type":"location"}]',
        b"",
    ],
)
def test_unparseable_or_non_object_payloads_are_malformed(raw):
    with pytest.raises(MalformedRequest):
        decode(raw)


@pytest.mark.parametrize(
    ("user", "device"), [("ja/ne", "phone"), ("jane", "+"), ("", "phone"), ("jane", " phone")]
)
def test_bad_user_or_device_names_are_refused(user, device):
    with pytest.raises(InvalidInput):
        decode(load("owntracks_android_e2e.json"), user=user, device=device)


def test_topic_gives_user_and_device():
    assert parse_owntracks_topic("owntracks/jane/phone") == ("jane", "phone")


@pytest.mark.parametrize(
    "topic",
    [
        "owntracks/jane",
        "owntracks/jane/phone/event",
        "others/jane/phone",
        "owntracks//phone",
        "owntracks/+/phone",
        "owntracks/jane/#",
        "/owntracks/jane/phone",
    ],
)
def test_other_topic_shapes_are_refused(topic):
    with pytest.raises(InvalidInput) as caught:
        parse_owntracks_topic(topic)
    assert caught.value.field == "topic"


def test_http_identity_from_headers_in_any_case():
    headers = {"x-limit-u": "jane", "X-Limit-D": "phone"}
    assert owntracks_http_identity(headers=headers, query={}) == ("jane", "phone")


def test_http_identity_from_the_query():
    assert owntracks_http_identity(headers={}, query={"u": "jane", "d": "phone"}) == (
        "jane",
        "phone",
    )


@pytest.mark.parametrize(
    ("headers", "field"),
    [({"X-Limit-D": "phone"}, "X-Limit-U"), ({"X-Limit-U": "jane"}, "X-Limit-D")],
)
def test_http_identity_must_be_complete(headers, field):
    with pytest.raises(InvalidInput) as caught:
        owntracks_http_identity(headers=headers, query={})
    assert caught.value.field == field


@settings(deadline=None)
@given(
    lat=st.floats(min_value=-90, max_value=90),
    lon=st.floats(min_value=-180, max_value=180),
    vel_kmh=st.integers(min_value=0, max_value=300),
)
def test_any_in_range_location_round_trips(lat, lon, vel_kmh):
    fix = decode(location(lat=lat, lon=lon, vel=vel_kmh))
    assert fix is not None
    assert (fix.lat, fix.lon) == (lat, lon)
    assert fix.speed_mps == pytest.approx(vel_kmh / 3.6)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
fields = st.sampled_from(
    ["_type", "lat", "lon", "tst", "acc", "vel", "cog", "alt", "batt", "bs", "vac", "t", "tid"]
)


@settings(deadline=None)
@given(field=fields, value=json_values)
def test_any_value_in_any_field_decodes_or_raises_our_error(field, value):
    with contextlib.suppress(LastmileError):
        decode(json.dumps({**json.loads(location()), field: value}))


@settings(deadline=None)
@given(raw=st.binary(max_size=200) | json_values.map(json.dumps))
def test_arbitrary_payloads_raise_only_our_errors(raw):
    with contextlib.suppress(LastmileError):
        decode(raw)
