"""The demo's default merchant gets a EUR rate card, so its deliveries are charged live."""

import uuid
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.billing.balances import balances
from lastmile.billing.demo_rates import DEMO_RULES
from lastmile.billing.models import ChargeLine
from lastmile.demo import seed
from lastmile.dispatch.status import record_status
from lastmile.orgsettings.service import get_rules
from lastmile.shipments.models import Shipment
from lastmile.shipments.status import Status


def test_the_demo_charges_its_deliveries(session: Session, tmp_path: Path) -> None:
    credentials = seed(session=session, data_dir=tmp_path, shipment_count=2)
    seed(session=session, data_dir=tmp_path, shipment_count=2)  # a second run adds no version
    org_id = uuid.UUID(credentials.org_id)
    shipment = session.scalars(select(Shipment).where(Shipment.org_id == org_id)).first()
    assert shipment is not None
    for status in (Status.OUT_FOR_DELIVERY, Status.DELIVERED):
        record_status(
            session=session,
            org_id=shipment.org_id,
            tracking_number=shipment.tracking_number,
            status=status,
            actor="test",
        )
    day = session.scalar(select(ChargeLine.service_date).where(ChargeLine.org_id == org_id))
    assert day is not None
    period = day.strftime("%Y-%m")
    (default,) = balances(session=session, org_id=shipment.org_id, period=period)
    assert default.has_rate_card
    assert default.merchant.currency == "EUR"
    assert default.deliveries == 1
    assert default.subtotal >= DEMO_RULES.base


def test_the_demo_organisation_keeps_its_hubs_clock(session: Session, tmp_path: Path) -> None:
    """One clock on every screen: a shipment without a hub is shown at Helsinki's, not UTC."""
    credentials = seed(session=session, data_dir=tmp_path, shipment_count=0)
    rules = get_rules(session=session, org_id=uuid.UUID(credentials.org_id))
    assert (rules.timezone, rules.country) == ("Europe/Helsinki", "FI")
