"""Table: chat messages, one thread per driver."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lastmile.db.base import Base, OrgScoped, new_id, utcnow


class Sender(StrEnum):
    DRIVER = "driver"
    DISPATCHER = "dispatcher"


class ChatMessage(OrgScoped, Base):
    """A message in a driver's thread; `client_id` makes a resent message count once."""

    __tablename__ = "chat_messages"
    __table_args__ = (
        Index("ix_chat_messages_thread", "driver_id", "recorded_at"),
        UniqueConstraint("driver_id", "client_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    driver_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("drivers.id", ondelete="CASCADE"))
    sender: Mapped[Sender] = mapped_column(
        Enum(
            Sender,
            name="chat_sender",
            values_callable=lambda e: [m.value for m in e],
            native_enum=False,
            length=16,
        )
    )
    author: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    client_id: Mapped[uuid.UUID | None]
    at: Mapped[datetime]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
