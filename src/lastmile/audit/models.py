"""The `audit_log` table: append-only (no update or delete path; PostgreSQL and SQLite refuse
both with a trigger, see migration 0010)."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lastmile.db.base import Base, OrgScoped, utcnow


class AuditEntry(OrgScoped, Base):
    """One audited change. `before`/`after` hold only the fields that changed, as JSON values;
    `subject_label` and `actor_name` are kept as they were then, so the entry still reads
    the same after the user, key or shipment is renamed or gone."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_org_subject", "org_id", "subject_type", "subject_id"),
        Index("ix_audit_log_org_actor", "org_id", "actor_id"),
    )

    # An increasing integer: the order entries were written in, and the paging cursor.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[uuid.UUID | None]
    actor_name: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(48))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(100))
    subject_label: Mapped[str] = mapped_column(String(320))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
