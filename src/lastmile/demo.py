"""Seed a demo organisation: an admin, a hub in central Helsinki, a day of shipments, and the
default merchant's rate card (so deliveries are charged as they happen).

The admin's password and the API key are kept in `<data_dir>/demo_credentials.json` (mode
0600; the database holds only their hashes) and printed the same on every run while they
still sign in; a new one is issued only when the kept one no longer works.
"""

import json
import logging
import os
import random
import secrets
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.auth import service as auth
from lastmile.auth.credentials import verify_password
from lastmile.auth.models import Organization, Role, User
from lastmile.billing.demo_rates import seed_demo_rate_card
from lastmile.hubs import service as hubs
from lastmile.hubs.models import Hub
from lastmile.orgsettings.service import get_rules, update_rules
from lastmile.shipments import service as shipments
from lastmile.shipments.models import Shipment
from lastmile.shipments.schemas import ShipmentCreate

log = logging.getLogger(__name__)

CREDENTIALS_FILE = "demo_credentials.json"
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


@dataclass(frozen=True, slots=True)
class _Kept:
    org_id: str
    admin_password: str
    api_key: str


def seed(
    *, session: Session, data_dir: Path, shipment_count: int = 20, fresh: bool = False
) -> DemoCredentials:
    """Create (or reuse) the demo organisation; the password and API key kept in `data_dir`
    are reused while they still sign in."""
    org = session.scalar(select(Organization).where(Organization.name == DEMO_ORG_NAME))
    if org is not None and fresh:
        session.delete(org)
        session.flush()
        org = None
    if org is None:
        org = auth.create_organization(session=session, name=DEMO_ORG_NAME)
    if get_rules(session=session, org_id=org.id).timezone != HUB["timezone"]:
        # One clock for the demo: its hubs are in Helsinki, and so is the organisation (a
        # shipment without a hub is shown and rescheduled at this clock, not at UTC).
        update_rules(
            session=session,
            org_id=org.id,
            changes={"timezone": HUB["timezone"], "country": "FI"},
        )
    kept = _read_kept(data_dir)
    if kept is not None and kept.org_id != str(org.id):
        kept = None
    admin = session.scalar(select(User).where(User.email == DEMO_ADMIN_EMAIL))
    password = kept.admin_password if kept else ""
    if admin is None:
        password = password or secrets.token_urlsafe(12)
        auth.create_user(
            session=session,
            org_id=org.id,
            email=DEMO_ADMIN_EMAIL,
            name="Demo Admin",
            role=Role.ADMIN,
            password=password,
        )
    elif not (password and admin.active and verify_password(admin.password_hash, password)):
        password = secrets.token_urlsafe(12)
        auth.update_user(
            session=session, org_id=org.id, user_id=admin.id, password=password, active=True
        )
    api_key = kept.api_key if kept else ""
    key_row = auth.authenticate_api_key(session=session, key=api_key) if api_key else None
    if key_row is None or key_row.org_id != org.id or key_row.role is not Role.ADMIN:
        _, api_key = auth.create_api_key(
            session=session, org_id=org.id, name="demo", role=Role.ADMIN
        )
    if kept != _Kept(str(org.id), password, api_key):
        _write_kept(data_dir, _Kept(str(org.id), password, api_key))
    seed_demo_rate_card(session=session, org_id=org.id)
    any_shipment = session.scalar(select(Shipment.id).where(Shipment.org_id == org.id).limit(1))
    if shipment_count and any_shipment is None:
        # Only a demo without a fleet needs this hub: the simulated fleet brings its own, on
        # the map's roads, and a second one would put the Control Tower's hub marker elsewhere.
        hub = session.scalar(select(Hub).where(Hub.org_id == org.id, Hub.code == HUB["code"]))
        if hub is None:
            hub = hubs.create_hub(session=session, org_id=org.id, **HUB)
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


def _read_kept(data_dir: Path) -> _Kept | None:
    path = data_dir / CREDENTIALS_FILE
    if not path.is_file():
        return None
    try:
        return _Kept(**json.loads(path.read_text()))
    except (ValueError, TypeError) as error:
        log.warning("ignoring %s, unreadable: %s; new credentials are issued", path, error)
        return None


def _write_kept(data_dir: Path, kept: _Kept) -> None:
    """Written readable by the owner only, then moved over the old file in one step."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / CREDENTIALS_FILE
    partial = path.with_suffix(".tmp")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        json.dump(asdict(kept), out, indent=1)
    os.chmod(partial, 0o600)
    os.replace(partial, path)
