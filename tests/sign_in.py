"""Signing in to the Control Tower as its form does: the form's token, then the post."""

import re
from typing import Any

import httpx

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_token(client: httpx.Client) -> str:
    """The sign-in form's token; the client keeps the cookie it matches."""
    found = _TOKEN.search(client.get("/control-tower/sign-in").text)
    assert found, "the sign-in form carries no csrf_token"
    return found.group(1)


def sign_in(
    client: httpx.Client, email: str, password: str, *, token: str | None = None, **kwargs: Any
) -> httpx.Response:
    """POST the sign-in form (with `token`, else a fresh one)."""
    data = {"email": email, "password": password, "csrf_token": token or form_token(client)}
    return client.post("/control-tower/sign-in", data=data, **kwargs)
