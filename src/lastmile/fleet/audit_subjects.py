"""How drivers, vehicles and shifts are named in the audit log, and what a change shows.

A device id is what lets a phone move a driver on the map (OsmAnd carries no other
credential), so an entry shows only its last characters, never the whole id; a driver's PIN
and sign-in links are not fields here at all.
"""

from collections.abc import Sequence
from typing import Any

from lastmile.audit.types import Subject, SubjectType
from lastmile.fleet.models import Driver, Shift, Vehicle

_SHOWN = 4
_HIDDEN_BELOW = 12  # shorter ids would give away too much of themselves


def device_hint(identifier: str) -> str:
    """Enough of a device id to tell two apart, not enough to send fixes with.

    >>> device_hint("358240051111110"), device_hint("phone-1")
    ('…1110', '…')
    """
    return f"…{identifier[-_SHOWN:]}" if len(identifier) >= _HIDDEN_BELOW else "…"


def driver(row: Driver) -> Subject:
    return Subject(SubjectType.DRIVER, str(row.id), row.name)


def driver_fields(row: Driver, device_ids: Sequence[str]) -> dict[str, Any]:
    return {
        "name": row.name,
        "phone": row.phone,
        "photo_url": row.photo_url,
        "active": row.active,
        "devices": sorted(device_hint(d) for d in device_ids),
    }


def vehicle(row: Vehicle) -> Subject:
    return Subject(SubjectType.VEHICLE, str(row.id), row.plate)


def vehicle_fields(row: Vehicle) -> dict[str, Any]:
    return {
        "plate": row.plate,
        "name": row.name,
        "capacity_kg": row.capacity_kg,
        "capacity_m3": row.capacity_m3,
        "capacity_parcels": row.capacity_parcels,
        "skills": list(row.skills),
        "active": row.active,
    }


def shift_fields(row: Shift) -> dict[str, Any]:
    return {
        "vehicle_id": row.vehicle_id,
        "started_at": row.started_at,
        "ended_at": row.ended_at,
        "odometer_start_km": row.odometer_start_km,
        "odometer_end_km": row.odometer_end_km,
    }
