"""`GET /api/v1/audit`: the organisation's audit log, for admins only."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query

from lastmile.api.deps import SessionDep
from lastmile.api.fields import Instant
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.audit import service
from lastmile.audit.schemas import AuditEntryOut, AuditPage
from lastmile.audit.types import Action, ActorType, SubjectType
from lastmile.auth.deps import AdminDep

MAX_ID = 2**63 - 1  # a BIGINT: a larger id names no entry, and PostgreSQL refuses to compare
EntryId = Annotated[int, Path(ge=1, le=MAX_ID)]

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], responses=COMMON_PROBLEMS)


@router.get("")
def list_audit(
    session: SessionDep,
    principal: AdminDep,
    subject_type: SubjectType | None = None,
    subject_id: Annotated[
        str | None, Query(max_length=100, description="The subject's id (a UUID for most)")
    ] = None,
    actor_type: ActorType | None = None,
    actor_id: uuid.UUID | None = None,
    action: Action | None = None,
    since: Annotated[Instant | None, Query(description="From this time on (inclusive)")] = None,
    until: Annotated[Instant | None, Query(description="Before this time")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> AuditPage:
    """Newest first."""
    filters = service.AuditFilter(
        subject_type=subject_type,
        subject_id=subject_id,
        actor_type=actor_type,
        actor_id=actor_id,
        action=action,
        since=since,
        until=until,
    )
    rows, next_cursor = service.list_entries(
        session=session, org_id=principal.org_id, filters=filters, limit=limit, cursor=cursor
    )
    return AuditPage(items=[AuditEntryOut.of(r) for r in rows], next_cursor=next_cursor)


@router.get("/{entry_id}")
def get_audit_entry(entry_id: EntryId, session: SessionDep, principal: AdminDep) -> AuditEntryOut:
    entry = service.get_entry(session=session, org_id=principal.org_id, entry_id=entry_id)
    return AuditEntryOut.of(entry)
