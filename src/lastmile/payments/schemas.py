"""API shapes for COD payments and the cash ledger."""

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from lastmile.payments.models import LedgerKind, PaymentMethod

Amount = Field(gt=0, max_digits=12, decimal_places=4, examples=["49.90"])


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    stop_id: uuid.UUID
    shipment_id: uuid.UUID
    amount: Decimal
    currency: str
    method: PaymentMethod
    at: datetime
    lat: float | None
    lon: float | None


class CashSummaryOut(BaseModel):
    """What the driver hands over at the end of the shift."""

    to_hand_over: dict[str, Decimal] = Field(description="Cash held now, per currency")
    shift_id: uuid.UUID | None
    shift_payments: int
    shift_collected: dict[str, dict[str, Decimal]] = Field(
        description="This shift's COD by method, then currency"
    )


class HandoverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Decimal = Amount
    currency: str = Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])
    note: str | None = Field(default=None, max_length=500)


class LedgerEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: LedgerKind
    amount: Decimal
    currency: str
    payment_id: uuid.UUID | None
    actor: str
    note: str | None
    at: datetime


class LedgerOut(BaseModel):
    balance: dict[str, Decimal]
    entries: list[LedgerEntryOut]
