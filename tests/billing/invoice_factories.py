"""Small factories for invoice tests: a merchant and charge lines written straight to the
table (the charges domain makes them in the product)."""

import itertools
import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from lastmile.billing import invoices
from lastmile.billing.invoice_models import Invoice
from lastmile.billing.models import ChargeLine, Merchant
from lastmile.billing.money import percent_of, round_money
from lastmile.db import Database

_keys = itertools.count(1)


def make_merchant(
    session: Session, org_id: uuid.UUID, *, name: str = "Kauppa Oy", currency: str = "EUR"
) -> Merchant:
    merchant = Merchant(
        org_id=org_id,
        code=f"M{next(_keys)}",
        name=name,
        currency=currency,
        billing_address="Mannerheimintie 1, 00100 Helsinki",
        is_default=False,
    )
    session.add(merchant)
    session.flush()
    return merchant


def add_charge(
    session: Session,
    merchant: Merchant,
    *,
    day: date,
    unit_price: str = "4.90",
    quantity: str = "1",
    tax_rate: str = "25.5",
    kind: str = "delivery",
    description: str = "Delivery",
) -> ChargeLine:
    """One charge line, rounded by the one rule (amount, then tax on the rounded amount)."""
    amount = round_money(Decimal(quantity) * Decimal(unit_price), merchant.currency)
    line = ChargeLine(
        org_id=merchant.org_id,
        merchant_id=merchant.id,
        event_key=f"test-event-{next(_keys)}",
        kind=kind,
        description=description,
        quantity=Decimal(quantity),
        unit_price=Decimal(unit_price),
        amount=amount,
        tax_rate=Decimal(tax_rate),
        tax_amount=percent_of(amount, Decimal(tax_rate), merchant.currency),
        currency=merchant.currency,
        service_date=day,
    )
    session.add(line)
    session.flush()
    return line


def november_draft(session: Session, merchant: Merchant) -> Invoice:
    """The merchant's draft for November 2026."""
    draft, _ = invoices.create_draft(
        session=session,
        org_id=merchant.org_id,
        merchant=merchant,
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        created_by="test",
    )
    return draft


def merchant_with_charges(db: Database, org_id: uuid.UUID, *, name: str = "Kauppa Oy") -> uuid.UUID:
    """A merchant with a delivery (4.90) and a failed attempt (2.50) in November 2026, both
    taxed 25.5 %, committed."""
    with db.session() as session:
        merchant = make_merchant(session, org_id, name=name)
        add_charge(session, merchant, day=date(2026, 11, 3))
        add_charge(
            session,
            merchant,
            day=date(2026, 11, 4),
            kind="failed_attempt",
            description="Failed attempt",
            unit_price="2.50",
        )
        session.commit()
        return merchant.id
