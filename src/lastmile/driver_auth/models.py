"""Tables: a driver's PIN, the driver app's sessions and one-time sign-in links."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lastmile.db.base import Base, OrgScoped, new_id, utcnow


class DriverCredential(OrgScoped, Base):
    """The driver's PIN (argon2) and the count of wrong PINs since the last good one."""

    __tablename__ = "driver_credentials"
    __table_args__ = (UniqueConstraint("driver_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    driver_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("drivers.id", ondelete="CASCADE"))
    pin_hash: Mapped[str] = mapped_column(String(200))
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class DriverSession(OrgScoped, Base):
    """A signed-in driver app; the bearer token's keyed hash is kept, never the token."""

    __tablename__ = "driver_sessions"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    driver_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("drivers.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class DriverSignInLink(OrgScoped, Base):
    """A one-time sign-in link a dispatcher sent; single use, expiring."""

    __tablename__ = "driver_signin_links"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    driver_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("drivers.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
