"""OwnTracks over HTTP or MQTT: JSON payload → `Fix`, for `_type: location` only."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from lastmile.errors import InvalidInput, MalformedRequest
from lastmile.ingest.protocols import _validate as v
from lastmile.types import Fix

TOPIC_PREFIX = "owntracks"
MPS_PER_KMH = 1000.0 / 3600.0
MAX_NAME_CHARS = 63

_CHARGING_BY_BATTERY_STATUS = {0: None, 1: False, 2: True, 3: True}
_CONSUMED = frozenset(
    {"_type", "lat", "lon", "tst", "acc", "vel", "cog", "alt", "batt", "bs", "vac", "t", "tid"}
)


def decode_owntracks(
    body: bytes | str,
    *,
    user: str,
    device: str,
    now: datetime,
    max_future_s: float = v.DEFAULT_MAX_FUTURE_S,
) -> Fix | None:
    """Decode one payload; other `_type`s (transition, waypoint, card, lwt, ...) give `None`.

    `user` and `device` come from the MQTT topic or the HTTP headers, never from the payload.
    """
    payload = v.json_body(body)
    if not isinstance(payload, dict):
        raise MalformedRequest("the OwnTracks payload must be a JSON object with a `_type`")
    kind = v.text(payload.get("_type"), "_type", max_chars=32)
    if kind != "location":
        return None
    attributes = _attributes(payload)
    return Fix(
        device_id=v.device_id(f"{_name(user, 'user')}/{_name(device, 'device')}", "device"),
        at=v.check_at(
            v.epoch_seconds(v.number(payload.get("tst"), "tst", v.NON_NEGATIVE), "tst"),
            "tst",
            now=now,
            max_future_s=max_future_s,
        ),
        lat=v.number(payload.get("lat"), "lat", v.LATITUDE),
        lon=v.number(payload.get("lon"), "lon", v.LONGITUDE),
        accuracy_m=v.optional_number(payload.get("acc"), "acc", v.NON_NEGATIVE),
        speed_mps=_scaled(v.optional_number(payload.get("vel"), "vel", v.NON_NEGATIVE)),
        heading_deg=v.optional_number(payload.get("cog"), "cog", v.HEADING),
        altitude_m=v.optional_number(payload.get("alt"), "alt"),
        battery_pct=v.optional_number(payload.get("batt"), "batt", v.PERCENT),
        charging=_charging(payload.get("bs")),
        attributes=attributes,
    )


def parse_owntracks_topic(topic: str) -> tuple[str, str]:
    """`owntracks/<user>/<device>` → `(user, device)`; any other shape is refused.

    >>> parse_owntracks_topic("owntracks/jane/phone")
    ('jane', 'phone')
    """
    parts = topic.split("/")
    if len(parts) != 3 or parts[0] != TOPIC_PREFIX:
        raise InvalidInput(
            "topic", f"`topic` is {v.show(topic)}: must be owntracks/<user>/<device>"
        )
    return _name(parts[1], "topic"), _name(parts[2], "topic")


def owntracks_http_identity(
    *, headers: Mapping[str, str], query: Mapping[str, str]
) -> tuple[str, str]:
    """`(user, device)` from the `X-Limit-U`/`X-Limit-D` headers, else the `u`/`d` query."""
    lowered = {key.lower(): value for key, value in headers.items()}
    user = lowered.get("x-limit-u") or query.get("u")
    device = lowered.get("x-limit-d") or query.get("d")
    if not user:
        raise InvalidInput(
            "X-Limit-U", "`X-Limit-U` is missing: send the user, or `?u=` in the URL"
        )
    if not device:
        raise InvalidInput(
            "X-Limit-D", "`X-Limit-D` is missing: send the device, or `?d=` in the URL"
        )
    return _name(user, "X-Limit-U"), _name(device, "X-Limit-D")


def _name(value: str, field: str) -> str:
    """A user or device name: one topic level, so no `/`, `+`, `#` or surrounding spaces."""
    if (
        not value
        or len(value) > MAX_NAME_CHARS
        or any(char in value for char in "/+#")
        or value != value.strip()
        or not value.isprintable()
    ):
        raise InvalidInput(
            field,
            f"`{field}` names {v.show(value)}: a user or device must be 1..{MAX_NAME_CHARS} "
            "printable characters without `/`, `+`, `#` or surrounding spaces",
        )
    return value


def _scaled(speed_kmh: float | None) -> float | None:
    return None if speed_kmh is None else speed_kmh * MPS_PER_KMH


def _charging(status: object) -> bool | None:
    """`bs`: 0 unknown, 1 unplugged, 2 charging, 3 full (and so still plugged in)."""
    if status is None:
        return None
    code = v.number(status, "bs", v.Bounds(0.0, 3.0))
    if not code.is_integer():
        raise InvalidInput("bs", f"`bs` is {v.show(status)}: must be 0, 1, 2 or 3")
    return _CHARGING_BY_BATTERY_STATUS[int(code)]


def _attributes(payload: Mapping[str, Any]) -> dict[str, Any]:
    """What `Fix` has no field for: renamed where we know the unit, otherwise kept as sent."""
    attributes = {key: value for key, value in payload.items() if key not in _CONSUMED}
    vac = v.optional_number(payload.get("vac"), "vac", v.NON_NEGATIVE)
    if vac is not None:
        attributes["vertical_accuracy_m"] = vac
    if (trigger := v.optional_text(payload.get("t"), "t", max_chars=8)) is not None:
        attributes["trigger"] = trigger
    if (tid := v.optional_text(payload.get("tid"), "tid", max_chars=32)) is not None:
        attributes["tid"] = tid
    return attributes
