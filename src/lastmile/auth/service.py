"""Organisations, users, API keys and web sessions; the caller owns the transaction."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lastmile.auth.credentials import (
    api_key_matches,
    decoy_hash,
    hash_password,
    keyed_hash,
    new_api_key,
    new_token,
    split_api_key,
    verify_password,
)
from lastmile.auth.models import ApiKey, Organization, Role, User, WebSession
from lastmile.db import utcnow
from lastmile.errors import Conflict, InvalidInput, NotFound

MIN_PASSWORD_LENGTH = 10
_LAST_USED_RESOLUTION = timedelta(minutes=1)


def create_organization(*, session: Session, name: str) -> Organization:
    org = Organization(name=name, settings={})
    session.add(org)
    session.flush()
    return org


def get_organization(*, session: Session, org_id: uuid.UUID) -> Organization:
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound(f"no organisation {org_id}")
    return org


def create_api_key(
    *, session: Session, org_id: uuid.UUID, name: str, role: Role
) -> tuple[ApiKey, str]:
    """The new key row and the key itself, which is never retrievable again."""
    key, prefix, secret_sha256 = new_api_key()
    row = ApiKey(org_id=org_id, name=name, prefix=prefix, secret_sha256=secret_sha256, role=role)
    session.add(row)
    session.flush()
    return row, key


def list_api_keys(*, session: Session, org_id: uuid.UUID) -> list[ApiKey]:
    query = select(ApiKey).where(ApiKey.org_id == org_id).order_by(ApiKey.created_at)
    return list(session.scalars(query))


def revoke_api_key(*, session: Session, org_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey:
    row = session.scalar(select(ApiKey).where(ApiKey.org_id == org_id, ApiKey.id == key_id))
    if row is None:
        raise NotFound(f"no API key {key_id}")
    row.revoked_at = row.revoked_at or utcnow()
    return row


def authenticate_api_key(*, session: Session, key: str) -> ApiKey | None:
    parts = split_api_key(key)
    if parts is None:
        return None
    prefix, secret = parts
    row = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if row is None or row.revoked_at is not None or not api_key_matches(secret, row.secret_sha256):
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > _LAST_USED_RESOLUTION:
        row.last_used_at = now
    return row


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            "password", f"is {len(password)} characters: use at least {MIN_PASSWORD_LENGTH}"
        )


def create_user(
    *, session: Session, org_id: uuid.UUID, email: str, name: str, role: Role, password: str
) -> User:
    _check_password(password)
    email = email.strip().lower()
    if session.scalar(select(func.count()).where(User.email == email)):
        raise Conflict(f"a user with email {email!r} already exists")
    user = User(
        org_id=org_id, email=email, name=name, role=role, password_hash=hash_password(password)
    )
    session.add(user)
    session.flush()
    return user


def get_user(*, session: Session, org_id: uuid.UUID, user_id: uuid.UUID) -> User:
    user = session.scalar(select(User).where(User.org_id == org_id, User.id == user_id))
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


def list_users(*, session: Session, org_id: uuid.UUID) -> list[User]:
    return list(session.scalars(select(User).where(User.org_id == org_id).order_by(User.email)))


def update_user(
    *,
    session: Session,
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    name: str | None = None,
    role: Role | None = None,
    active: bool | None = None,
    password: str | None = None,
) -> User:
    user = get_user(session=session, org_id=org_id, user_id=user_id)
    if name is not None:
        user.name = name
    if role is not None:
        user.role = role
    if active is not None:
        user.active = active
    if password is not None:
        _check_password(password)
        user.password_hash = hash_password(password)
    if active is False or password is not None:
        end_user_sessions(session=session, user_id=user.id)
    return user


@dataclass(frozen=True, slots=True)
class PasswordCheck:
    """What a sign-in checks a password against, read before the slow hash so that the caller
    can hand its database connection back first: sign-ins waiting for the hashing gate must
    not hold the pool's connections (the other requests would wait for one)."""

    user_id: uuid.UUID | None
    password_hash: str


def password_check(*, session: Session, email: str) -> PasswordCheck:
    """The account's hash, or a decoy's for an unknown or inactive one (as slow to check:
    emails stay private)."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        return PasswordCheck(None, decoy_hash())
    return PasswordCheck(user.id, user.password_hash)


def checked_user(*, session: Session, check: PasswordCheck, password: str) -> User | None:
    """The signed-in user if `password` matches, else None; only the match touches the
    database again."""
    if not verify_password(check.password_hash, password) or check.user_id is None:
        return None
    user = session.get(User, check.user_id)
    return user if user is not None and user.active else None


def authenticate_password(*, session: Session, email: str, password: str) -> User | None:
    """Both steps in one, for callers that hold no pool connection worth handing back (the
    command line); a view ends its read between them."""
    check = password_check(session=session, email=email)
    return checked_user(session=session, check=check, password=password)


@dataclass(frozen=True, slots=True)
class StartedSession:
    token: str
    csrf_token: str
    expires_at: datetime


def start_web_session(
    *, session: Session, user: User, secret_key: str, ttl_s: int
) -> StartedSession:
    token = new_token()
    started = StartedSession(token, new_token(24), utcnow() + timedelta(seconds=ttl_s))
    session.add(
        WebSession(
            org_id=user.org_id,
            user_id=user.id,
            token_hash=keyed_hash(token, secret_key),
            csrf_token=started.csrf_token,
            expires_at=started.expires_at,
        )
    )
    session.flush()
    return started


def resolve_web_session(
    *, session: Session, token: str, secret_key: str
) -> tuple[WebSession, User] | None:
    row = session.scalar(
        select(WebSession).where(WebSession.token_hash == keyed_hash(token, secret_key))
    )
    if row is None or row.expires_at < utcnow():
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return row, user


def end_web_session(*, session: Session, token: str, secret_key: str) -> None:
    row = session.scalar(
        select(WebSession).where(WebSession.token_hash == keyed_hash(token, secret_key))
    )
    if row is not None:
        session.delete(row)


def end_user_sessions(*, session: Session, user_id: uuid.UUID) -> None:
    for row in session.scalars(select(WebSession).where(WebSession.user_id == user_id)):
        session.delete(row)
