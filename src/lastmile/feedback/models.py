"""Table: one feedback per shipment, tied to the driver and the route stop that delivered it."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lastmile.db.base import Base, OrgScoped, new_id, utcnow


class Feedback(OrgScoped, Base):
    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("shipment_id"),
        Index("ix_feedback_org_created", "org_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    shipment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    driver_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("drivers.id", ondelete="SET NULL"), index=True
    )
    stop_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("route_stops.id", ondelete="SET NULL")
    )
    rating: Mapped[int] = mapped_column(Integer)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
