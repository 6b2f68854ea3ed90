"""HTTP routes: users, API keys, sign-in and sign-out."""

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response, status
from sqlalchemy.orm import Session

from lastmile.api.deps import SessionDep, SettingsDep
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.audit import service as audit_log
from lastmile.audit.types import Action, actor_of
from lastmile.auth import audit_subjects as auth_subjects
from lastmile.auth import service
from lastmile.auth.cookies import csrf_header_matches, set_session_cookies
from lastmile.auth.deps import (
    CSRF_COOKIE,
    CSRF_HEADER,
    SESSION_COOKIE,
    AdminDep,
    Principal,
    PrincipalDep,
    StaffDep,
)
from lastmile.auth.models import User
from lastmile.auth.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyOut,
    Login,
    Me,
    SignedIn,
    UserCreate,
    UserOut,
    UserUpdate,
)
from lastmile.db.contention import reading
from lastmile.errors import Forbidden, Unauthenticated
from lastmile.ratelimit.deps import EmailSignInLimit

router = APIRouter(responses=COMMON_PROBLEMS)


@router.get("/api/v1/me", tags=["auth"])
def me(principal: PrincipalDep) -> Me:
    return Me(
        org_id=principal.org_id,
        role=principal.role,
        actor=principal.actor,
        user_id=principal.user_id,
    )


@router.post("/api/v1/users", status_code=status.HTTP_201_CREATED, tags=["users"])
def create_user(body: UserCreate, session: SessionDep, principal: AdminDep) -> UserOut:
    user = service.create_user(session=session, org_id=principal.org_id, **body.model_dump())
    _audit_user(session, principal, Action.USER_CREATE, user, {}, password=False)
    session.commit()
    return UserOut.model_validate(user)


@router.get("/api/v1/users", tags=["users"])
def list_users(session: SessionDep, principal: StaffDep) -> list[UserOut]:
    users = service.list_users(session=session, org_id=principal.org_id)
    return [UserOut.model_validate(u) for u in users]


@router.get("/api/v1/users/{user_id}", tags=["users"])
def get_user(user_id: uuid.UUID, session: SessionDep, principal: StaffDep) -> UserOut:
    user = service.get_user(session=session, org_id=principal.org_id, user_id=user_id)
    return UserOut.model_validate(user)


@router.patch("/api/v1/users/{user_id}", tags=["users"])
def update_user(
    user_id: uuid.UUID, body: UserUpdate, session: SessionDep, principal: AdminDep
) -> UserOut:
    before = auth_subjects.user_fields(
        service.get_user(session=session, org_id=principal.org_id, user_id=user_id)
    )
    user = service.update_user(
        session=session,
        org_id=principal.org_id,
        user_id=user_id,
        **body.model_dump(exclude_unset=True),
    )
    _audit_user(session, principal, Action.USER_UPDATE, user, before, body.password is not None)
    session.commit()
    return UserOut.model_validate(user)


@router.delete("/api/v1/users/{user_id}", status_code=204, tags=["users"])
def deactivate_user(user_id: uuid.UUID, session: SessionDep, principal: AdminDep) -> Response:
    user = service.get_user(session=session, org_id=principal.org_id, user_id=user_id)
    before = auth_subjects.user_fields(user)
    service.update_user(session=session, org_id=principal.org_id, user_id=user_id, active=False)
    _audit_user(session, principal, Action.USER_DEACTIVATE, user, before, password=False)
    session.commit()
    return Response(status_code=204)


@router.post("/api/v1/api-keys", status_code=status.HTTP_201_CREATED, tags=["api keys"])
def create_api_key(body: ApiKeyCreate, session: SessionDep, principal: AdminDep) -> ApiKeyCreated:
    row, key = service.create_api_key(
        session=session, org_id=principal.org_id, name=body.name, role=body.role
    )
    audit_log.record(
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=Action.API_KEY_CREATE,
        subject=auth_subjects.api_key(row),
        after={"role": row.role},
    )
    session.commit()
    return ApiKeyCreated(**ApiKeyOut.model_validate(row).model_dump(), key=key)


@router.get("/api/v1/api-keys", tags=["api keys"])
def list_api_keys(session: SessionDep, principal: AdminDep) -> list[ApiKeyOut]:
    rows = service.list_api_keys(session=session, org_id=principal.org_id)
    return [ApiKeyOut.model_validate(r) for r in rows]


@router.delete("/api/v1/api-keys/{key_id}", status_code=204, tags=["api keys"])
def revoke_api_key(
    key_id: uuid.UUID, request: Request, session: SessionDep, principal: AdminDep
) -> Response:
    row = service.revoke_api_key(session=session, org_id=principal.org_id, key_id=key_id)
    audit_log.record(
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=Action.API_KEY_REVOKE,
        subject=auth_subjects.api_key(row),
        after={"revoked_at": row.revoked_at},
    )
    session.commit()
    request.app.state.verified_keys.forget(key_id)
    return Response(status_code=204)


def _audit_user(
    session: Session,
    principal: Principal,
    action: Action,
    user: User,
    before: dict[str, Any],
    password: bool,
) -> None:
    """The user's changed fields in the audit log; a new password is noted, never kept."""
    after = auth_subjects.user_fields(user)
    if password:
        before, after = {**before, "password": "previous"}, {**after, "password": "new"}
    audit_log.record_change(
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=action,
        subject=auth_subjects.user(user),
        before=before,
        after=after,
    )


@router.post("/auth/login", tags=["auth"])
def login(
    _: EmailSignInLimit,
    body: Login,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
) -> SignedIn:
    with reading():
        check = service.password_check(session=session, email=body.email)
    session.commit()  # hands the connection back before the slow hash (see `PasswordCheck`)
    user = service.checked_user(session=session, check=check, password=body.password)
    if user is None:
        raise Unauthenticated("wrong email or password")
    started = service.start_web_session(
        session=session,
        user=user,
        secret_key=settings.secret_key.get_secret_value(),
        ttl_s=settings.session_ttl_s,
    )
    session.commit()
    set_session_cookies(response, started, settings)
    return SignedIn(user=UserOut.model_validate(user), csrf_token=started.csrf_token)


@router.post("/auth/logout", status_code=204, tags=["auth"])
def logout(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """End the browser's session; a live one needs its `X-CSRF-Token`, so that another site
    cannot sign the browser out."""
    token = request.cookies.get(SESSION_COOKIE)
    secret = settings.secret_key.get_secret_value()
    found = (
        service.resolve_web_session(session=session, token=token, secret_key=secret)
        if token
        else None
    )
    if token and found is not None:
        if not csrf_header_matches(request, found[0].csrf_token):
            raise Forbidden(f"missing or wrong {CSRF_HEADER} header for a cookie session")
        service.end_web_session(session=session, token=token, secret_key=secret)
        session.commit()
    out = Response(status_code=204)
    out.delete_cookie(SESSION_COOKIE)
    out.delete_cookie(CSRF_COOKIE)
    return out
