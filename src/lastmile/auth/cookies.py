"""The web session's two cookies: the session token (HTTP-only) and the CSRF token (readable by
our scripts, which echo it in the `X-CSRF-Token` header on every write)."""

import hmac

from fastapi import Request, Response

from lastmile.auth.credentials import keyed_hash, new_token
from lastmile.auth.deps import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE
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


SIGN_IN_COOKIE = "lastmile_sign_in"
SIGN_IN_FIELD = "csrf_token"
SIGN_IN_FORM_TTL_S = 3600
"""How long a sign-in form may stay open before it must be reloaded."""


def _signed(nonce: str, secret_key: str) -> str:
    return f"{nonce}.{keyed_hash('sign-in:' + nonce, secret_key)}"


def new_sign_in_token(settings: Settings) -> str:
    """A token for the sign-in form, also set as a cookie (`set_sign_in_cookie`) that only our
    own pages send back: a form posted from another site (login CSRF, signing the victim into
    the attacker's account) has no cookie to match."""
    return _signed(new_token(16), settings.secret_key.get_secret_value())


def set_sign_in_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        SIGN_IN_COOKIE,
        token,
        max_age=SIGN_IN_FORM_TTL_S,
        httponly=True,
        secure=settings.public_url.startswith("https://"),
        samesite="strict",
    )


def sign_in_token_matches(request: Request, sent: str | None, settings: Settings) -> bool:
    """Whether the form's token is the one this browser's cookie holds, and one we made."""
    cookie = request.cookies.get(SIGN_IN_COOKIE, "")
    nonce, _, _ = cookie.partition(".")
    expected = _signed(nonce, settings.secret_key.get_secret_value())
    return (
        bool(sent and nonce)
        and hmac.compare_digest(cookie, expected)
        and (hmac.compare_digest(sent or "", cookie))
    )


def csrf_header_matches(request: Request, csrf_token: str) -> bool:
    """Whether a cookie session's write carries the session's CSRF token in its header."""
    return hmac.compare_digest(request.headers.get(CSRF_HEADER, ""), csrf_token)
