"""The Control Tower's sign-in, page and board, server side."""

import uuid
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from testkit.bodies import hub_body
from testkit.databases import selects_sent
from tests.alerts.tracks import Track
from tests.alerts.world import out_on_route, post_track
from tests.common import OrgHandle
from tests.driver_app import make_driver_day
from tests.driver_app import sign_in as driver_sign_in
from tests.sign_in import sign_in

from lastmile.auth import service as auth
from lastmile.auth.models import Role
from lastmile.db import Database
from lastmile.dispatch.models import Route
from lastmile.hubs.models import Hub
from lastmile.web.control_tower.board import _busiest_hub

PASSWORD = "correct horse battery staple"


def add_user(db: Database, org: OrgHandle, role: Role, email: str) -> None:
    with db.session() as session:
        auth.create_user(
            session=session,
            org_id=org.org_id,
            email=email,
            name="Dana",
            role=role,
            password=PASSWORD,
        )
        session.commit()


def test_signed_out_visitors_are_sent_to_sign_in(client: TestClient) -> None:
    response = client.get("/control-tower", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/control-tower/sign-in"
    assert "<form" in client.get("/control-tower/sign-in").text


def test_a_dispatcher_signs_in_and_a_driver_account_cannot(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    add_user(db, org, Role.DISPATCHER, "dispatch@example.com")
    add_user(db, org, Role.DRIVER, "driver@example.com")
    driver = sign_in(client, "driver@example.com", PASSWORD)
    assert driver.status_code == 401
    wrong = sign_in(client, "dispatch@example.com", "nope")
    assert wrong.status_code == 401
    assert "Wrong email or password" in wrong.text
    ok = sign_in(client, "dispatch@example.com", PASSWORD, follow_redirects=False)
    assert ok.status_code == 303
    page = client.get("/control-tower")
    assert page.status_code == 200
    assert "Org A" in page.text
    assert 'src="/static/control-tower/control_tower.js"' in page.text
    assert client.get("/static/control-tower/control_tower.js").status_code == 200
    assert client.get("/vendor/leaflet/leaflet.js").status_code == 200


def test_the_board_shows_today_s_routes_drivers_and_kpis(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    world = out_on_route(client, db, org)
    track = Track(sigma_m=3)
    track.t = datetime.now(UTC)
    post_track(client, org, world.device_id, track.drive(to=(100, 0), speed_mps=10).points)
    board = client.get("/api/v1/control-tower/board", headers=org.headers).json()
    [route] = board["routes"]
    assert route["id"] == str(world.route_id)
    assert [s["tracking_number"] for s in route["stops"]] == [
        s["tracking_number"] for s in world.shipments
    ]
    [driver] = board["drivers"]
    assert driver["on_shift"] is True
    assert driver["position"] is not None
    assert board["kpis"]["stops_total"] == 2
    assert board["kpis"]["remaining"] == 2
    assert board["kpis"]["delivered"] == 0


def test_the_board_shows_the_busiest_hub_by_default_and_one_hub_on_request(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    """An empty hub made first (the demo's HEL1 beside its SIM1) does not take the board."""
    empty = client.post(
        "/api/v1/hubs", json=hub_body(code="EMPTY", name="Empty hub"), headers=org.headers
    )
    assert empty.status_code == 201, empty.text
    world = out_on_route(client, db, org)

    board = client.get("/api/v1/control-tower/board", headers=org.headers).json()
    assert board["hub_id"] is None  # all hubs
    assert board["hub"]["name"] != "Empty hub"
    assert board["hubs"][0]["code"] == "EMPTY"
    assert [r["id"] for r in board["routes"]] == [str(world.route_id)]

    url = f"/api/v1/control-tower/board?hub={empty.json()['id']}"
    one = client.get(url, headers=org.headers).json()
    assert (one["hub_id"], one["hub"]["name"]) == (empty.json()["id"], "Empty hub")
    assert (one["routes"], one["kpis"]["stops_total"]) == ([], 0)
    unknown = client.get(f"/api/v1/control-tower/board?hub={uuid.uuid4()}", headers=org.headers)
    assert unknown.status_code == 404


def test_the_busiest_hub_is_found_in_one_query_however_many_hubs(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    for n in range(3):
        made = client.post(
            "/api/v1/hubs", json=hub_body(code=f"E{n}", name=f"Empty {n}"), headers=org.headers
        )
        assert made.status_code == 201, made.text
    world = out_on_route(client, db, org)
    with db.session() as session:
        hubs = list(session.scalars(select(Hub).where(Hub.org_id == org.org_id)))
        assert len(hubs) == 4
        with selects_sent(db.engine) as sent:
            busiest = _busiest_hub(session, hubs, None)
        route_hub = session.scalar(select(Route.hub_id).where(Route.id == world.route_id))
    assert busiest is not None
    assert busiest.id == route_hub
    assert len(sent) == 1


def test_the_board_is_the_caller_s_organisation_only(
    client: TestClient, db: Database, org: OrgHandle, other_org: OrgHandle
) -> None:
    out_on_route(client, db, org)
    board = client.get("/api/v1/control-tower/board", headers=other_org.headers).json()
    assert (board["routes"], board["drivers"]) == ([], [])


def test_the_board_says_what_became_of_each_closed_stop_and_when(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = driver_sign_in(client, make_driver_day(client, db, org, cod_on=None))
    started = client.post("/api/v1/driver/route/start", json=day.action(), headers=day.headers)
    assert started.status_code == 200, started.text
    delivered = day.action()
    stops = "/api/v1/driver/stops"
    for stop_id, kind, body in (
        (day.stop_ids[0], "deliver", delivered),
        (day.stop_ids[1], "fail", day.action(reason="not_home")),
    ):
        done = client.post(f"{stops}/{stop_id}/{kind}", json=body, headers=day.headers)
        assert done.status_code == 200, done.text
    cancel = {"status": "cancelled", "reason": "merchant asked"}
    cancelled = client.post(
        f"/api/v1/shipments/{day.tracking_numbers[2]}/events", json=cancel, headers=org.headers
    )
    assert cancelled.status_code == 201, cancelled.text

    board = client.get("/api/v1/control-tower/board", headers=org.headers).json()
    shown = {s["id"]: s for s in board["routes"][0]["stops"]}
    assert [shown[i]["outcome"] for i in day.stop_ids] == ["delivered", "attempted", "cancelled"]
    first = shown[day.stop_ids[0]]
    assert datetime.fromisoformat(first["finished_at"]) == datetime.fromisoformat(delivered["at"])
    assert board["kpis"] | {"delivered": 1, "failed": 2, "remaining": 0} == board["kpis"]
