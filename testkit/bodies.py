"""Request bodies the API accepts: a shipment and a hub, changed as a test needs."""

import copy
from typing import Any


def shipment_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "recipient": {
            "name": "Aino Virtanen",
            "phone": "+358401234567",
            "email": "aino@example.fi",
        },
        "address": {"text": "Mannerheimintie 1, Helsinki", "lat": 60.1699, "lon": 24.9384},
        "window": {"start": "2026-11-24T10:00:00+02:00", "end": "2026-11-24T12:00:00+02:00"},
        "parcel_count": 2,
        "weight_kg": 3.5,
    }
    body.update(overrides)
    return body


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_DAY_EVERY_DAY = {day: [["00:00", "23:59"]] for day in WEEKDAYS}
"""A hub's hours that never close, whatever the wall clock when the tests run: CI runs at
any hour, and 00:00-02:00 in Helsinki is still the day before in UTC."""


def hub_body(**overrides: Any) -> dict[str, Any]:
    """A Helsinki hub open every day all day; pass `opening_hours` when a test needs hours."""
    body: dict[str, Any] = {
        "code": "HEL1",
        "name": "Helsinki hub",
        "lat": 60.1719,
        "lon": 24.9414,
        "timezone": "Europe/Helsinki",
        "opening_hours": copy.deepcopy(ALL_DAY_EVERY_DAY),
    }
    body.update(overrides)
    return body
