"""Every table, imported so that `Base.metadata` is complete (for Alembic and tests)."""

from lastmile.api.idempotency import IdempotencyRecord
from lastmile.auth.models import ApiKey, Organization, User, WebSession
from lastmile.db.base import Base
from lastmile.dispatch.models import Plan, Route, RouteStop
from lastmile.fleet.models import Device, Driver, Shift, Vehicle
from lastmile.hubs.models import Hub
from lastmile.ingest.models import DriverPosition, fixes
from lastmile.shipments.models import Shipment, ShipmentEvent

metadata = Base.metadata


def is_partition(table_name: str) -> bool:
    """Day partitions of `fixes` live outside the metadata: made at run time, never migrated."""
    return table_name.startswith("fixes_")


__all__ = [
    "ApiKey",
    "Device",
    "Driver",
    "DriverPosition",
    "Hub",
    "IdempotencyRecord",
    "Organization",
    "Plan",
    "Route",
    "RouteStop",
    "Shift",
    "Shipment",
    "ShipmentEvent",
    "User",
    "Vehicle",
    "WebSession",
    "fixes",
    "is_partition",
    "metadata",
]
