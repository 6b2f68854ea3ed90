"""Issue #21's Done-when, walked through the API on the bundled Helsinki map: a door found from
its text alone, a bare street flagged before dispatch and fixed as the Control Tower's Fix
address dialog fixes it, and a regular customer's address planned, on the next day, where the
driver actually delivered (the track's dwell at the door confirming the one delivery)."""

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from testkit.bodies import hub_body, shipment_body
from tests.common import OrgHandle
from tests.door_track import door_visit
from tests.driver_app import make_driver_day, sign_in

from lastmile.addresses.extract import read_extract
from lastmile.addresses.index import store
from lastmile.db import Database
from lastmile.geo import haversine_m
from lastmile.routing.polyline import decode
from lastmile.sim.regulars import find_regulars
from lastmile.sim.world import Api

ZONE = ZoneInfo("Europe/Helsinki")
EVERY_DAY = {day: [["08:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
REGULAR_NEAR = (60.1712, 24.9445)  # where the simulated merchant's regular customer lives


def _ok(response: Any) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


def _attention(client: TestClient, org: OrgHandle, day: str) -> list[str]:
    params = {"date": day, "needs_attention": "true"}
    found = _ok(client.get("/api/v1/shipments", params=params, headers=org.headers))
    return [s["tracking_number"] for s in found["items"]]


def _deliver_at_the_door(
    client: TestClient, db: Database, org: OrgHandle, text: str, point: tuple[float, float]
) -> tuple[float, float]:
    """Day 1: the regular's shipment, placed from its text at `point`, delivered in the driver
    app: the van parks at the point, the driver waits two minutes at the door 40 m away and
    presses "delivered" back at the van. Where the door is."""
    places = [point, (60.1650, 24.9300), (60.1750, 24.9500)]
    texts = [text, "Bulevardi 9, Helsinki", "Aleksanterinkatu 52, Helsinki"]
    day = sign_in(client, make_driver_day(client, db, org, cod_on=None, places=places, texts=texts))
    _ok(client.post("/api/v1/driver/route/start", json=day.action(), headers=day.headers))
    devices = {"device_ids": ["van-1"]}
    _ok(client.patch(f"/api/v1/drivers/{day.driver_id}", json=devices, headers=org.headers))
    track, door, pressed = door_visit(van=point, start=day.clock + timedelta(minutes=1))
    fixes = [
        {"at": p.at.isoformat(), "lat": p.lat, "lon": p.lon, "accuracy_m": p.accuracy_m}
        for p in track
    ]
    _ok(
        client.post(
            "/api/v1/fixes", json={"device_id": "van-1", "fixes": fixes}, headers=org.headers
        )
    )
    at_the_van = day.action(at=(pressed + timedelta(seconds=1)).isoformat())
    at_the_van["position"] = {"lat": point[0], "lon": point[1], "accuracy_m": 6.0}
    path = f"/api/v1/driver/stops/{day.stop_ids[0]}/deliver"
    _ok(client.post(path, json=at_the_van, headers=day.headers))
    return door


def test_done_when_on_the_bundled_map(
    client: TestClient, db: Database, org: OrgHandle, session: Session, helsinki_pbf: Path
) -> None:
    store(session=session, extract=read_extract(helsinki_pbf), map_name="helsinki", source="")
    hub = _ok(
        client.post(
            "/api/v1/hubs",
            json=hub_body(code="DONE", opening_hours=EVERY_DAY),
            headers=org.headers,
        )
    )
    tomorrow = (datetime.now(ZONE).date() + timedelta(days=1)).isoformat()

    def create(text: str) -> dict[str, Any]:
        body = shipment_body(
            address={"text": text}, window=None, hub_id=hub["id"], delivery_date=tomorrow
        )
        created: dict[str, Any] = _ok(
            client.post("/api/v1/shipments", json=body, headers=org.headers)
        )
        return created

    # A shipment with only "Mannerheimintie 1, Helsinki" gets coordinates and a quality score.
    door = create("Mannerheimintie 1, Helsinki")
    assert haversine_m(door["address"]["lat"], door["address"]["lon"], 60.16815, 24.94172) < 5
    assert door["address"]["quality"]["score"] >= 90
    assert door["address"]["quality"]["reasons"] == []

    # "Mannerheimintie, Helsinki" is flagged with its reason before dispatch.
    street = create("Mannerheimintie, Helsinki")
    (reason,) = street["address"]["quality"]["reasons"]
    assert reason["code"] == "no_house_number"
    assert street["address"]["quality"]["score"] < 60
    assert street["address"]["lat"] is None
    assert _attention(client, org, tomorrow) == [street["tracking_number"]]

    # The dispatcher fixes it as the Fix address dialog does: a suggestion picked, PATCHed.
    found = _ok(
        client.get("/api/v1/geocode", params={"q": "Mannerheimintie 5"}, headers=org.headers)
    )
    pick = found["candidates"][0]
    choice = {"text": pick["label"], "lat": pick["lat"], "lon": pick["lon"]}
    fixed = _ok(
        client.patch(
            f"/api/v1/shipments/{street['tracking_number']}",
            json={"address": choice},
            headers=org.headers,
        )
    )
    assert (fixed["address"]["lat"], fixed["address"]["lon"]) == (pick["lat"], pick["lon"])
    assert fixed["address"]["quality"]["score"] >= 60
    assert _attention(client, org, tomorrow) == []

    # A regular customer of the simulator, delivered today, confirmed by the track at the door...
    (regular,) = find_regulars(Api(client, org.api_key).call, [REGULAR_NEAR])
    learned_door = _deliver_at_the_door(client, db, org, regular.text, regular.point)

    # ...is planned tomorrow where the driver delivered, not where its text geocodes.
    again = create(regular.text)
    position = (again["address"]["lat"], again["address"]["lon"])
    assert haversine_m(*position, *learned_door) < 8
    assert haversine_m(*position, *regular.point) > 30
    assert (
        again["address"]["quality"]["learned_from"],
        again["address"]["quality"]["learned_confirmed"],
    ) == (1, 1)
    driver = _ok(
        client.post(
            "/api/v1/drivers",
            json={"name": "Tomorrow", "phone": "+358401110000"},
            headers=org.headers,
        )
    )
    vehicle = _ok(client.post("/api/v1/vehicles", json={"plate": "TMR-1"}, headers=org.headers))
    plan = _ok(
        client.post(
            "/api/v1/plans",
            json={
                "hub_id": hub["id"],
                "date": tomorrow,
                "driver_ids": [driver["id"]],
                "vehicle_ids": [vehicle["id"]],
                "time_limit_s": 0.5,
            },
            headers=org.headers,
        )
    )
    assert plan["unassigned"] == []
    assert plan["address_attention"] == []
    (route,) = plan["routes"]
    stop = next(s for s in route["stops"] if s["tracking_number"] == again["tracking_number"])
    assert (stop["lat"], stop["lon"]) == position
    committed = _ok(client.post(f"/api/v1/plans/{plan['id']}/commit", headers=org.headers))
    (planned,) = committed["routes"]
    path = decode(planned["polyline6"])
    assert min(haversine_m(*p, *learned_door) for p in path) < 8  # the van is routed to the door
