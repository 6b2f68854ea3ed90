"""Seed a demo organisation: an admin, a hub in central Helsinki, and a day of shipments."""

import random
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.auth import service as auth
from lastmile.auth.models import Organization, Role, User
from lastmile.hubs import service as hubs
from lastmile.hubs.models import Hub
from lastmile.shipments import service as shipments
from lastmile.shipments.models import Shipment
from lastmile.shipments.schemas import ShipmentCreate

DEMO_ORG_NAME = "Lastmile Demo"
DEMO_ADMIN_EMAIL = "admin@demo.lastmile.dev"
HUB = {
    "code": "HEL1",
    "name": "Helsinki Central Hub",
    "lat": 60.1719,
    "lon": 24.9414,
    "address": "Kaivokatu 1, 00100 Helsinki",
    "timezone": "Europe/Helsinki",
    "opening_hours": {d: [("07:00", "20:00")] for d in ("mon", "tue", "wed", "thu", "fri")},
}
STREETS = (
    "Mannerheimintie",
    "Aleksanterinkatu",
    "Bulevardi",
    "Fredrikinkatu",
    "Runeberginkatu",
    "Hämeentie",
    "Töölönkatu",
    "Liisankatu",
    "Unioninkatu",
    "Eerikinkatu",
)
NAMES = (
    "Aino Virtanen",
    "Eero Korhonen",
    "Helmi Mäkinen",
    "Onni Nieminen",
    "Venla Laine",
    "Leo Heikkinen",
    "Emma Koskinen",
    "Elias Järvinen",
    "Sofia Lehtonen",
    "Väinö Salo",
)


@dataclass(frozen=True, slots=True)
class DemoCredentials:
    org_id: str
    admin_email: str
    admin_password: str
    api_key: str
    tracking_tokens: list[str]


def seed(*, session: Session, shipment_count: int = 20, fresh: bool = False) -> DemoCredentials:
    """Create (or reuse) the demo organisation; every run issues a new password and API key."""
    org = session.scalar(select(Organization).where(Organization.name == DEMO_ORG_NAME))
    if org is not None and fresh:
        session.delete(org)
        session.flush()
        org = None
    if org is None:
        org = auth.create_organization(session=session, name=DEMO_ORG_NAME)
    password = secrets.token_urlsafe(12)
    admin = session.scalar(select(User).where(User.email == DEMO_ADMIN_EMAIL))
    if admin is None:
        auth.create_user(
            session=session,
            org_id=org.id,
            email=DEMO_ADMIN_EMAIL,
            name="Demo Admin",
            role=Role.ADMIN,
            password=password,
        )
    else:
        auth.update_user(
            session=session, org_id=org.id, user_id=admin.id, password=password, active=True
        )
    _, api_key = auth.create_api_key(session=session, org_id=org.id, name="demo", role=Role.ADMIN)
    hub = session.scalar(select(Hub).where(Hub.org_id == org.id, Hub.code == HUB["code"]))
    if hub is None:
        hub = hubs.create_hub(session=session, org_id=org.id, **HUB)
    any_shipment = session.scalar(select(Shipment.id).where(Shipment.org_id == org.id).limit(1))
    if shipment_count and any_shipment is None:
        _seed_shipments(session=session, org_id=org.id, hub=hub, count=shipment_count)
    first = select(Shipment).where(Shipment.org_id == org.id).order_by(Shipment.created_at)
    existing = list(session.scalars(first.limit(3)))
    return DemoCredentials(
        str(org.id), DEMO_ADMIN_EMAIL, password, api_key, [s.tracking_token for s in existing]
    )


def _seed_shipments(*, session: Session, org_id: uuid.UUID, hub: Hub, count: int) -> None:
    rng = random.Random(7)
    day = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0)
    for i in range(count):
        start = day + timedelta(hours=rng.randrange(2, 10))
        data = ShipmentCreate.model_validate(
            {
                "reference": f"DEMO-{i + 1:04d}",
                "recipient": {"name": NAMES[i % len(NAMES)], "phone": f"+35840{1000000 + i:07d}"},
                "address": {
                    "text": f"{STREETS[i % len(STREETS)]} {rng.randrange(1, 60)}, Helsinki",
                    "lat": hub.lat + rng.uniform(-0.012, 0.012),
                    "lon": hub.lon + rng.uniform(-0.025, 0.025),
                },
                "window": {
                    "start": start.isoformat(),
                    "end": (start + timedelta(hours=2)).isoformat(),
                },
                "hub_id": str(hub.id),
                "parcel_count": rng.randrange(1, 4),
                "weight_kg": round(rng.uniform(0.2, 12.0), 1),
            }
        )
        shipments.create_shipment(
            session=session,
            org_id=org_id,
            data=data,
            actor="demo",
        )
