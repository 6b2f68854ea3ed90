"""Table: messages of a shipment's customer thread (customer, driver, dispatchers)."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lastmile.db.base import Base, OrgScoped, new_id, utcnow


class Party(StrEnum):
    CUSTOMER = "customer"
    DRIVER = "driver"
    DISPATCHER = "dispatcher"


class CustomerMessage(OrgScoped, Base):
    """One message about one shipment; `client_id` makes a resent message count once.

    `driver_id` is the shipment's driver when it was written (whose app it goes to);
    `first_name` is the driver's first name on a driver's message (what the customer sees of
    them), empty otherwise: no phone number or email is ever stored or shown as an author.
    """

    __tablename__ = "customer_messages"
    __table_args__ = (
        Index("ix_customer_messages_thread", "shipment_id", "recorded_at"),
        UniqueConstraint("shipment_id", "client_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    shipment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    party: Mapped[Party] = mapped_column(
        Enum(
            Party,
            name="customer_message_party",
            values_callable=lambda e: [m.value for m in e],
            native_enum=False,
            length=16,
        )
    )
    driver_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("drivers.id", ondelete="SET NULL")
    )
    first_name: Mapped[str] = mapped_column(String(100), default="")
    body: Mapped[str] = mapped_column(Text)
    client_id: Mapped[uuid.UUID | None]
    at: Mapped[datetime]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
