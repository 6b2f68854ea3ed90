"""Declarative base, shared mixins and id/time helpers."""

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import ForeignKey, MetaData, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from lastmile.db.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    return uuid.uuid4()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), uuid.UUID: Uuid()}


class OrgScoped:
    """A tenant row: every query on it must filter on `org_id`."""

    @declared_attr
    def org_id(cls) -> Mapped[uuid.UUID]:  # noqa: N805 (SQLAlchemy passes the class)
        return mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
