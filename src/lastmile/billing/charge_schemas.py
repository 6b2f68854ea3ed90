"""API shapes for merchants, rate cards, quotes, a shipment's charges and balances. Money is a
string with exactly its currency's minor unit, beside a `currency` field."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, ClassVar, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, model_validator

from lastmile.api.fields import Day, Latitude, Longitude, PatchModel
from lastmile.billing.models import ChargeLine, Merchant, RateCard
from lastmile.billing.money import UnknownCurrency, check_currency, money_text
from lastmile.billing.pricing import Happened, Line, totals
from lastmile.billing.rules import RateRules
from lastmile.shipments.schemas import Window


def _currency(value: str) -> str:
    try:
        return check_currency(value)
    except UnknownCurrency as error:
        raise ValueError(str(error)) from None


Currency = Annotated[str, AfterValidator(_currency), Field(examples=["EUR"])]
Code = Annotated[
    str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$", examples=["nordic"])
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MerchantIn(_Strict):
    code: Code
    name: str = Field(min_length=1, max_length=200)
    currency: Currency = "EUR"
    billing_email: EmailStr | None = None
    billing_address: str | None = Field(default=None, max_length=500)


class MerchantPatch(PatchModel):
    """Absent fields stay; `billing_email` and `billing_address` may be cleared with null."""

    nullable: ClassVar[frozenset[str]] = frozenset({"billing_email", "billing_address"})
    name: str | None = Field(default=None, min_length=1, max_length=200)
    billing_email: EmailStr | None = None
    billing_address: str | None = Field(default=None, max_length=500)


class MerchantOut(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    currency: str
    billing_email: str | None
    billing_address: str | None
    is_default: bool

    @classmethod
    def of(cls, row: Merchant) -> "MerchantOut":
        return cls(
            id=row.id,
            code=row.code,
            name=row.name,
            currency=row.currency,
            billing_email=row.billing_email,
            billing_address=row.billing_address,
            is_default=row.is_default,
        )


class RateCardIn(_Strict):
    valid_from: Day = Field(description="The first day it prices (at the hub's clock)")
    currency: Currency | None = Field(default=None, description="Default: the merchant's")
    rules: RateRules


class RateCardOut(BaseModel):
    version: int
    valid_from: date
    valid_to: date | None = Field(description="The first day it no longer prices; null: open")
    currency: str
    rules: RateRules
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, row: RateCard) -> "RateCardOut":
        return cls(
            version=row.version,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            currency=row.currency,
            rules=RateRules.model_validate(row.rules),
            created_by=row.created_by,
            created_at=row.created_at,
        )


class QuoteAddress(_Strict):
    text: str = Field(default="", max_length=500, examples=["Mannerheimintie 1, 00100 Helsinki"])
    lat: Latitude | None = None
    lon: Longitude | None = None


class QuoteShipment(_Strict):
    address: QuoteAddress = Field(default_factory=QuoteAddress)
    hub_id: uuid.UUID | None = Field(default=None, description="Distance is measured from it")
    delivery_date: Day | None = Field(default=None, description="Default: today at the hub")
    window: Window | None = None
    weight_kg: float | None = Field(default=None, ge=0, le=100_000, allow_inf_nan=False)
    volume_m3: float | None = Field(default=None, ge=0, le=1_000, allow_inf_nan=False)
    cod_amount: Decimal | None = Field(default=None, gt=0, max_digits=12, decimal_places=4)


class QuoteIn(_Strict):
    """A hypothetical shipment priced by the merchant's card on its delivery date, or by
    unsaved `rules` (to try a card before saving it); nothing is written."""

    merchant: Code | None = Field(default=None, description="Default: the default merchant")
    shipment: QuoteShipment = Field(default_factory=QuoteShipment)
    event: Happened = Happened.DELIVERED
    rules: RateRules | None = None
    currency: Currency | None = Field(default=None, description="With `rules`; default EUR")

    @model_validator(mode="after")
    def _currency_with_rules(self) -> Self:
        if self.currency is not None and self.rules is None:
            raise ValueError("`currency` goes with `rules`: a saved card has its own")
        return self


class LineOut(BaseModel):
    kind: str
    description: str
    quantity: str
    unit_price: str
    amount: str
    tax_rate: str = Field(description="Percent")
    tax_amount: str
    service_date: date | None = None
    reverses: bool = Field(default=False, description="An adjusting line cancelling an earlier one")

    @classmethod
    def of_line(cls, line: Line, currency: str) -> "LineOut":
        return cls(
            kind=line.kind,
            description=line.description,
            quantity=f"{line.quantity.normalize():f}",
            unit_price=f"{line.unit_price.normalize():f}",
            amount=money_text(line.amount, currency),
            tax_rate=f"{line.tax_rate.normalize():f}",
            tax_amount=money_text(line.tax_amount, currency),
        )

    @classmethod
    def of_row(cls, row: ChargeLine) -> "LineOut":
        line = Line(
            kind=row.kind,
            description=row.description,
            quantity=row.quantity,
            unit_price=row.unit_price,
            amount=row.amount,
            tax_rate=row.tax_rate,
            tax_amount=row.tax_amount,
        )
        return cls.of_line(line, row.currency).model_copy(
            update={"service_date": row.service_date, "reverses": row.reverses_id is not None}
        )


class Priced(BaseModel):
    currency: str | None
    lines: list[LineOut]
    subtotal: str
    tax: str
    total: str

    @classmethod
    def of_lines(cls, lines: Sequence[Line], currency: str) -> dict[str, object]:
        summed = totals(lines)
        return {
            "currency": currency,
            "lines": [LineOut.of_line(line, currency) for line in lines],
            "subtotal": money_text(summed.subtotal, currency),
            "tax": money_text(summed.tax, currency),
            "total": money_text(summed.total, currency),
        }


class QuoteOut(Priced):
    rate_card_version: int | None = Field(description="The saved card used; null: unsaved rules")


class ShipmentCharges(Priced):
    tracking_number: str
    merchant: str


class MerchantBalance(BaseModel):
    merchant: str
    name: str
    currency: str
    has_rate_card: bool = Field(description="False: its shipments are not charged this period")
    deliveries: int
    lines: int
    subtotal: str
    tax: str
    total: str


class Balances(BaseModel):
    period: str = Field(examples=["2026-12"])
    merchants: list[MerchantBalance]
