"""The web session's two cookies: the session token (HTTP-only) and the CSRF token (readable by
our scripts, which echo it in the `X-CSRF-Token` header on every write)."""

from fastapi import Response

from lastmile.auth.deps import CSRF_COOKIE, SESSION_COOKIE
from lastmile.auth.service import StartedSession
from lastmile.config import Settings


def set_session_cookies(response: Response, started: StartedSession, settings: Settings) -> None:
    secure = settings.public_url.startswith("https://")
    response.set_cookie(
        SESSION_COOKIE,
        started.token,
        max_age=settings.session_ttl_s,
        httponly=True,
        secure=secure,
        samesite="lax",
    )
    response.set_cookie(
        CSRF_COOKIE,
        started.csrf_token,
        max_age=settings.session_ttl_s,
        secure=secure,
        samesite="strict",
    )
