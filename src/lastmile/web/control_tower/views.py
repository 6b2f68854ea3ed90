"""`/control-tower`: dispatcher sign-in, the page itself, and the board it reads."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lastmile.api.deps import NowDep, SessionDep, SettingsDep
from lastmile.api.fields import Day
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.auth import service as auth
from lastmile.auth.cookies import (
    new_sign_in_token,
    set_session_cookies,
    set_sign_in_cookie,
    sign_in_token_matches,
)
from lastmile.auth.deps import SESSION_COOKIE, StaffDep
from lastmile.auth.models import Organization, Role, User
from lastmile.db.contention import reading
from lastmile.hubs.access import HubScopeDep, scope_of
from lastmile.hubs.service import list_hubs
from lastmile.orgsettings.service import get_rules
from lastmile.ratelimit.deps import EmailSignInLimit
from lastmile.shipments.status import LABELS
from lastmile.web.control_tower.board import board

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["control tower"], responses=COMMON_PROBLEMS)

STAFF = (Role.ADMIN, Role.DISPATCHER)
NO_STORE = {"Cache-Control": "no-store"}


def _signed_in(request: Request, session: SessionDep, settings: SettingsDep) -> User | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    found = auth.resolve_web_session(
        session=session, token=token, secret_key=settings.secret_key.get_secret_value()
    )
    return found[1] if found is not None and found[1].role in STAFF else None


def _sign_in_form(
    request: Request, settings: SettingsDep, *, status_code: int = 200, **context: str | None
) -> Response:
    """The form, with a fresh token for its next post (`auth.cookies.new_sign_in_token`)."""
    token = new_sign_in_token(settings)
    response: Response = request.app.state.templates.TemplateResponse(
        request,
        "control_tower/sign_in.html",
        {**context, "csrf_token": token},
        status_code=status_code,
        headers=NO_STORE,
    )
    set_sign_in_cookie(response, token, settings)
    return response


@pages.get("/control-tower/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, settings: SettingsDep, error: str | None = None) -> Response:
    return _sign_in_form(request, settings, error=error)


@pages.post("/control-tower/sign-in")
def sign_in(
    _: EmailSignInLimit,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str | None, Form(max_length=200)] = None,
) -> Response:
    if not sign_in_token_matches(request, csrf_token, settings):
        return _sign_in_form(
            request,
            settings,
            status_code=403,
            error="This sign-in form had expired. Please sign in again.",
            email=email,
        )
    with reading():
        check = auth.password_check(session=session, email=email)
    session.commit()  # hands the connection back before the slow hash (see `PasswordCheck`)
    user = auth.checked_user(session=session, check=check, password=password)
    if user is None or user.role not in STAFF:
        return _sign_in_form(
            request,
            settings,
            status_code=401,
            error="Wrong email or password, or not a dispatcher account.",
            email=email,
        )
    started = auth.start_web_session(
        session=session,
        user=user,
        secret_key=settings.secret_key.get_secret_value(),
        ttl_s=settings.session_ttl_s,
    )
    session.commit()
    response = RedirectResponse("/control-tower", status_code=303)
    set_session_cookies(response, started, settings)
    return response


@pages.get("/control-tower", response_class=HTMLResponse)
def control_tower(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    user = _signed_in(request, session, settings)
    if user is None:
        return RedirectResponse("/control-tower/sign-in", status_code=303)
    org = session.get(Organization, user.org_id)
    scope = scope_of(session=session, role=user.role, user_id=user.id)
    return request.app.state.templates.TemplateResponse(  # type: ignore[no-any-return]
        request,
        "control_tower/index.html",
        {
            "user": user,
            "org_name": org.name if org else "",
            "tile_url": settings.map_tile_url or "",
            "statuses": [(status.value, label) for status, label in LABELS.items()],
            "hubs": [
                h for h in list_hubs(session=session, org_id=user.org_id) if scope.allows(h.id)
            ],
            "org_timezone": get_rules(session=session, org_id=user.org_id).timezone,
        },
        headers=NO_STORE,
    )


@api.get("/api/v1/control-tower/board")
def get_board(
    session: SessionDep,
    principal: StaffDep,
    scope: HubScopeDep,
    now: NowDep,
    day: Annotated[
        Day | None, Query(alias="date", description="default: today at the organisation's hub")
    ] = None,
    hub: Annotated[uuid.UUID | None, Query(description="one hub's routes; default: all")] = None,
) -> dict[str, Any]:
    """Drivers with positions, the driver list (`roster`: status, progress, last fix, battery;
    a fix older than `stale_after_s` is stale), the day's routes with their stops, and the
    day's KPIs."""
    return board(session, org_id=principal.org_id, day=day, hub_id=hub, now=now, scope=scope)
