"""`/t/{token}/push` and the service worker: validation names the field, a link reaches only
its own shipment, and the page offers the button only where it can work."""

import json
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.common import OrgHandle, create_shipment, post_event
from tests.notify.push_service import Subscriber

from lastmile.config import Settings
from lastmile.db import Database
from lastmile.errors import InvalidInput
from lastmile.notify.models import PushSubscription
from lastmile.notify.vapid import load_keys
from lastmile.web.tracking.push import check_endpoint

ENDPOINT = "https://push.example.net/send/abc123"


def path(shipment: dict[str, Any]) -> str:
    return str(shipment["tracking_url"]).removeprefix("http://testserver")


def stored(db: Database) -> list[tuple[Any, Any, str]]:
    with db.session() as session:
        rows = session.scalars(select(PushSubscription).order_by(PushSubscription.created_at))
        return [(row.org_id, row.shipment_id, row.endpoint) for row in rows]


def test_a_link_subscribes_a_browser_to_its_own_shipment_only(
    client: TestClient, db: Database, org: OrgHandle, other_org: OrgHandle
) -> None:
    mine = create_shipment(client, org)
    theirs = create_shipment(client, other_org)
    browser = Subscriber(endpoint=ENDPOINT)

    response = client.post(f"{path(mine)}/push", json=browser.to_json())
    assert response.status_code == 201, response.text
    again = client.post(f"{path(mine)}/push", json=browser.to_json())
    assert again.status_code == 201  # the same browser twice is one subscription
    assert stored(db) == [(org.org_id, uuid_of(mine), ENDPOINT)]

    refused = client.request("DELETE", f"{path(theirs)}/push", json={"endpoint": ENDPOINT})
    assert refused.status_code == 404
    assert refused.headers["content-type"] == "application/problem+json"
    assert len(stored(db)) == 1  # another link cannot remove it

    gone = client.request("DELETE", f"{path(mine)}/push", json={"endpoint": ENDPOINT})
    assert gone.status_code == 204
    assert stored(db) == []


def uuid_of(shipment: dict[str, Any]) -> uuid.UUID:
    return uuid.UUID(shipment["id"])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"endpoint": None}, "endpoint"),
        ({"endpoint": "ftp://push.example.net/x"}, "endpoint"),
        ({"keys": {"p256dh": None}}, "keys.p256dh"),
        ({"keys": {"p256dh": "BAAA"}}, "keys.p256dh"),
        ({"keys": {"p256dh": "not base64!"}}, "keys.p256dh"),
        ({"keys": {"p256dh": "BP" + "A" * 85}}, "keys.p256dh"),
        ({"keys": {"auth": "c2hvcnQ"}}, "keys.auth"),
        ({"keys": None}, "keys"),
    ],
)
def test_a_bad_subscription_is_refused_naming_the_field(
    client: TestClient, org: OrgHandle, db: Database, change: dict[str, Any], field: str
) -> None:
    shipment = create_shipment(client, org)
    body = Subscriber(endpoint=ENDPOINT).to_json()
    if change.get("keys"):
        keys = {**body["keys"], **change["keys"]}
        body["keys"] = {k: v for k, v in keys.items() if v is not None}
    else:
        body.update(change)
        body = {k: v for k, v in body.items() if v is not None}
    response = client.post(f"{path(shipment)}/push", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]
    assert stored(db) == []


def test_unknown_links_and_delivered_parcels_take_no_subscriptions(
    client: TestClient, org: OrgHandle
) -> None:
    body = Subscriber(endpoint=ENDPOINT).to_json()
    unknown = client.post("/t/NoSuchTokenAtAll1234/push", json=body)
    assert unknown.status_code == 404
    assert unknown.json()["title"] == "Not found"
    shipment = create_shipment(client, org)
    post_event(client, org, shipment["tracking_number"], status="out_for_delivery")
    post_event(client, org, shipment["tracking_number"], status="delivered")
    assert client.post(f"{path(shipment)}/push", json=body).status_code == 409


def test_a_form_post_from_another_site_is_not_read_as_json(
    client: TestClient, org: OrgHandle, db: Database
) -> None:
    """A cross-site page can only send "simple" bodies; those never make a subscription."""
    shipment = create_shipment(client, org)
    response = client.post(
        f"{path(shipment)}/push",
        content=json.dumps(Subscriber(endpoint=ENDPOINT).to_json()),
        headers={"Content-Type": "text/plain"},
    )
    assert response.status_code in (400, 415, 422)
    assert stored(db) == []


def test_production_takes_only_public_https_push_services(settings: Settings) -> None:
    production = settings.model_copy(update={"env": "production"})
    check_endpoint("https://fcm.googleapis.com/fcm/send/abc", production)
    for endpoint in (
        "http://fcm.googleapis.com/fcm/send/abc",
        "https://127.0.0.1/push",
        "https://[::1]/push",
        "https://localhost/push",
        "https://intranet/push",
    ):
        with pytest.raises(InvalidInput) as raised:
            check_endpoint(endpoint, production)
        assert raised.value.field == "endpoint"
    check_endpoint("http://127.0.0.1:9999/push", settings)  # tests and development


def test_the_service_worker_may_control_this_link_only(client: TestClient, org: OrgHandle) -> None:
    shipment = create_shipment(client, org)
    response = client.get(f"{path(shipment)}/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["service-worker-allowed"] == path(shipment)
    assert 'addEventListener("push"' in response.text
    assert client.get("/t/NoSuchTokenAtAll1234/sw.js").status_code == 404


def test_the_page_carries_the_vapid_key_and_hides_the_button_until_script_shows_it(
    client: TestClient, org: OrgHandle, settings: Settings
) -> None:
    shipment = create_shipment(client, org)
    page = client.get(path(shipment)).text
    assert f'data-key="{load_keys(settings).public_key}"' in page
    assert '<div id="push" class="push" hidden' in page
    assert "Notify me in this browser" in page
    post_event(client, org, shipment["tracking_number"], status="out_for_delivery")
    post_event(client, org, shipment["tracking_number"], status="delivered")
    assert "Notify me in this browser" not in client.get(path(shipment)).text
