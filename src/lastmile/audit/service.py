"""Writing and reading the audit log. `record` adds its row to the caller's transaction, so an
audited change and its entry commit together or not at all. Nothing here updates an entry;
the one delete is `purge_before`, for an organisation that chose to keep its entries N days
(the database refuses it for any younger entry)."""

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lastmile.audit.models import AuditEntry
from lastmile.audit.subjects import organization
from lastmile.audit.types import Action, Actor, ActorType, Subject, SubjectType, system_actor
from lastmile.db import utcnow
from lastmile.errors import InvalidInput, NotFound


def plain(value: Any) -> Any:
    """A value as JSON can hold it: ids and enums as strings, times in ISO 8601.

    >>> plain({"at": datetime(2026, 1, 2, 3, 4), "ids": (uuid.UUID(int=0),)})
    {'at': '2026-01-02T03:04:00', 'ids': ['00000000-0000-0000-0000-000000000000']}
    """
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    return value


def changes(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields whose value differs, before and after.

    >>> changes({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4})
    ({'b': 2, 'c': None}, {'b': 3, 'c': 4})
    """
    old, new = plain(before), plain(after)
    keys = [k for k in {**old, **new} if old.get(k) != new.get(k)]
    return {k: old.get(k) for k in keys}, {k: new.get(k) for k in keys}


def record(
    *,
    session: Session,
    org_id: uuid.UUID,
    actor: Actor,
    action: Action,
    subject: Subject,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Add one entry to the caller's transaction (flushed, never committed here)."""
    entry = AuditEntry(
        org_id=org_id,
        at=at or utcnow(),
        actor_type=actor.type.value,
        actor_id=actor.id,
        actor_name=actor.name[:320],
        action=action.value,
        subject_type=subject.type.value,
        subject_id=subject.id[:100],
        subject_label=subject.label[:320],
        before=plain(before) if before is not None else None,
        after=plain(after) if after is not None else None,
    )
    session.add(entry)
    session.flush()
    return entry


def audited_add[Row](
    *,
    session: Session,
    org_id: uuid.UUID,
    row: Row,
    actor: Actor,
    action: Action,
    subject: Callable[[Row], Subject],
    after: Callable[[Row], Mapping[str, Any]],
) -> Row:
    """Add a new row and the entry recording it to the caller's transaction; `subject` and
    `after` read the row once it is flushed (its id assigned)."""
    session.add(row)
    session.flush()
    record(
        session=session,
        org_id=org_id,
        actor=actor,
        action=action,
        subject=subject(row),
        after=after(row),
    )
    return row


@dataclass(frozen=True, slots=True)
class AuditFilter:
    subject_type: SubjectType | None = None
    subject_id: str | None = None
    actor_type: ActorType | None = None
    actor_id: uuid.UUID | None = None
    action: Action | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_entries(
    *,
    session: Session,
    org_id: uuid.UUID,
    filters: AuditFilter,
    limit: int,
    cursor: int | None = None,
) -> tuple[list[AuditEntry], int | None]:
    """Newest first, one page and the cursor of the next (None at the end)."""
    if filters.since and filters.until and filters.until < filters.since:
        raise InvalidInput("until", f"is {filters.until.isoformat()}: before `since`")
    query = select(AuditEntry).where(AuditEntry.org_id == org_id)
    if filters.subject_type is not None:
        query = query.where(AuditEntry.subject_type == filters.subject_type.value)
    if filters.subject_id is not None:
        query = query.where(AuditEntry.subject_id == filters.subject_id)
    if filters.actor_type is not None:
        query = query.where(AuditEntry.actor_type == filters.actor_type.value)
    if filters.actor_id is not None:
        query = query.where(AuditEntry.actor_id == filters.actor_id)
    if filters.action is not None:
        query = query.where(AuditEntry.action == filters.action.value)
    if filters.since is not None:
        query = query.where(AuditEntry.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEntry.at < filters.until)
    if cursor is not None:
        query = query.where(AuditEntry.id < cursor)
    rows = list(session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit + 1)))
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], next_cursor


def get_entry(*, session: Session, org_id: uuid.UUID, entry_id: int) -> AuditEntry:
    entry = session.scalar(
        select(AuditEntry).where(AuditEntry.org_id == org_id, AuditEntry.id == entry_id)
    )
    if entry is None:
        raise NotFound(f"no audit entry {entry_id}")
    return entry


def record_change(
    *,
    session: Session,
    org_id: uuid.UUID,
    actor: Actor,
    action: Action,
    subject: Subject,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
) -> AuditEntry | None:
    """Record only the fields that changed; a change that changed nothing leaves no entry."""
    old, new = changes(before, after)
    if not old and not new:
        return None
    return record(
        session=session,
        org_id=org_id,
        actor=actor,
        action=action,
        subject=subject,
        before=old,
        after=new,
    )


def purge_before(
    *, session: Session, org_id: uuid.UUID, cutoff: datetime, retention_days: int
) -> int:
    """Delete the organisation's entries older than `cutoff` and say so in one new entry (by
    Lastmile); how many were deleted. Only for an organisation whose retention asks it."""
    result = session.execute(
        delete(AuditEntry)
        .where(AuditEntry.org_id == org_id, AuditEntry.at < cutoff)
        .execution_options(synchronize_session=False)
    )
    deleted = int(result.rowcount)  # type: ignore[attr-defined]
    if deleted:
        record(
            session=session,
            org_id=org_id,
            actor=system_actor("audit-retention"),
            action=Action.AUDIT_PURGE,
            subject=organization(org_id),
            after={"deleted": deleted, "retention_days": retention_days, "older_than": cutoff},
        )
    return deleted
