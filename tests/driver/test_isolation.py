"""A driver sees and changes only their own route; nothing crosses organisations."""

from fastapi.testclient import TestClient
from tests.common import OrgHandle
from tests.driver_app import make_driver_day, sign_in

from lastmile.db import Database


def test_a_driver_cannot_see_or_touch_another_drivers_stops(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    mine = sign_in(client, make_driver_day(client, db, org))
    theirs = sign_in(client, make_driver_day(client, db, org, phone="+358401112224", plate="DRV-2"))
    assert client.get("/api/v1/driver/route", headers=mine.headers).json()["id"] == mine.route_id
    assert (
        client.get("/api/v1/driver/route", headers=theirs.headers).json()["id"] == theirs.route_id
    )
    client.post("/api/v1/driver/route/start", json=theirs.action(), headers=theirs.headers)
    stop = theirs.stop_ids[0]
    for path, body in (
        ("arrive", mine.action()),
        ("deliver", mine.action()),
        ("fail", mine.action(reason="not_home")),
        ("recipient", mine.action(name="x")),
        ("payment", mine.action(amount="1", currency="EUR", method="cash")),
    ):
        response = client.post(
            f"/api/v1/driver/stops/{stop}/{path}", json=body, headers=mine.headers
        )
        assert response.status_code == 404, (path, response.text)


def test_other_organisations_see_nothing_of_a_drivers_day(
    client: TestClient, db: Database, org: OrgHandle, other_org: OrgHandle
) -> None:
    day = sign_in(client, make_driver_day(client, db, org))
    client.post("/api/v1/driver/route/start", json=day.action(), headers=day.headers)
    sent = client.post(
        "/api/v1/driver/messages", json=day.action(body="hello"), headers=day.headers
    )
    assert sent.status_code == 201
    paid = client.post(
        f"/api/v1/driver/stops/{day.stop_ids[1]}/payment",
        json=day.action(amount="49.90", currency="EUR", method="cash"),
        headers=day.headers,
    )
    assert paid.status_code == 201
    o = other_org.headers
    assert client.get(f"/api/v1/drivers/{day.driver_id}/messages", headers=o).status_code == 404
    assert client.get(f"/api/v1/drivers/{day.driver_id}/cash", headers=o).status_code == 404
    assert (
        client.post(
            f"/api/v1/drivers/{day.driver_id}/cash/handovers",
            json={"amount": "1", "currency": "EUR"},
            headers=o,
        ).status_code
        == 404
    )
    assert (
        client.get(f"/api/v1/shipments/{day.tracking_numbers[0]}/proofs", headers=o).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/drivers/{day.driver_id}/messages", json={"body": "hi"}, headers=o
        ).status_code
        == 404
    )
    assert (
        client.get(f"/api/v1/drivers/{day.driver_id}/messages", headers=org.headers).json()[0][
            "body"
        ]
        == "hello"
    )
