"""A stop moved off a van already out: its time is its new route's everywhere it is read (the
Control Tower, the new driver's app, the customer's page), and the dispatcher is told the
parcel may still be in the first van.

QA found the old driver's live ETA kept on the moved stop ("ETA 03:17 (planned 04:12)" between
stops at 04:09 and 04:15), the tracking page saying "ETA not yet known", and no word about
the parcel being in the other van.
"""

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from tests.common import OrgHandle
from tests.driver_app import BESIDE, PIN, DriverDay, make_driver_day, planned_route_beside

from lastmile.db import Database
from lastmile.eta.models import StopEtaRow
from lastmile.ingest.models import DriverPosition


@dataclass
class Aino:
    route_id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _eero(client: TestClient, db: Database, org: OrgHandle) -> DriverDay:
    """Eero's route of three stops, left the hub an hour ago."""
    eero = make_driver_day(client, db, org, cod_on=None, plate="EERO-1")
    started_at = datetime.now(UTC) - timedelta(hours=1)
    started = client.post(
        f"/api/v1/routes/{eero.route_id}/start",
        json={"at": started_at.isoformat()},
        headers=org.headers,
    )
    assert started.status_code == 200, started.text
    return eero


def _aino(client: TestClient, db: Database, org: OrgHandle, hub_route_id: str) -> Aino:
    """Aino, signed in and on shift, with a planned route of two stops at the same hub and
    day."""
    route_id, vehicle_id = planned_route_beside(
        client, db, org, hub_route_id, name="Aino", phone="+358409998887"
    )
    signed = client.post(
        "/api/v1/driver/session", json={"phone": "+358409998887", "pin": PIN}
    ).json()
    aino = Aino(route_id=route_id, token=signed["token"])
    shift = client.post(
        "/api/v1/driver/shift/start",
        json={
            "action_id": str(uuid.uuid4()),
            "at": datetime.now(UTC).isoformat(),
            "vehicle_id": vehicle_id,
            "odometer_km": 10.0,
        },
        headers=aino.headers,
    )
    assert shift.status_code == 201, shift.text
    return aino


def _stale_eta(db: Database, org: OrgHandle, eero: DriverDay, stop_id: str) -> datetime:
    """The live ETA Eero's route gave the stop (soon: he is near), as the follower stores it."""
    at = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=3)
    with db.session() as session:
        session.add(
            StopEtaRow(
                org_id=org.org_id,
                stop_id=uuid.UUID(stop_id),
                route_id=uuid.UUID(eero.route_id),
                shipment_id=uuid.UUID(eero.shipment_ids[eero.stop_ids.index(stop_id)]),
                eta=at,
                window_start=at - timedelta(minutes=5),
                window_end=at + timedelta(minutes=5),
                stops_away=2,
                computed_at=datetime.now(UTC),
                gps_age_s=4.0,
            )
        )
        session.commit()
    return at


def _board_stop(client: TestClient, org: OrgHandle, stop_id: str) -> dict[str, Any]:
    board = client.get("/api/v1/control-tower/board", headers=org.headers)
    assert board.status_code == 200, board.text
    return next(
        stop for route in board.json()["routes"] for stop in route["stops"] if stop["id"] == stop_id
    )


def _page_time(client: TestClient, tracking_url: str) -> str:
    """The time the tracking page gives (a live window's start, or the planned time)."""
    page = client.get(tracking_url.removeprefix("http://testserver"))
    assert page.status_code == 200, page.text
    assert "ETA not yet known" not in page.text
    found = re.search(r'id="eta-(?:planned-at|start)" datetime="([^"]+)"', page.text)
    assert found is not None, page.text
    return found.group(1)


def test_a_stop_moved_to_a_van_still_at_the_hub_takes_its_plan_everywhere(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    eero = _eero(client, db, org)
    aino = _aino(client, db, org, eero.route_id)
    moved_id = eero.stop_ids[2]
    number = eero.tracking_numbers[2]
    stale = _stale_eta(db, org, eero, moved_id)
    assert _board_stop(client, org, moved_id)["eta"] is not None

    response = client.post(
        f"/api/v1/routes/{eero.route_id}/stops/{moved_id}/move",
        json={"to_route_id": aino.route_id},
        headers=org.headers,
    )

    assert response.status_code == 200, response.text
    source, target = response.json()
    assert source["warnings"] == [
        f"This parcel ({number}) may be in Driver EERO-1's van: arrange the hand-over to Aino."
    ]
    assert target["warnings"] == []
    (placed,) = [s for s in target["stops"] if s["id"] == moved_id]
    planned = datetime.fromisoformat(placed["planned_arrival"])
    times = [datetime.fromisoformat(s["planned_arrival"]) for s in target["stops"]]
    assert times == sorted(times)
    assert datetime.fromisoformat(target["planned_start"]) < planned
    assert planned < datetime.fromisoformat(target["planned_end"])

    def all_say_the_plan() -> None:
        board = _board_stop(client, org, moved_id)
        assert board["eta"] is None  # not Eero's live time: the new route has not left
        assert datetime.fromisoformat(board["planned_arrival"]) == planned
        route = client.get("/api/v1/driver/route", headers=aino.headers)
        assert route.status_code == 200, route.text
        assert route.json()["id"] == aino.route_id
        (mine,) = [s for s in route.json()["stops"] if s["id"] == moved_id]
        assert mine["eta"] is None
        assert datetime.fromisoformat(mine["planned_arrival"]) == planned
        shipment = client.get(f"/api/v1/shipments/{number}", headers=org.headers).json()
        shown = datetime.fromisoformat(_page_time(client, shipment["tracking_url"]))
        assert shown.replace(second=0) == planned.replace(second=0)
        assert shown != stale

    all_say_the_plan()
    # Eero's ETA follower, running as the move committed, writes his time for it again:
    # said for another route, it is read nowhere.
    _stale_eta(db, org, eero, moved_id)
    all_say_the_plan()


def test_a_stop_moved_to_a_van_under_way_gets_that_van_s_live_eta_everywhere(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    eero = _eero(client, db, org)
    aino = _aino(client, db, org, eero.route_id)
    started = client.post(f"/api/v1/routes/{aino.route_id}/start", json={}, headers=org.headers)
    assert started.status_code == 200, started.text
    aino_id = client.get(f"/api/v1/routes/{aino.route_id}", headers=org.headers).json()["driver_id"]
    with db.session() as session:
        now = datetime.now(UTC)
        session.add(
            DriverPosition(
                org_id=org.org_id,
                driver_id=uuid.UUID(aino_id),
                device_id="aino-phone",
                at=now,
                received_at=now,
                lat=BESIDE[0][0],
                lon=BESIDE[0][1],
                accuracy_m=5.0,
                speed_mps=None,
                heading_deg=None,
                battery_pct=None,
            )
        )
        session.commit()
    moved_id = eero.stop_ids[2]
    number = eero.tracking_numbers[2]
    stale = _stale_eta(db, org, eero, moved_id)

    response = client.post(
        f"/api/v1/routes/{eero.route_id}/stops/{moved_id}/move",
        json={"to_route_id": aino.route_id},
        headers=org.headers,
    )

    assert response.status_code == 200, response.text
    assert response.json()[0]["warnings"] != []
    etas = client.get(f"/api/v1/routes/{aino.route_id}/etas", headers=org.headers)
    assert etas.status_code == 200, etas.text
    by_stop = {s["stop_id"]: s["eta"] for s in etas.json()["stops"]}
    window_start = next(s["window_start"] for s in etas.json()["stops"] if s["stop_id"] == moved_id)
    assert all(by_stop.values()), by_stop  # every stop of the new route has its live ETA
    live = datetime.fromisoformat(by_stop[moved_id])
    assert live != stale
    ordered = [datetime.fromisoformat(by_stop[s["stop_id"]]) for s in etas.json()["stops"]]
    assert ordered == sorted(ordered)  # in the new route's order, not the old van's

    assert datetime.fromisoformat(_board_stop(client, org, moved_id)["eta"]) == live
    route = client.get("/api/v1/driver/route", headers=aino.headers).json()
    (mine,) = [s for s in route["stops"] if s["id"] == moved_id]
    assert datetime.fromisoformat(mine["eta"]) == live
    shipment = client.get(f"/api/v1/shipments/{number}", headers=org.headers).json()
    shown = datetime.fromisoformat(_page_time(client, shipment["tracking_url"]))
    assert shown == datetime.fromisoformat(window_start)
