"""Every table, imported so that `Base.metadata` is complete (for Alembic and tests)."""

from lastmile.api.idempotency import IdempotencyRecord
from lastmile.auth.models import ApiKey, Organization, User, WebSession
from lastmile.db.base import Base
from lastmile.hubs.models import Hub
from lastmile.shipments.models import Shipment, ShipmentEvent

metadata = Base.metadata

__all__ = [
    "ApiKey",
    "Hub",
    "IdempotencyRecord",
    "Organization",
    "Shipment",
    "ShipmentEvent",
    "User",
    "WebSession",
    "metadata",
]
