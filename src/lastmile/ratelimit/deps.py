"""Where the limits apply: FastAPI dependencies for sign-ins and API keys, and a middleware
for whole public paths (tracking pages, OsmAnd) that runs before anything else.

The caller's address is the connection's peer: behind a reverse proxy, start the server
with the proxy's address in `FORWARDED_ALLOW_IPS` so that uvicorn puts the client's there.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from lastmile.api.problems import for_people, problem_for
from lastmile.errors import RateLimited
from lastmile.ratelimit.limiter import RateLimiter, Rule, Rules


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


def limiter_of(scope: Scope) -> RateLimiter:
    limiter: RateLimiter = scope["app"].state.rate_limiter
    return limiter


async def _account(request: Request, field: str) -> str:
    """The account a sign-in names, from its form or JSON body (both parsed once, here or by
    the view: Starlette keeps them on the request)."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(field)
    elif "json" in content_type:
        try:
            body = await request.json()
        except ValueError:
            return ""  # the view answers the malformed body
        value = body.get(field) if isinstance(body, dict) else None
    else:
        value = None
    return value.strip().lower() if isinstance(value, str) else ""


REFUSED_SIGN_IN_DELAY_S = 1.0
"""A refused sign-in is answered after this long. It costs the server one sleeping coroutine,
and a loop that retries at once gets one answer a second per connection: answered at once,
16 loops got about 750 refusals a second, and their handling slowed every other request 5x
(`bench/sign_in_load.py`)."""


def sign_in_limit(
    account_field: str, address_rule: Callable[[Rules], Rule]
) -> Callable[[Request], Awaitable[None]]:
    """A dependency counting a sign-in attempt against its address (`address_rule`) and the
    account it names (`account_field` of the body: `email`, a driver's `phone`), before any
    hashing."""

    async def limit(request: Request) -> None:
        limiter = limiter_of(request.scope)
        try:
            await limiter.hit(address_rule(limiter.rules), client_address(request.scope))
            if account := await _account(request, account_field):
                await limiter.hit(limiter.rules.sign_in_account, account)
        except RateLimited:
            await asyncio.sleep(REFUSED_SIGN_IN_DELAY_S)
            raise

    return limit


EmailSignInLimit = Annotated[None, Depends(sign_in_limit("email", lambda r: r.sign_in_ip))]
PhoneSignInLimit = Annotated[None, Depends(sign_in_limit("phone", lambda r: r.pin_sign_in_ip))]


async def limit_api_key(scope: Scope, key: str) -> None:
    limiter = limiter_of(scope)
    await limiter.hit(limiter.rules.api_key, key)


PathRule = Callable[[Rules], Rule]


def _answer(scope: Scope, error: RateLimited) -> Response:
    """problem+json, or a readable page when a browser asked (a tracking page)."""
    return for_people(problem_for)(Request(scope), error)


class RateLimitMiddleware:
    """Per-address limits on whole public paths, answered before any other work is done."""

    def __init__(self, app: ASGIApp, *, paths: dict[str, PathRule]) -> None:
        self.app = app
        self.paths = tuple(paths.items())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            for prefix, rule in self.paths:
                if path.startswith(prefix):
                    limiter = limiter_of(scope)
                    try:
                        await limiter.hit(rule(limiter.rules), client_address(scope))
                    except RateLimited as error:
                        await _answer(scope, error)(scope, receive, send)
                        return
                    break
        await self.app(scope, receive, send)
