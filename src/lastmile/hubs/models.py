"""Table: hubs, with location and weekly opening hours."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lastmile.db.base import Base, OrgScoped, new_id, utcnow


class Hub(OrgScoped, Base):
    __tablename__ = "hubs"
    __table_args__ = (UniqueConstraint("org_id", "code"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500), default="")
    lat: Mapped[float]
    lon: Mapped[float]
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    opening_hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UserHub(OrgScoped, Base):
    """A hub a user may see. A user with no row sees every hub of the organisation; with rows,
    only those (a dispatcher limited to their depots)."""

    __tablename__ = "user_hubs"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    hub_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("hubs.id", ondelete="CASCADE"), primary_key=True, index=True
    )
