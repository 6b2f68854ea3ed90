"""Tables: cash on delivery paid over to merchants (remittances)."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from lastmile.db.base import Base, OrgScoped, new_id, utcnow
from lastmile.db.types import Money


class CodRemittance(OrgScoped, Base):
    """Cash collected for a merchant and paid over to it: by transfer (recorded by an admin
    with the bank's reference) or netted on an invoice (`invoice_id`)."""

    __tablename__ = "cod_remittances"
    __table_args__ = (Index("ix_cod_remittances_merchant_on", "merchant_id", "remitted_on"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    merchant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("merchants.id", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3))
    remitted_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(200))
    invoice_id: Mapped[uuid.UUID | None]
    recorded_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
