"""Properties of charging: replays never charge twice, corrections net to the new truth, every
line is rounded to its currency's minor unit and quote lines sum to the total."""

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.common import make_org

from lastmile.billing.charge_schemas import Priced
from lastmile.billing.charges import charge_event
from lastmile.billing.merchants import default_merchant
from lastmile.billing.models import ChargeLine, Merchant
from lastmile.billing.money import minor_units
from lastmile.billing.pricing import Happened, Job, price
from lastmile.billing.rates import add_version
from lastmile.billing.rules import RateRules
from lastmile.db import Database
from lastmile.shipments.models import Shipment, ShipmentEvent
from lastmile.shipments.status import Status

RULES = RateRules.model_validate(
    {
        "base": "5.90",
        "per_km": "0.45",
        "failed_attempt_fee": "3.00",
        "return_to_hub_fee": "2.00",
        "cod": {"percent": "2", "minimum": "1.00"},
        "fuel": [{"from_month": "2026-01", "percent": "4"}],
        "tax": {"default_percent": "25.5", "by_kind": {"cod_fee": "0"}},
    }
)
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
FAST = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def org_id(db: Database, session: Session) -> uuid.UUID:
    """An organisation whose default merchant has `RULES` from 2026 on (once per test)."""
    org = make_org(db, "Billing props")
    merchant = default_merchant(session=session, org_id=org.org_id)
    add_version(
        session=session,
        merchant=merchant,
        valid_from=date(2026, 1, 1),
        rules=RULES,
        currency="EUR",
        created_by="test",
    )
    return org.org_id


def _shipment(session: Session, org_id: uuid.UUID) -> Shipment:
    shipment = Shipment(
        org_id=org_id,
        tracking_number=uuid.uuid4().hex[:16].upper(),
        tracking_token=uuid.uuid4().hex,
        recipient_name="Aino",
        address_text="Mannerheimintie 1, Helsinki",
        delivery_date=date(2026, 12, 1),
        cod_amount=Decimal("30"),
        cod_currency="EUR",
    )
    session.add(shipment)
    session.flush()
    return shipment


def _event(
    session: Session,
    shipment: Shipment,
    status: Status,
    when: int | datetime,
    *,
    seconds: int = 0,
) -> ShipmentEvent:
    """An event `when` minutes after T0 (or at `when`), `seconds` later still."""
    at = when if isinstance(when, datetime) else T0 + timedelta(minutes=when)
    event = ShipmentEvent(
        org_id=shipment.org_id,
        shipment_id=shipment.id,
        status=status,
        at=at + timedelta(seconds=seconds),
        actor="test",
    )
    session.add(event)
    session.flush()
    return event


def _lines(session: Session, shipment: Shipment) -> list[ChargeLine]:
    return list(session.scalars(select(ChargeLine).where(ChargeLine.shipment_id == shipment.id)))


def _net(lines: list[ChargeLine]) -> Decimal:
    return sum((line.amount + line.tax_amount for line in lines), Decimal(0))


def _expected(*happened: Happened) -> Decimal:
    job = Job(delivery_date=date(2026, 12, 1), zone=ZoneInfo("UTC"), cod_amount=Decimal("30"))
    lines = [
        line for h in happened for line in price(happened=h, job=job, rules=RULES, currency="EUR")
    ]
    return sum((line.amount + line.tax_amount for line in lines), Decimal(0))


OUTCOMES = st.sampled_from([Status.DELIVERED, Status.ATTEMPTED, Status.RETURNED_TO_HUB])


@FAST
@given(
    rounds=st.lists(OUTCOMES, min_size=1, max_size=3),
    replays=st.lists(st.integers(min_value=0, max_value=50), max_size=8),
)
def test_a_replayed_or_duplicated_event_never_charges_twice(
    session: Session, org_id: uuid.UUID, rounds: list[Status], replays: list[int]
) -> None:
    shipment = _shipment(session, org_id)
    events = []
    for number, outcome in enumerate(rounds):
        events.append(_event(session, shipment, Status.OUT_FOR_DELIVERY, 10 * number))
        events.append(_event(session, shipment, outcome, 10 * number + 5))
        if outcome is Status.DELIVERED:
            break
    for event in events:
        charge_event(session=session, shipment=shipment, event=event)
    once = sorted((line.event_key, line.kind, line.amount) for line in _lines(session, shipment))
    for pick in replays:
        event = events[pick % len(events)]
        charge_event(session=session, shipment=shipment, event=event)
        duplicate = _event(session, shipment, event.status, event.at, seconds=1)
        charge_event(session=session, shipment=shipment, event=duplicate)
    again = sorted((line.event_key, line.kind, line.amount) for line in _lines(session, shipment))
    assert again == once
    outcomes = [e.status for e in events if e.status != Status.OUT_FOR_DELIVERY]
    assert _net(_lines(session, shipment)) == _expected(*(Happened(s.value) for s in outcomes))


@FAST
@given(
    wrong=st.lists(
        st.sampled_from([Status.ATTEMPTED, Status.RETURNED_TO_HUB]), min_size=1, max_size=3
    ),
    late_first=st.booleans(),
)
def test_a_corrected_event_nets_to_the_new_truth(
    session: Session, org_id: uuid.UUID, wrong: list[Status], late_first: bool
) -> None:
    shipment = _shipment(session, org_id)
    charge_event(
        session=session,
        shipment=shipment,
        event=_event(session, shipment, Status.OUT_FOR_DELIVERY, 0),
    )
    if late_first:
        # the delivery reached us after the attempts were charged, timed before them
        for minute, status in enumerate(wrong, start=10):
            charge_event(
                session=session, shipment=shipment, event=_event(session, shipment, status, minute)
            )
        delivered = _event(session, shipment, Status.DELIVERED, 5)
        charge_event(session=session, shipment=shipment, event=delivered)
    else:
        delivered = _event(session, shipment, Status.DELIVERED, 5)
        charge_event(session=session, shipment=shipment, event=delivered)
        for minute, status in enumerate(wrong, start=10):
            charge_event(
                session=session, shipment=shipment, event=_event(session, shipment, status, minute)
            )
    lines = _lines(session, shipment)
    assert _net(lines) == _expected(Happened.DELIVERED)
    reversed_ids = {line.reverses_id for line in lines if line.reverses_id}
    assert all(line.id in reversed_ids for line in lines if line.event_key.startswith("attempt:"))


AMOUNTS = st.decimals(min_value=Decimal(0), max_value=Decimal(10_000), places=4)


@settings(max_examples=60, deadline=None)
@given(
    currency=st.sampled_from(["JPY", "EUR", "KWD"]),
    base=AMOUNTS,
    per_km=AMOUNTS,
    tax=st.decimals(min_value=Decimal(0), max_value=Decimal(30), places=2),
    fuel=st.decimals(min_value=Decimal(0), max_value=Decimal(20), places=2),
    cod=st.one_of(st.none(), AMOUNTS.filter(lambda a: a > 0)),
)
def test_every_line_is_rounded_to_the_currency_and_quotes_sum_to_the_total(
    currency: str, base: Decimal, per_km: Decimal, tax: Decimal, fuel: Decimal, cod: Decimal | None
) -> None:
    rules = RateRules(
        base=base,
        per_km=per_km,
        cod={"percent": "1.5", "minimum": "0.5"},  # type: ignore[arg-type]
        fuel=[{"from_month": "2026-01", "percent": fuel}],  # type: ignore[list-item]
        tax={"default_percent": tax},  # type: ignore[arg-type]
    )
    job = Job(
        delivery_date=date(2026, 12, 1),
        zone=ZoneInfo("UTC"),
        lat=60.2,
        lon=24.9,
        hub_lat=60.17,
        hub_lon=24.94,
        cod_amount=cod,
    )
    lines = price(happened=Happened.DELIVERED, job=job, rules=rules, currency=currency)
    digits = minor_units(currency)
    for line in lines:
        assert -line.amount.as_tuple().exponent == digits  # type: ignore[operator]
        assert -line.tax_amount.as_tuple().exponent == digits  # type: ignore[operator]
    quoted = Priced.model_validate(Priced.of_lines(lines, currency))
    summed = sum(Decimal(line.amount) + Decimal(line.tax_amount) for line in quoted.lines)
    assert Decimal(quoted.total) == summed
    assert Decimal(quoted.subtotal) + Decimal(quoted.tax) == Decimal(quoted.total)


def test_zones_match_by_postcode_or_polygon_with_holes() -> None:
    ring = [[24.9, 60.1], [25.0, 60.1], [25.0, 60.2], [24.9, 60.2], [24.9, 60.1]]
    hole = [[24.94, 60.14], [24.96, 60.14], [24.96, 60.16], [24.94, 60.16], [24.94, 60.14]]
    rules = RateRules.model_validate(
        {
            "zones": [
                {
                    "name": "Centre",
                    "surcharge": "1.00",
                    "area": {"type": "Polygon", "coordinates": [ring, hole]},
                },
                {"name": "Airport", "surcharge": "2.00", "postcodes": ["01530"]},
            ]
        }
    )

    def zone_lines(lat: float, lon: float, text: str = "") -> list[str]:
        job = Job(date(2026, 12, 1), ZoneInfo("UTC"), lat=lat, lon=lon, address_text=text)
        lines = price(happened=Happened.DELIVERED, job=job, rules=rules, currency="EUR")
        return [line.description for line in lines]

    assert zone_lines(60.12, 24.92) == ["Zone Centre"]
    assert zone_lines(60.15, 24.95) == []  # in the hole
    assert zone_lines(60.3, 24.95, "Lentoasemantie 1, 01530 Vantaa") == ["Zone Airport"]


def test_an_organisation_without_a_rate_card_is_not_charged_for_one_read(
    db: Database, session: Session
) -> None:
    """The hot path of every status event: no card, so one read, no timeline, merchant or hub
    (and no default merchant made behind anyone's back)."""
    org = make_org(db, "Never bills")
    shipment = _shipment(session, org.org_id)
    _event(session, shipment, Status.OUT_FOR_DELIVERY, 0)
    delivered = _event(session, shipment, Status.DELIVERED, 5)
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    engine = session.get_bind()
    sa_event.listen(engine, "before_cursor_execute", seen)
    try:
        lines = charge_event(session=session, shipment=shipment, event=delivered)
    finally:
        sa_event.remove(engine, "before_cursor_execute", seen)

    assert lines == []
    assert len(statements) == 1
    assert "rate_cards" in statements[0]
    assert session.scalar(select(Merchant).where(Merchant.org_id == org.org_id)) is None
