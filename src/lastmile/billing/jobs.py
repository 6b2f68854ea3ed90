"""A stored shipment as pricing sees it (`pricing.Job`), at its hub's clock."""

import uuid
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.billing.pricing import Job
from lastmile.hubs.models import Hub
from lastmile.hubs.service import first_hub
from lastmile.orgsettings.service import get_rules
from lastmile.shipments.models import Shipment


def hub_of(*, session: Session, org_id: uuid.UUID, hub_id: uuid.UUID | None) -> Hub | None:
    if hub_id is None:
        return None
    return session.scalar(select(Hub).where(Hub.org_id == org_id, Hub.id == hub_id))


def zone_of(*, session: Session, org_id: uuid.UUID, hub: Hub | None) -> ZoneInfo:
    """The hub's time zone, else the organisation's: the clock service dates are read on."""
    if hub is not None:
        return ZoneInfo(hub.timezone)
    return get_rules(session=session, org_id=org_id).zone


def org_zone(session: Session, *, org_id: uuid.UUID) -> ZoneInfo:
    """The organisation's clock, for days that belong to no one hub (invoice dates, pay and
    cash days): its first hub's time zone, else its time zone setting."""
    return zone_of(session=session, org_id=org_id, hub=first_hub(session=session, org_id=org_id))


def job_of(*, session: Session, shipment: Shipment) -> Job:
    hub = hub_of(session=session, org_id=shipment.org_id, hub_id=shipment.hub_id)
    return Job(
        delivery_date=shipment.delivery_date,
        zone=zone_of(session=session, org_id=shipment.org_id, hub=hub),
        lat=shipment.lat,
        lon=shipment.lon,
        hub_lat=hub.lat if hub else None,
        hub_lon=hub.lon if hub else None,
        address_text=shipment.address_text,
        weight_kg=shipment.weight_kg,
        volume_m3=shipment.volume_m3,
        window_start=shipment.window_start,
        window_end=shipment.window_end,
        cod_amount=shipment.cod_amount,
    )
