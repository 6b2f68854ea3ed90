"""Tables: cash-on-delivery payments and the per-driver cash ledger."""

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lastmile.db.base import Base, OrgScoped, new_id, utcnow
from lastmile.db.types import Money


class PaymentMethod(StrEnum):
    CASH = "cash"
    CARD = "card"
    WALLET = "wallet"


class LedgerKind(StrEnum):
    COLLECTED = "collected"
    HANDED_OVER = "handed_over"


def _enum(kind: type[StrEnum], name: str) -> Enum:
    return Enum(
        kind,
        name=name,
        values_callable=lambda e: [m.value for m in e],
        native_enum=False,
        length=16,
    )


class CodPayment(OrgScoped, Base):
    """What the recipient paid at the door for one stop (one payment per stop)."""

    __tablename__ = "cod_payments"
    __table_args__ = (UniqueConstraint("stop_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    stop_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("route_stops.id", ondelete="CASCADE"))
    shipment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE"), index=True
    )
    driver_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("drivers.id", ondelete="CASCADE"), index=True
    )
    shift_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("shifts.id", ondelete="SET NULL"))
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[PaymentMethod] = mapped_column(_enum(PaymentMethod, "payment_method"))
    at: Mapped[datetime]
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class CashLedgerEntry(OrgScoped, Base):
    """Cash a driver holds: + when collected at a door, - when handed over to a dispatcher."""

    __tablename__ = "cash_ledger"
    __table_args__ = (Index("ix_cash_ledger_driver_at", "driver_id", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    driver_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("drivers.id", ondelete="CASCADE"))
    kind: Mapped[LedgerKind] = mapped_column(_enum(LedgerKind, "ledger_kind"))
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3))
    payment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("cod_payments.id", ondelete="SET NULL")
    )
    actor: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime]
