"""OsmAnd protocol as Traccar Client sends it: query/form parameters, or JSON (client ≥ 9)."""

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from lastmile.errors import InvalidInput, MalformedRequest
from lastmile.ingest.protocols import _validate as v
from lastmile.types import Fix

MPS_PER_KNOT = 1852.0 / 3600.0
UNKNOWN = -1.0
"""The JSON variant's "not known" value for speed, heading and battery level."""

_EPOCH_DIGITS = re.compile(r"[0-9]{1,20}")
_LARGEST_EPOCH_S = 2**31 - 1
_KNOWN_PARAMS = frozenset(
    {
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
        "server_time",
    }
)
"""Parameters we read, plus the attribute we set ourselves: none is copied raw into `attributes`."""


def is_json_request(content_type: str | None) -> bool:
    """Whether a request to the OsmAnd endpoint carries the JSON variant, as Traccar decides it."""
    return content_type is not None and content_type.strip().lower().startswith("application/json")


def decode_osmand_query(
    params: Mapping[str, str], *, now: datetime, max_future_s: float = v.DEFAULT_MAX_FUTURE_S
) -> Fix:
    """Decode query-string or form parameters; unknown ones are kept, as text, in `attributes`.

    Without `timestamp` the fix is stamped `now`, and `attributes["server_time"]` says so.
    """
    get = _Params(params)
    device_id = v.device_id(_device_id(get), get.name_of("id", "deviceid"))
    lat, lon = _position(get)
    attributes: dict[str, Any] = {
        key: value for key, value in params.items() if key not in _KNOWN_PARAMS
    }
    stamp = get.text("timestamp")
    if stamp is None:
        at = now
        attributes["server_time"] = True
    else:
        at = v.check_at(_timestamp(stamp), "timestamp", now=now, max_future_s=max_future_s)
    speed_kn = get.number("speed", v.NON_NEGATIVE)
    heading_field = get.name_of("bearing", "heading")
    accuracy_m = get.number("accuracy", v.NON_NEGATIVE)
    hdop = get.number("hdop", v.NON_NEGATIVE)
    if hdop is not None:
        attributes["hdop"] = hdop
    if (alarm := get.text("alarm")) is not None:
        attributes["alarm"] = alarm
    if (valid := get.flag("valid")) is not None:
        attributes["valid"] = valid
    return Fix(
        device_id=device_id,
        at=at,
        lat=lat,
        lon=lon,
        # Traccar Client reports 0 when the provider gives no accuracy, never a real 0 m.
        accuracy_m=accuracy_m or None,
        speed_mps=None if speed_kn is None else speed_kn * MPS_PER_KNOT,
        heading_deg=get.number(heading_field, v.HEADING),
        altitude_m=get.number("altitude"),
        battery_pct=get.number("batt", v.PERCENT),
        charging=get.flag("charge"),
        mock=get.flag("mock") or False,
        attributes=attributes,
    )


def decode_osmand_json(
    body: bytes | str, *, now: datetime, max_future_s: float = v.DEFAULT_MAX_FUTURE_S
) -> list[Fix]:
    """Decode the JSON variant: `location` is one object, or a list when the client batches."""
    root = v.json_body(body)
    if not isinstance(root, dict):
        raise MalformedRequest(
            "the request body must be a JSON object with `location` and `device_id`"
        )
    device_id = v.device_id(root.get("device_id"), "device_id")
    location = root.get("location")
    if isinstance(location, list):
        if not location:
            raise InvalidInput("location", "`location` is an empty list: send at least one")
        return [
            _json_fix(item, f"location[{index}]", device_id, now=now, max_future_s=max_future_s)
            for index, item in enumerate(location)
        ]
    return [_json_fix(location, "location", device_id, now=now, max_future_s=max_future_s)]


def decode_osmand_request(
    params: Mapping[str, str],
    content_type: str | None,
    body: bytes,
    *,
    now: datetime,
    max_future_s: float,
) -> list[Fix]:
    """The fixes of one request: a JSON body, or query parameters with a form body over them."""
    if is_json_request(content_type):
        return decode_osmand_json(body, now=now, max_future_s=max_future_s)
    merged = dict(params)
    if body:
        merged.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return [decode_osmand_query(merged, now=now, max_future_s=max_future_s)]


def _json_fix(
    location: object, field: str, device_id: str, *, now: datetime, max_future_s: float
) -> Fix:
    loc = _object(location, field)
    coords = _object(loc.get("coords"), f"{field}.coords")
    battery = _object(loc.get("battery", {}), f"{field}.battery")
    stamp = v.text(loc.get("timestamp"), f"{field}.timestamp")
    at = v.iso_datetime(stamp, f"{field}.timestamp")
    level = _known(battery.get("level"), f"{field}.battery.level", v.Bounds(0.0, 1.0))
    extras = _object(loc.get("extras", {}), f"{field}.extras")
    attributes: dict[str, Any] = dict(extras)
    odometer_m = v.optional_number(loc.get("odometer"), f"{field}.odometer", v.NON_NEGATIVE)
    if odometer_m is not None:
        attributes["odometer_m"] = odometer_m
    activity = _object(loc.get("activity", {}), f"{field}.activity").get("type")
    if activity is not None:
        attributes["activity"] = v.text(activity, f"{field}.activity.type")
    for key in ("uuid", "alarm"):
        if (value := loc.get(key)) is not None:
            attributes[key] = v.text(value, f"{field}.{key}")
    return Fix(
        device_id=device_id,
        at=v.check_at(at, f"{field}.timestamp", now=now, max_future_s=max_future_s),
        lat=v.number(coords.get("latitude"), f"{field}.coords.latitude", v.LATITUDE),
        lon=v.number(coords.get("longitude"), f"{field}.coords.longitude", v.LONGITUDE),
        accuracy_m=v.optional_number(
            coords.get("accuracy"), f"{field}.coords.accuracy", v.NON_NEGATIVE
        ),
        speed_mps=_known(coords.get("speed"), f"{field}.coords.speed", v.NON_NEGATIVE),
        heading_deg=_known(coords.get("heading"), f"{field}.coords.heading", v.HEADING),
        altitude_m=_altitude(coords, f"{field}.coords"),
        battery_pct=None if level is None else level * 100.0,
        charging=v.optional_flag(battery.get("is_charging"), f"{field}.battery.is_charging"),
        mock=v.optional_flag(loc.get("mock"), f"{field}.mock") or False,
        moving=v.optional_flag(loc.get("is_moving"), f"{field}.is_moving"),
        event=v.optional_text(loc.get("event"), f"{field}.event", max_chars=64),
        attributes=attributes,
    )


class _Params:
    """Read optional parameters by name, treating an empty value as absent (as Traccar does)."""

    def __init__(self, params: Mapping[str, str]) -> None:
        self._params = params

    def name_of(self, *names: str) -> str:
        """The first of `names` present, else the first: the field an error should name."""
        return next((name for name in names if self.text(name) is not None), names[0])

    def text(self, name: str) -> str | None:
        value = self._params.get(name)
        if value is not None and not isinstance(value, str):
            raise InvalidInput(name, f"`{name}` must be text")
        return value or None

    def number(self, name: str, bounds: v.Bounds = v.ANY) -> float | None:
        value = self.text(name)
        return None if value is None else v.decimal(value, name, bounds)

    def flag(self, name: str) -> bool | None:
        value = self.text(name)
        return None if value is None else v.flag_text(value, name)


def _device_id(get: _Params) -> str:
    value = get.text("id") or get.text("deviceid")
    if value is None:
        raise InvalidInput(
            "id", "`id` is missing: send the device identifier as `id` or `deviceid`"
        )
    return value


def _position(get: _Params) -> tuple[float, float]:
    if get.text("lat") is None and get.text("lon") is None and (pair := get.text("location")):
        parts = pair.split(",")
        if len(parts) != 2:
            raise InvalidInput(
                "location", f"`location` is {v.show(pair)}: must be `lat,lon`, such as 60.17,24.94"
            )
        return (
            v.decimal(parts[0], "location", v.LATITUDE),
            v.decimal(parts[1], "location", v.LONGITUDE),
        )
    lat, lon = get.number("lat", v.LATITUDE), get.number("lon", v.LONGITUDE)
    if lat is None:
        raise InvalidInput("lat", "`lat` is missing: send `lat` and `lon`, or `location=lat,lon`")
    if lon is None:
        raise InvalidInput("lon", "`lon` is missing: send `lat` and `lon`, or `location=lat,lon`")
    return lat, lon


def _timestamp(value: str) -> datetime:
    """Epoch seconds, epoch milliseconds (told apart by size, as Traccar does) or ISO-8601."""
    stripped = value.strip()
    if _EPOCH_DIGITS.fullmatch(stripped):
        epoch = int(stripped)
        return v.epoch_seconds(epoch if epoch <= _LARGEST_EPOCH_S else epoch / 1000, "timestamp")
    try:
        return v.iso_datetime(stripped, "timestamp")
    except InvalidInput:
        raise InvalidInput(
            "timestamp",
            f"`timestamp` is {v.show(value)}: must be epoch seconds, epoch milliseconds "
            "or an ISO-8601 time",
        ) from None


def _object(value: object, field: str) -> dict[str, Any]:
    if value is None:
        raise InvalidInput(field, f"`{field}` is missing")
    if not isinstance(value, dict):
        raise InvalidInput(field, f"`{field}` must be an object")
    return value


def _known(value: object, field: str, bounds: v.Bounds) -> float | None:
    """A number where -1 means "not known" (iOS and Android location APIs)."""
    if value is None or (not isinstance(value, bool) and value == UNKNOWN):
        return None
    return v.number(value, field, bounds)


def _altitude(coords: Mapping[str, Any], field: str) -> float | None:
    accuracy = coords.get("altitude_accuracy")
    # A negative vertical accuracy is how iOS marks the altitude as invalid.
    if isinstance(accuracy, int | float) and not isinstance(accuracy, bool) and accuracy < 0:
        return None
    return v.optional_number(coords.get("altitude"), f"{field}.altitude")
