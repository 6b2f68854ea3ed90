from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.auth.models import Organization
from lastmile.shipments.models import Shipment


def test_times_come_back_as_aware_utc(session: Session) -> None:
    helsinki = timezone(timedelta(hours=2))
    org = Organization(name="T", settings={}, created_at=datetime(2026, 1, 1, 12, tzinfo=helsinki))
    session.add(org)
    session.flush()
    session.expire_all()
    loaded = session.scalar(select(Organization).where(Organization.id == org.id))
    assert loaded is not None
    assert loaded.created_at == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert loaded.created_at.tzinfo is not None


def test_naive_times_are_refused(session: Session) -> None:
    session.add(Organization(name="T", settings={}, created_at=datetime(2026, 1, 1)))
    with pytest.raises(Exception, match="naive datetime"):
        session.flush()


def test_money_keeps_every_digit(session: Session) -> None:
    org = Organization(name="T", settings={})
    session.add(org)
    session.flush()
    shipment = Shipment(
        org_id=org.id,
        tracking_number="X",
        tracking_token="t",
        recipient_name="r",
        address_text="a",
        delivery_date=datetime.now(UTC).date(),
        cod_amount=Decimal("1234.5678"),
        cod_currency="EUR",
    )
    session.add(shipment)
    session.flush()
    session.expire_all()
    assert session.get(Shipment, shipment.id).cod_amount == Decimal("1234.5678")  # type: ignore[union-attr]
