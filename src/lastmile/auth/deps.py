"""Who is calling: an API key (Bearer) or a signed-in browser (cookie + CSRF header)."""

import hmac
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

import anyio
from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from lastmile.api.deps import SettingsDep
from lastmile.auth import service
from lastmile.auth.models import Role
from lastmile.auth.recent import RecentlyVerified
from lastmile.config import Settings
from lastmile.db.contention import reading, retry_when_busy
from lastmile.errors import Forbidden, Unauthenticated
from lastmile.ratelimit.deps import limit_api_key

SESSION_COOKIE = "lastmile_session"
CSRF_COOKIE = "lastmile_csrf"
CSRF_HEADER = "x-csrf-token"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer lm_…`")
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="Web session cookie")


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller, always inside exactly one organisation."""

    org_id: uuid.UUID
    role: Role
    actor: str
    user_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    display_name: str = "Dispatch"
    """How people (a driver reading a message) see the caller: a user's name, else "Dispatch"
    for an integration's API key; `actor` is what the audit log records."""


async def _principal(
    request: Request,
    settings: SettingsDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> Principal:
    """The caller, resolved in a session of its own that is closed at once: a long response
    (an SSE stream) must not hold a database connection for as long as it stays open. An API
    key verified moments ago is not looked up again (see `auth.recent`), and costs no hop to a
    worker thread: that hop, on every fix, waited behind the fix hooks' reads."""
    recent: RecentlyVerified[Principal] = request.app.state.verified_keys
    if bearer is not None:
        await limit_api_key(request.scope, bearer.credentials)
        if (known := recent.get(bearer.credentials)) is not None:
            return known
    return await anyio.to_thread.run_sync(_resolve_alone, request, settings, bearer, cookie)


def _resolve_alone(
    request: Request,
    settings: Settings,
    bearer: HTTPAuthorizationCredentials | None,
    cookie: str | None,
) -> Principal:
    def resolve() -> Principal:
        with request.app.state.db.session() as session:
            return _resolve(request, session, settings, bearer, cookie)

    # A read that seldom writes (a key's `last_used_at`): it takes no write lock up front.
    with reading():
        return retry_when_busy(resolve)


def _resolve(
    request: Request,
    session: Session,
    settings: Settings,
    bearer: HTTPAuthorizationCredentials | None,
    cookie: str | None,
) -> Principal:
    if bearer is not None:
        key = service.authenticate_api_key(session=session, key=bearer.credentials)
        if key is None:
            raise Unauthenticated("the API key is unknown, malformed or revoked")
        session.commit()
        principal = Principal(
            org_id=key.org_id, role=key.role, actor=f"api-key:{key.name}", api_key_id=key.id
        )
        request.app.state.verified_keys.put(bearer.credentials, principal, owner=key.id)
        return principal
    if cookie:
        secret = settings.secret_key.get_secret_value()
        found = service.resolve_web_session(session=session, token=cookie, secret_key=secret)
        if found is None:
            raise Unauthenticated("the session has expired: sign in again")
        web_session, user = found
        if request.method not in _SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(sent, web_session.csrf_token):
                raise Forbidden(f"missing or wrong {CSRF_HEADER} header for a cookie session")
        return Principal(
            org_id=user.org_id,
            role=user.role,
            actor=f"user:{user.email}",
            user_id=user.id,
            display_name=user.name or user.email,
        )
    raise Unauthenticated("send an API key as `Authorization: Bearer <key>` or sign in")


def resolve_principal(
    request: Request,
    session: Session,
    settings: Settings,
    bearer: HTTPAuthorizationCredentials | None,
    cookie: str | None,
) -> Principal:
    """The caller from an API key or a web session; for routes that also accept others."""
    return _resolve(request, session, settings, bearer, cookie)


def require_role(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    allowed = set(roles)

    async def check(principal: Annotated[Principal, Depends(_principal)]) -> Principal:
        if principal.role not in allowed:
            names = ", ".join(sorted(allowed))
            raise Forbidden(f"this needs one of the roles {names}; the caller is {principal.role}")
        return principal

    return check


PrincipalDep = Annotated[Principal, Depends(_principal)]
AdminDep = Annotated[Principal, Depends(require_role(Role.ADMIN))]
StaffDep = Annotated[Principal, Depends(require_role(Role.ADMIN, Role.DISPATCHER))]
