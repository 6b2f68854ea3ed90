"""API shapes for the audit log."""

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from lastmile.audit import text
from lastmile.audit.models import AuditEntry
from lastmile.audit.types import Action, ActorType, SubjectType


class AuditActor(BaseModel):
    type: ActorType
    id: uuid.UUID | None = Field(description="The user's, API key's or driver's id")
    name: str


class AuditSubject(BaseModel):
    type: SubjectType
    id: str
    label: str


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    actor: AuditActor
    action: Action
    subject: AuditSubject
    before: dict[str, Any] | None = Field(description="The changed fields before the change")
    after: dict[str, Any] | None = Field(description="The changed fields after the change")
    text: str = Field(description="The change in plain words, without who and when")
    who: str = Field(description="The actor in plain words")

    @classmethod
    def of(cls, entry: AuditEntry, *, user_names: Mapping[uuid.UUID, str]) -> "AuditEntryOut":
        """`user_names`: the users' names by id; a user's entry stored their email."""
        return cls(
            id=entry.id,
            at=entry.at,
            actor=AuditActor(
                type=ActorType(entry.actor_type), id=entry.actor_id, name=entry.actor_name
            ),
            action=Action(entry.action),
            subject=AuditSubject(
                type=SubjectType(entry.subject_type),
                id=entry.subject_id,
                label=entry.subject_label,
            ),
            before=entry.before,
            after=entry.after,
            text=text.what(entry),
            who=text.who(entry, user_names=user_names),
        )


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: int | None = Field(description="Pass as `cursor` for the next (older) page")
