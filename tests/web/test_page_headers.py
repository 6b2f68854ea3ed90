"""Every HTML answer the app gives (pages, forms, error pages, the 404 and 500 pages) carries a
CSP without inline scripts that forbids framing, `nosniff` and a referrer policy; the walk
covers every route outside the JSON API, with and without a session."""

import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount
from tests.common import OrgHandle, create_shipment

from lastmile.auth import service as auth
from lastmile.auth.deps import SESSION_COOKIE
from lastmile.auth.models import Role, User
from lastmile.config import Settings
from lastmile.db import Database

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
STREAMS = {"/t/{token}/events"}  # endless; its answer is text/event-stream
REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin"}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


class Bug(Exception):
    pass


@pytest.fixture
def signed_in(client: TestClient, db: Database, org: OrgHandle, settings: Settings) -> TestClient:
    with db.session() as session:
        user = auth.create_user(
            session=session,
            org_id=org.org_id,
            email="admin@example.com",
            name="Ada",
            role=Role.ADMIN,
            password="correct horse battery staple",
        )
        started = auth.start_web_session(
            session=session,
            user=session.get(User, user.id),  # type: ignore[arg-type]
            secret_key=settings.secret_key.get_secret_value(),
            ttl_s=600,
        )
        session.commit()
    client.cookies.set(SESSION_COOKIE, started.token)
    return client


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (item.split() for item in policy.split(";") if item.strip())
    return {words[0].lower(): words[1:] for words in parts}


def _problems(response: httpx.Response) -> list[str]:
    """What is wrong with an HTML answer's headers or body, as readable complaints."""
    where = f"{response.request.method} {response.request.url.path} ({response.status_code})"
    headers = response.headers
    complaints = []
    csp = _directives(headers.get("content-security-policy", ""))
    scripts = csp.get("script-src", csp.get("default-src"))
    if scripts is None:
        complaints.append(f"{where}: no CSP governing scripts")
    elif {"'unsafe-inline'", "'unsafe-eval'", "*", "data:"} & set(scripts):
        complaints.append(f"{where}: CSP allows inline or foreign scripts: {scripts}")
    if csp.get("frame-ancestors") != ["'none'"]:
        complaints.append(f"{where}: CSP frame-ancestors is {csp.get('frame-ancestors')}")
    if headers.get("x-content-type-options") != "nosniff":
        complaints.append(
            f"{where}: X-Content-Type-Options is {headers.get('x-content-type-options')}"
        )
    if headers.get("referrer-policy") not in REFERRER_POLICIES:
        complaints.append(f"{where}: Referrer-Policy is {headers.get('referrer-policy')}")
    if INLINE_SCRIPT.search(response.text) or INLINE_HANDLER.search(response.text):
        complaints.append(f"{where}: the page has an inline script or event handler")
    return complaints


def _requests(app: FastAPI, tracking_token: str) -> Iterator[tuple[str, str]]:
    """(method, path) for every route and mount outside /api/, its parameters filled in."""
    fills = {"token": tracking_token, "number": "1"}
    gets, others = [], []
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if isinstance(route.original_route, Mount):
            gets.append(("GET", f"{path}/no-such-file"))
            continue
        if path.startswith("/api/") or path in STREAMS:
            continue
        filled = re.sub(r"{(\w+)(:\w+)?}", lambda m: fills.get(m[1], str(uuid.uuid4())), path)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            (gets if method == "GET" else others).append((method, filled))
    yield from gets
    yield ("GET", "/no-such-page")
    yield ("GET", "/t/not-a-token")
    yield from others  # after the GETs: one of them signs out


def test_every_html_answer_carries_the_page_headers(
    app: FastAPI, signed_in: TestClient, org: OrgHandle
) -> None:
    @app.get("/control-tower/bug", include_in_schema=False)
    def bug() -> None:
        raise Bug("the code is wrong")

    tracking_token = create_shipment(signed_in, org)["tracking_url"].rsplit("/", 1)[-1]
    pages: dict[str, int] = {}
    complaints: list[str] = []
    for method, path in _requests(app, tracking_token):
        response = signed_in.request(method, path, headers=BROWSER, follow_redirects=False)
        assert response.status_code < 500 or path == "/control-tower/bug", (path, response.text)
        if response.headers.get("content-type", "").startswith("text/html"):
            pages[f"{method} {path}"] = response.status_code
            complaints += _problems(response)
    assert complaints == []
    for page, status in {
        "GET /control-tower": 200,
        "GET /control-tower/sign-in": 200,
        f"GET /t/{tracking_token}": 200,
        "GET /driver/": 200,
        "GET /docs": 200,
        "GET /no-such-page": 404,
        "GET /static/driver/no-such-file": 404,
        "GET /t/not-a-token": 404,
        "GET /control-tower/bug": 500,
    }.items():
        assert pages.get(page) == status, (page, pages)
    assert len(pages) >= 15, pages
