"""Table: one row of settings per organisation (absent until an admin changes something)."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, false, text, true
from sqlalchemy.orm import Mapped, mapped_column

from lastmile.db.base import Base, utcnow


class OrganizationSettings(Base):
    __tablename__ = "organization_settings"

    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    brand_color: Mapped[str] = mapped_column(String(7))
    logo_url: Mapped[str | None] = mapped_column(String(500))
    logo_image: Mapped[bytes | None] = mapped_column(LargeBinary)
    logo_content_type: Mapped[str | None] = mapped_column(String(40))
    timezone: Mapped[str] = mapped_column(String(64))
    driver_visible_stops_away: Mapped[int] = mapped_column(Integer)
    link_expiry_days: Mapped[int] = mapped_column(Integer)
    reschedule_days_ahead: Mapped[int] = mapped_column(Integer)
    reschedule_cutoff: Mapped[str] = mapped_column(String(5))
    reschedule_windows: Mapped[list[list[str]]] = mapped_column(JSON)
    feedback_tags: Mapped[list[str]] = mapped_column(JSON)
    # None: kept forever. The database refuses deleting a younger entry (migration 0012).
    audit_retention_days: Mapped[int | None] = mapped_column(Integer)
    osmand_issued_ids_only: Mapped[bool] = mapped_column(default=False, server_default=false())
    address_quality_rule: Mapped[str] = mapped_column(String(8), server_default="warn")
    address_quality_threshold: Mapped[int] = mapped_column(Integer, server_default=text("60"))
    customer_can_move_pin: Mapped[bool] = mapped_column(default=True, server_default=true())
    # ISO 3166-1 alpha-2; None: phone numbers must carry their country code.
    country: Mapped[str | None] = mapped_column(String(2))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
