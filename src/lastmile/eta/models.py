"""Tables: every ETA given (for measuring accuracy later) and the latest ETA of each stop."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lastmile.db.base import Base, OrgScoped, new_id


class EtaPrediction(OrgScoped, Base):
    """One ETA as it was given; `actual_at` is filled in when the driver reaches the stop."""

    __tablename__ = "eta_predictions"
    __table_args__ = (
        Index("ix_eta_predictions_stop_computed", "stop_id", "computed_at"),
        Index("ix_eta_predictions_org_computed", "org_id", "computed_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    route_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("routes.id", ondelete="CASCADE"))
    stop_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("route_stops.id", ondelete="CASCADE"))
    shipment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    computed_at: Mapped[datetime]
    eta: Mapped[datetime]
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    gps_age_s: Mapped[float | None]
    stops_away: Mapped[int] = mapped_column(Integer)
    horizon: Mapped[str] = mapped_column(String(8))
    trigger: Mapped[str] = mapped_column(String(16))
    actual_at: Mapped[datetime | None]


class StopEtaRow(OrgScoped, Base):
    """The latest ETA of a remaining stop; removed once the stop is reached."""

    __tablename__ = "stop_etas"

    stop_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("route_stops.id", ondelete="CASCADE"), primary_key=True
    )
    route_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("routes.id", ondelete="CASCADE"), index=True
    )
    shipment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE"), index=True
    )
    eta: Mapped[datetime]
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    stops_away: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime]
    gps_age_s: Mapped[float | None]
