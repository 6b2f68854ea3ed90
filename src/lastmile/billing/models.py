"""Tables: merchants (who ships), their versioned rate cards, and the charge lines that
delivery events add to a merchant's account.

Charge lines are append-only: a corrected event adds adjusting lines (`reverses_id` names
the line it cancels), it never edits an old one.
"""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from lastmile.db.base import Base, OrgScoped, new_id, utcnow
from lastmile.db.types import Money


class Merchant(OrgScoped, Base):
    """A business whose parcels the organisation delivers, and who is invoiced for them.

    Every organisation has one default merchant (`is_default`): shipments that name no
    merchant are its.
    """

    __tablename__ = "merchants"
    __table_args__ = (UniqueConstraint("org_id", "code"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    billing_email: Mapped[str | None] = mapped_column(String(320))
    billing_address: Mapped[str | None] = mapped_column(String(500))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RateCard(OrgScoped, Base):
    """One version of a merchant's prices, valid from a day (inclusive) to a day (exclusive).

    `rules` holds the prices (base, per km, tiers, zones, premiums, fees, fuel, tax) in the
    shape `billing.rates` validates; a saved version is never edited: a new one is added.
    """

    __tablename__ = "rate_cards"
    __table_args__ = (
        UniqueConstraint("merchant_id", "version"),
        Index("ix_rate_cards_merchant_valid_from", "merchant_id", "valid_from"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    merchant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("merchants.id", ondelete="CASCADE"))
    version: Mapped[int]
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    rules: Mapped[dict[str, object]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChargeLine(OrgScoped, Base):
    """One priced line on a merchant's account, added once per (event, line kind).

    `event_key` names the delivery event that caused it (unique with `kind`), so a replayed
    or duplicated event never charges twice. `amount` is `quantity * unit_price` rounded to
    the currency's minor unit; `tax_amount` is `amount * tax_rate / 100`, rounded. A line
    with `reverses_id` cancels that earlier line (its amounts negated).
    """

    __tablename__ = "charge_lines"
    __table_args__ = (
        UniqueConstraint("org_id", "event_key", "kind"),
        Index("ix_charge_lines_merchant_period", "merchant_id", "service_date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    merchant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("merchants.id", ondelete="CASCADE"))
    shipment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("shipments.id", ondelete="SET NULL"), index=True
    )
    rate_card_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("rate_cards.id", ondelete="SET NULL")
    )
    event_key: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[Decimal] = mapped_column(Money())
    unit_price: Mapped[Decimal] = mapped_column(Money())
    amount: Mapped[Decimal] = mapped_column(Money())
    tax_rate: Mapped[Decimal] = mapped_column(Money())
    tax_amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3))
    service_date: Mapped[date] = mapped_column(Date)
    """The day the service happened (the event's own time, at the hub's clock): the period."""
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("charge_lines.id", ondelete="RESTRICT")
    )
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    """Set when an issued invoice carries this line (the invoices table is billing's too)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
