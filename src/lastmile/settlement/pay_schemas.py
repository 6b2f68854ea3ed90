"""API shapes for carriers, employment, pay plans, statements and cash reconciliation.
Money travels as strings ("12.50") with its currency beside it."""

import uuid
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lastmile.api.fields import Day
from lastmile.billing.money import money_text
from lastmile.settlement.cod import DayTotal, DriverDay, MerchantCash
from lastmile.settlement.cod_models import CodRemittance
from lastmile.settlement.pay import PayLine, Statement
from lastmile.settlement.pay_models import Employment, PayPlan
from lastmile.settlement.pay_rules import PayRules


class CarrierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, examples=["Nopea Kuljetus Oy"])


class CarrierOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str


class EmploymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    employment: Employment
    carrier_id: uuid.UUID | None = None


class EmploymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    driver_id: uuid.UUID
    employment: Employment
    carrier_id: uuid.UUID | None


class PayPlanIn(BaseModel):
    """A new version of a driver's or a carrier's plan (name exactly one)."""

    model_config = ConfigDict(extra="forbid")

    driver_id: uuid.UUID | None = None
    carrier_id: uuid.UUID | None = None
    valid_from: Day
    currency: str = Field(min_length=3, max_length=3, examples=["EUR"])
    rules: PayRules

    @model_validator(mode="after")
    def _one_payee(self) -> "PayPlanIn":
        if (self.driver_id is None) == (self.carrier_id is None):
            raise ValueError("name either driver_id or carrier_id")
        return self


class PayPlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    driver_id: uuid.UUID | None
    carrier_id: uuid.UUID | None
    version: int
    valid_from: date
    valid_to: date | None
    currency: str
    rules: PayRules

    @classmethod
    def of(cls, plan: PayPlan) -> "PayPlanOut":
        return cls.model_validate(plan)


class PayLineOut(BaseModel):
    day: date
    kind: str
    description: str
    reference: str
    driver_id: uuid.UUID | None
    quantity: str
    unit_price: str
    amount: str
    plan_version: int

    @classmethod
    def of(cls, line: PayLine, currency: str | None) -> "PayLineOut":
        return cls(
            day=line.day,
            kind=line.kind,
            description=line.description,
            reference=line.reference,
            driver_id=line.driver_id,
            quantity=str(line.quantity),
            unit_price=str(line.unit_price),
            amount=money_text(line.amount, currency),
            plan_version=line.plan_version,
        )


class StatementOut(BaseModel):
    payee_type: str = Field(description="driver or carrier")
    payee_id: uuid.UUID
    payee_name: str
    period_first: date
    period_last: date
    currency: str | None = Field(description="None while no pay plan covers the payee")
    lines: list[PayLineOut]
    total: str
    notes: list[str]

    @classmethod
    def of(cls, statement: Statement) -> "StatementOut":
        payee = statement.payee
        payee_id = payee.driver_id or payee.carrier_id
        assert payee_id is not None
        return cls(
            payee_type="driver" if payee.driver_id else "carrier",
            payee_id=payee_id,
            payee_name=statement.payee_name,
            period_first=statement.period.first,
            period_last=statement.period.last,
            currency=statement.currency,
            lines=[PayLineOut.of(line, statement.currency) for line in statement.lines],
            total=money_text(statement.total, statement.currency),
            notes=statement.notes,
        )


class StatementSummaryOut(BaseModel):
    driver_id: uuid.UUID
    driver_name: str
    currency: str | None
    lines: int
    total: str


class DriverDayOut(BaseModel):
    day: date
    driver_id: uuid.UUID
    driver_name: str
    currency: str
    collected: str
    handed_over: str
    short: str = Field(description="collected - handed over: above 0 is cash missing")
    on_shift: bool = Field(
        description="the driver's shift is still open: cash not yet handed over is with them"
    )

    @classmethod
    def of(cls, row: DriverDay) -> "DriverDayOut":
        return cls(
            day=row.day,
            driver_id=row.driver_id,
            driver_name=row.driver_name,
            currency=row.currency,
            collected=money_text(row.collected, row.currency),
            handed_over=money_text(row.handed_over, row.currency),
            short=money_text(row.short, row.currency),
            on_shift=row.on_shift,
        )


class MerchantCashOut(BaseModel):
    merchant_id: uuid.UUID
    merchant_name: str
    currency: str
    collected: str
    remitted: str
    due: str = Field(description="collected - remitted in the period")

    @classmethod
    def of(cls, row: MerchantCash) -> "MerchantCashOut":
        return cls(
            merchant_id=row.merchant_id,
            merchant_name=row.merchant_name,
            currency=row.currency,
            collected=money_text(row.collected, row.currency),
            remitted=money_text(row.remitted, row.currency),
            due=money_text(row.due, row.currency),
        )


class DayTotalOut(BaseModel):
    day: date
    currency: str
    collected: str
    handed_over: str
    short: str

    @classmethod
    def of(cls, row: DayTotal) -> "DayTotalOut":
        return cls(
            day=row.day,
            currency=row.currency,
            collected=money_text(row.collected, row.currency),
            handed_over=money_text(row.handed_over, row.currency),
            short=money_text(row.collected - row.handed_over, row.currency),
        )


class ReconciliationOut(BaseModel):
    period_first: date
    period_last: date
    drivers: list[DriverDayOut] = Field(description="per driver, day and currency")
    days: list[DayTotalOut] = Field(description="all drivers, per day and currency")
    merchants: list[MerchantCashOut]


class RemittanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    merchant_id: uuid.UUID
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=4, examples=["120.00"])
    currency: str = Field(min_length=3, max_length=3, examples=["EUR"])
    remitted_on: Day
    reference: str = Field(min_length=1, max_length=200, examples=["bank transfer 2026-12-08"])


class RemittanceOut(BaseModel):
    id: uuid.UUID
    merchant_id: uuid.UUID
    amount: str
    currency: str
    remitted_on: date
    reference: str
    invoice_id: uuid.UUID | None

    @classmethod
    def of(cls, row: CodRemittance) -> "RemittanceOut":
        return cls(
            id=row.id,
            merchant_id=row.merchant_id,
            amount=money_text(row.amount, row.currency),
            currency=row.currency,
            remitted_on=row.remitted_on,
            reference=row.reference,
            invoice_id=row.invoice_id,
        )


class CorrectionIn(BaseModel):
    """Cash the driver handed over for a day that was not counted then."""

    model_config = ConfigDict(extra="forbid")

    driver_id: uuid.UUID
    day: Day
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=4, examples=["20.00"])
    currency: str = Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])
    note: str = Field(min_length=1, max_length=400, examples=["found in the van's cash bag"])


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    day: Day


class CheckOut(BaseModel):
    day: date
    alerts_changed: int
