"""Exactly-once driver actions: a durable record per client-generated `action_id`."""

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.db import utcnow
from lastmile.dispatch.models import DriverAction
from lastmile.errors import Conflict


@dataclass(frozen=True, slots=True)
class Replayed:
    """The stored first answer to an action sent again."""

    status_code: int
    response: dict[str, Any]


def fingerprint(kind: str, target: str, payload: dict[str, Any], *blobs: bytes) -> str:
    """A hash of what the action asks for: the same `action_id` must always ask the same."""
    digest = hashlib.sha256()
    for part in (kind.encode(), target.encode(), json.dumps(payload, sort_keys=True).encode()):
        digest.update(len(part).to_bytes(8, "big") + part)
    for blob in blobs:
        digest.update(len(blob).to_bytes(8, "big") + hashlib.sha256(blob).digest())
    return digest.hexdigest()


def find(
    *,
    session: Session,
    driver_id: uuid.UUID,
    action_id: uuid.UUID,
    kind: str,
    request_sha256: str,
) -> Replayed | None:
    """The first answer when this action was already applied; Conflict when the id was used
    for a different action."""
    row = session.scalar(
        select(DriverAction).where(
            DriverAction.driver_id == driver_id, DriverAction.action_id == action_id
        )
    )
    if row is None:
        return None
    if row.kind != kind or row.request_sha256 != request_sha256:
        raise Conflict(
            f"action_id {action_id} was already used for a different {row.kind} action:"
            " generate a new action_id for each action"
        )
    return Replayed(row.status_code, row.response)


def remember(
    *,
    session: Session,
    org_id: uuid.UUID,
    driver_id: uuid.UUID,
    action_id: uuid.UUID,
    kind: str,
    request_sha256: str,
    client_at: datetime,
    status_code: int,
    response: dict[str, Any],
) -> None:
    """Record the action with its answer, in the caller's transaction (with its effect)."""
    session.add(
        DriverAction(
            org_id=org_id,
            driver_id=driver_id,
            action_id=action_id,
            kind=kind,
            request_sha256=request_sha256,
            status_code=status_code,
            response=response,
            client_at=client_at,
            created_at=utcnow(),
        )
    )
    session.flush()
