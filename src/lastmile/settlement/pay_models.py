"""Tables: carriers (companies drivers may work for), how each driver is employed, and the
versioned pay plans that price a driver's or a carrier's work."""

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from lastmile.db.base import Base, OrgScoped, new_id, utcnow


class Employment(StrEnum):
    EMPLOYEE = "employee"
    CONTRACTOR = "contractor"
    CARRIER = "carrier"
    """Works for a carrier company, which is paid for the driver's work."""


class Carrier(OrgScoped, Base):
    """A company whose drivers deliver for the organisation and which is paid for them."""

    __tablename__ = "carriers"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DriverEmployment(OrgScoped, Base):
    """How one driver is employed (none recorded: an employee) and for which carrier."""

    __tablename__ = "driver_employment"
    __table_args__ = (UniqueConstraint("driver_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    driver_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("drivers.id", ondelete="CASCADE"))
    employment: Mapped[Employment] = mapped_column(
        Enum(
            Employment,
            name="employment",
            values_callable=lambda e: [m.value for m in e],
            native_enum=False,
            length=16,
        )
    )
    carrier_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("carriers.id", ondelete="RESTRICT"), index=True
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PayPlan(OrgScoped, Base):
    """One version of what a driver or a carrier is paid, valid from a day (inclusive) to a
    day (exclusive). Exactly one of `driver_id`, `carrier_id` is set. `rules` holds the
    prices in the shape `billing.pay_rules.PayRules` validates; a saved version is never
    edited: a new one is added and closes the one before it."""

    __tablename__ = "pay_plans"
    __table_args__ = (
        CheckConstraint("(driver_id IS NULL) <> (carrier_id IS NULL)", name="one_payee"),
        UniqueConstraint("org_id", "payee_key", "version"),
        Index("ix_pay_plans_payee_valid_from", "payee_key", "valid_from"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    driver_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("drivers.id", ondelete="CASCADE")
    )
    carrier_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("carriers.id", ondelete="CASCADE")
    )
    payee_key: Mapped[str] = mapped_column(String(60))
    """`driver:<id>` or `carrier:<id>`: numbers the versions of one payee's plan."""
    version: Mapped[int]
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    rules: Mapped[dict[str, object]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
