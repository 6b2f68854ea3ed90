"""How users and API keys are named in the audit log, and which of a user's fields a change shows
(never a password hash or a key's secret)."""

from typing import Any

from lastmile.audit.types import Subject, SubjectType
from lastmile.auth.models import ApiKey, User


def user(row: User) -> Subject:
    return Subject(SubjectType.USER, str(row.id), row.email)


def user_fields(row: User) -> dict[str, Any]:
    return {"name": row.name, "role": row.role, "active": row.active}


def api_key(row: ApiKey) -> Subject:
    return Subject(SubjectType.API_KEY, str(row.id), row.name)
