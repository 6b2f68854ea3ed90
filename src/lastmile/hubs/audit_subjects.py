"""How hubs are named in the audit log, and which of their fields a change shows."""

from typing import Any

from lastmile.audit.types import Subject, SubjectType
from lastmile.hubs.models import Hub


def hub(row: Hub) -> Subject:
    """`Central depot (HEL-1)`."""
    return Subject(SubjectType.HUB, str(row.id), f"{row.name} ({row.code})")


def hub_fields(row: Hub) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "address": row.address,
        "lat": row.lat,
        "lon": row.lon,
        "timezone": row.timezone,
        "opening_hours": row.opening_hours,
    }
