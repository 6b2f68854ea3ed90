"""Signed unsubscribe links, and the page that honours them."""

import uuid

from fastapi.testclient import TestClient
from tests.common import OrgHandle

from lastmile.config import Settings
from lastmile.notify.types import Channel
from lastmile.notify.unsubscribe import Unsubscribe, make_token, read_token


def test_tokens_round_trip_and_refuse_tampering() -> None:
    request = Unsubscribe(uuid.uuid4(), Channel.EMAIL, "aino@example.fi")
    token = make_token(request, secret_key="k1")
    assert read_token(token, secret_key="k1") == request
    assert read_token(token, secret_key="k2") is None
    payload, mac = token.split(".")
    assert read_token(f"{payload}x.{mac}", secret_key="k1") is None
    assert read_token("garbage", secret_key="k1") is None


def test_the_link_asks_first_then_opts_the_address_out(
    client: TestClient, org: OrgHandle, settings: Settings
) -> None:
    token = make_token(
        Unsubscribe(org.org_id, Channel.SMS, "+358401234567"),
        secret_key=settings.secret_key.get_secret_value(),
    )
    page = client.get(f"/notify/unsubscribe/{token}")
    assert page.status_code == 200
    assert "<form" in page.text
    assert "+358401234567" not in page.text  # masked
    assert client.get("/api/v1/notify/opt-outs", headers=org.headers).json() == []

    done = client.post(f"/notify/unsubscribe/{token}")
    assert done.status_code == 200
    assert "unsubscribed" in done.text
    client.post(f"/notify/unsubscribe/{token}")
    opt_outs = client.get("/api/v1/notify/opt-outs", headers=org.headers).json()
    assert [(o["channel"], o["address"], o["source"]) for o in opt_outs] == [
        ("sms", "+358401234567", "link")
    ]


def test_a_forged_link_is_not_found(client: TestClient) -> None:
    forged = make_token(
        Unsubscribe(uuid.uuid4(), Channel.SMS, "+358401234567"), secret_key="not-ours"
    )
    assert client.get(f"/notify/unsubscribe/{forged}").status_code == 404
    assert client.post(f"/notify/unsubscribe/{forged}").status_code == 404
