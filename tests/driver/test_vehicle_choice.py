"""The shift form's first vehicle: today's route's, else the one the driver drove last."""

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from tests.common import OrgHandle
from tests.driver_app import make_driver_day, sign_in

from lastmile.db import Database
from lastmile.dispatch.models import Route

URL = "/api/v1/driver/vehicles/suggested"


def test_the_vehicle_of_todays_route_is_suggested(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = sign_in(client, make_driver_day(client, db, org, cod_on=None))
    other = client.post("/api/v1/vehicles", json={"plate": "OTHER-2"}, headers=org.headers)
    assert other.status_code == 201, other.text
    answer = client.get(URL, headers=day.headers)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"vehicle_id": day.vehicle_id}


def test_without_one_on_the_route_the_last_vehicle_driven_is_suggested(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = sign_in(client, make_driver_day(client, db, org, cod_on=None))
    with db.session() as session:
        route = session.get_one(Route, uuid.UUID(day.route_id))
        route.date -= timedelta(days=10)  # no route today, nor one planned
        session.commit()
    assert client.get(URL, headers=day.headers).json() == {"vehicle_id": None}
    other = client.post("/api/v1/vehicles", json={"plate": "OTHER-2"}, headers=org.headers)
    started = client.post(
        "/api/v1/driver/shift/start",
        json=day.action(vehicle_id=other.json()["id"]),
        headers=day.headers,
    )
    assert started.status_code == 201, started.text
    assert client.get(URL, headers=day.headers).json() == {"vehicle_id": other.json()["id"]}
