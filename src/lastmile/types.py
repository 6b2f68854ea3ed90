"""Shapes passed between packages, one unit per quantity in each name."""

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
