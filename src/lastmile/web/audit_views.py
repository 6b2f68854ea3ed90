"""`GET /api/v1/audit` and its CSV download `GET /api/v1/audit.csv`: the organisation's audit
log, for admins only, with the same filters."""

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from lastmile.api.csv_export import csv_response
from lastmile.api.deps import SessionDep
from lastmile.api.fields import Instant
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.audit import service, text
from lastmile.audit.models import AuditEntry
from lastmile.audit.schemas import AuditEntryOut, AuditPage
from lastmile.audit.types import Action, ActorType, SubjectType
from lastmile.auth.deps import AdminDep
from lastmile.db import utcnow
from lastmile.fleet.actor_names import user_names

MAX_ID = 2**63 - 1  # a BIGINT: a larger id names no entry, and PostgreSQL refuses to compare
EntryId = Annotated[int, Path(ge=1, le=MAX_ID)]
Cursor = Annotated[int | None, Query(ge=1, le=MAX_ID)]
CSV_MAX_ROWS = 50_000
CSV_COLUMNS = (
    "id",
    "at",
    "actor_type",
    "actor_id",
    "actor_name",
    "action",
    "subject_type",
    "subject_id",
    "subject_label",
    "text",
    "before",
    "after",
)

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], responses=COMMON_PROBLEMS)


def _filters(
    subject_type: SubjectType | None = None,
    subject_id: Annotated[
        str | None, Query(max_length=100, description="The subject's id (a UUID for most)")
    ] = None,
    actor_type: ActorType | None = None,
    actor_id: uuid.UUID | None = None,
    action: Action | None = None,
    since: Annotated[Instant | None, Query(description="From this time on (inclusive)")] = None,
    until: Annotated[Instant | None, Query(description="Before this time")] = None,
) -> service.AuditFilter:
    return service.AuditFilter(
        subject_type=subject_type,
        subject_id=subject_id,
        actor_type=actor_type,
        actor_id=actor_id,
        action=action,
        since=since,
        until=until,
    )


FiltersDep = Annotated[service.AuditFilter, Depends(_filters)]


@router.get("")
def list_audit(
    session: SessionDep,
    principal: AdminDep,
    filters: FiltersDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Cursor = None,
) -> AuditPage:
    """Newest first."""
    rows, next_cursor = service.list_entries(
        session=session, org_id=principal.org_id, filters=filters, limit=limit, cursor=cursor
    )
    names = _user_names(session, principal.org_id, rows)
    return AuditPage(
        items=[AuditEntryOut.of(r, user_names=names) for r in rows], next_cursor=next_cursor
    )


def _user_names(
    session: Session, org_id: uuid.UUID, entries: Sequence[AuditEntry]
) -> dict[uuid.UUID, str]:
    """The names of the users behind `entries`: an entry keeps the email they signed in with."""
    ids = (e.actor_id for e in entries if e.actor_type == ActorType.USER and e.actor_id)
    return user_names(session=session, org_id=org_id, user_ids=ids)


@router.get(
    ".csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "The entries as CSV"}},
)
def audit_csv(
    session: SessionDep,
    principal: AdminDep,
    filters: FiltersDep,
    limit: Annotated[int, Query(ge=1, le=CSV_MAX_ROWS)] = CSV_MAX_ROWS,
    cursor: Cursor = None,
) -> Response:
    """Newest first, at most `limit` rows; when more match, the `X-Next-Cursor` header is the
    `cursor` for the next file. `before` and `after` are JSON. A cell that would start like a
    spreadsheet formula (`=`, `+`, `-`, `@`) starts with `'`."""
    rows, next_cursor = service.list_entries(
        session=session, org_id=principal.org_id, filters=filters, limit=limit, cursor=cursor
    )
    more = {} if next_cursor is None else {"X-Next-Cursor": str(next_cursor)}
    names = _user_names(session, principal.org_id, rows)
    return csv_response(
        CSV_COLUMNS,
        (_csv_row(r, names) for r in rows),
        filename=f"audit-{utcnow().date().isoformat()}.csv",
        headers=more,
    )


def _csv_row(entry: AuditEntry, names: Mapping[uuid.UUID, str]) -> list[Any]:
    return [
        entry.id,
        entry.at.isoformat(),
        entry.actor_type,
        entry.actor_id,
        entry.actor_name,
        entry.action,
        entry.subject_type,
        entry.subject_id,
        entry.subject_label,
        f"{text.who(entry, user_names=names)} {text.what(entry)}",
        None if entry.before is None else json.dumps(entry.before, ensure_ascii=False),
        None if entry.after is None else json.dumps(entry.after, ensure_ascii=False),
    ]


@router.get("/{entry_id}")
def get_audit_entry(entry_id: EntryId, session: SessionDep, principal: AdminDep) -> AuditEntryOut:
    entry = service.get_entry(session=session, org_id=principal.org_id, entry_id=entry_id)
    return AuditEntryOut.of(entry, user_names=_user_names(session, principal.org_id, [entry]))
