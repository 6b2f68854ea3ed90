"""Shapes passed between packages, one unit per quantity in each name."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class Fix:
    """One GPS fix as a device reported it, converted to SI units and UTC; never changed once
    made (not frozen: a frozen dataclass takes three times as long to make, per fix).

    `at` is timezone-aware UTC; `None` means the device did not say.
    """

    device_id: str
    at: datetime
    lat: float
    lon: float
    accuracy_m: float | None = None
    speed_mps: float | None = None
    heading_deg: float | None = None
    altitude_m: float | None = None
    battery_pct: float | None = None
    charging: bool | None = None
    mock: bool = False
    moving: bool | None = None
    event: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StopEta:
    """The latest ETA of one remaining stop of a route in progress."""

    route_id: uuid.UUID
    stop_id: uuid.UUID
    shipment_id: uuid.UUID
    eta: datetime
    window_start: datetime
    window_end: datetime
    stops_away: int
    computed_at: datetime
    gps_age_s: float | None
