"""Dispatchers limited to some hubs: an admin sets them (PUT /api/v1/users/{id}/hubs); the
limited dispatcher sees only those hubs in the hub list, the board, the orders and the alerts,
and another hub's shipment answers 404; an admin still sees everything."""

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
from fastapi.testclient import TestClient
from testkit.bodies import hub_body, shipment_body
from testkit.browser import LiveServer
from tests.common import (
    DISPATCHER_EMAIL,
    DISPATCHER_PASSWORD,
    OrgHandle,
    make_dispatcher,
    make_org,
)
from tests.driver_app import DriverDay, make_driver_day
from tests.sign_in import sign_in

from lastmile.alerts.models import Alert, AlertStatus, Severity
from lastmile.auth.models import Role
from lastmile.bus.base import fleet_channel
from lastmile.chat.service import org_channel
from lastmile.db import Database
from lastmile.ingest.models import DriverPosition


def _hub(client: TestClient, org: OrgHandle, code: str) -> str:
    response = client.post("/api/v1/hubs", json=hub_body(code=code, name=code), headers=org.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _order(client: TestClient, org: OrgHandle, hub_id: str, reference: str) -> dict[str, Any]:
    body = shipment_body(hub_id=hub_id, reference=reference)
    response = client.post("/api/v1/shipments", json=body, headers=org.headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def _alert(db: Database, org: OrgHandle, shipment_id: str, title: str) -> None:
    at = datetime.now(UTC)
    with db.session() as session:
        session.add(
            Alert(
                org_id=org.org_id,
                kind="late_risk",
                key=f"test:{title}",
                severity=Severity.WARNING,
                status=AlertStatus.OPEN,
                title=title,
                shipment_id=uuid.UUID(shipment_id),
                opened_at=at,
                last_seen_at=at,
            )
        )
        session.commit()


def _dana(client: httpx.Client, org: OrgHandle) -> str:
    users = client.get("/api/v1/users", headers=org.headers).json()
    return str(next(u["id"] for u in users if u["email"] == DISPATCHER_EMAIL))


def test_a_dispatcher_limited_to_a_hub_sees_only_that_hub(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    make_dispatcher(db, org)
    mine, theirs = _hub(client, org, "HEL1"), _hub(client, org, "ESP1")
    here, there = _order(client, org, mine, "HERE-1"), _order(client, org, theirs, "THERE-1")
    _alert(db, org, here["id"], "Late here")
    _alert(db, org, there["id"], "Late there")
    dana = _dana(client, org)

    limited = client.put(
        f"/api/v1/users/{dana}/hubs", json={"hub_ids": [mine]}, headers=org.headers
    )
    assert limited.status_code == 200, limited.text
    assert limited.json() == {"hub_ids": [mine]}
    assert client.get(f"/api/v1/users/{dana}/hubs", headers=org.headers).json() == {
        "hub_ids": [mine]
    }
    assert sign_in(client, DISPATCHER_EMAIL, DISPATCHER_PASSWORD).status_code == 200

    assert [h["id"] for h in client.get("/api/v1/hubs").json()] == [mine]
    assert client.get(f"/api/v1/hubs/{theirs}").status_code == 404
    listed = client.get("/api/v1/shipments").json()["items"]
    assert [s["tracking_number"] for s in listed] == [here["tracking_number"]]
    assert client.get("/api/v1/shipments/counts").json() == {"created": 1}
    assert client.get(f"/api/v1/shipments/{here['tracking_number']}").status_code == 200
    for path in ("", "/events"):
        hidden = client.get(f"/api/v1/shipments/{there['tracking_number']}{path}")
        assert hidden.status_code == 404, hidden.text
    patched = client.patch(
        f"/api/v1/shipments/{there['tracking_number']}",
        json={"instructions": "ring twice"},
        headers={"X-CSRF-Token": client.cookies.get("lastmile_csrf") or ""},
    )
    assert patched.status_code == 404, patched.text
    alerts = client.get("/api/v1/alerts")
    assert alerts.status_code == 200, alerts.text
    assert [a["title"] for a in alerts.json()] == ["Late here"]

    board = client.get("/api/v1/control-tower/board").json()
    assert ([h["id"] for h in board["hubs"]], board["hub_id"]) == ([mine], mine)
    assert board["all_hubs"] is False
    assert client.get(f"/api/v1/control-tower/board?hub={theirs}").status_code == 404
    assert client.get(f"/api/v1/hubs/{theirs}/unplanned?date=2026-11-24").status_code == 404
    page = client.get("/control-tower").text
    assert "HEL1" in page
    assert "ESP1" not in page

    # The admin's key sees every hub, and lifting the limit gives Dana every hub again.
    everything = client.get("/api/v1/shipments", headers=org.headers).json()["items"]
    assert len(everything) == 2
    assert client.get(
        f"/api/v1/shipments/{there['tracking_number']}", headers=org.headers
    ).is_success
    assert len(client.get("/api/v1/alerts", headers=org.headers).json()) == 2
    lifted = client.put(f"/api/v1/users/{dana}/hubs", json={"hub_ids": []}, headers=org.headers)
    assert lifted.json() == {"hub_ids": []}
    assert client.get(f"/api/v1/shipments/{there['tracking_number']}").status_code == 200
    assert client.get("/api/v1/control-tower/board").json()["all_hubs"] is True


def test_only_an_admin_sets_a_user_s_hubs_and_only_to_the_organisation_s_hubs(
    client: TestClient, db: Database, org: OrgHandle, other_org: OrgHandle
) -> None:
    make_dispatcher(db, org)
    dana = _dana(client, org)
    foreign = _hub(client, other_org, "FOREIGN")
    refused = client.put(
        f"/api/v1/users/{dana}/hubs", json={"hub_ids": [foreign]}, headers=org.headers
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "hub_ids[0]"
    elsewhere = client.put(
        f"/api/v1/users/{dana}/hubs", json={"hub_ids": []}, headers=other_org.headers
    )
    assert elsewhere.status_code == 404
    dispatcher_org = make_org(db, "Dispatchers only", role=Role.DISPATCHER)
    mine = _hub(client, org, "HEL1")
    as_dispatcher = client.put(
        f"/api/v1/users/{dana}/hubs", json={"hub_ids": [mine]}, headers=dispatcher_org.headers
    )
    assert as_dispatcher.status_code == 403


# --- another hub's routes, alerts, drivers, labels, imports and live stream ---------------


@dataclass(frozen=True)
class TwoHubs:
    """A route today at each of two hubs; Dana, signed in, is limited to the first."""

    mine: DriverDay
    theirs: DriverDay
    mine_hub: str
    theirs_hub: str


def _hub_of(client: httpx.Client, org: OrgHandle, day: DriverDay) -> str:
    shipment = client.get(f"/api/v1/shipments/{day.tracking_numbers[0]}", headers=org.headers)
    return str(shipment.json()["hub_id"])


def _two_hubs(client: httpx.Client, db: Database, org: OrgHandle) -> TwoHubs:
    mine = make_driver_day(client, db, org, plate="HEL-A", phone="+358401112223")
    theirs = make_driver_day(client, db, org, plate="ESP-B", phone="+358401112224")
    hubs = TwoHubs(mine, theirs, _hub_of(client, org, mine), _hub_of(client, org, theirs))
    make_dispatcher(db, org)
    limited = client.put(
        f"/api/v1/users/{_dana(client, org)}/hubs",
        json={"hub_ids": [hubs.mine_hub]},
        headers=org.headers,
    )
    assert limited.status_code == 200, limited.text
    signed_in = sign_in(client, DISPATCHER_EMAIL, DISPATCHER_PASSWORD, follow_redirects=True)
    assert signed_in.status_code == 200
    return hubs


def _csrf(client: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.cookies.get("lastmile_csrf") or ""}


def test_another_hub_s_route_is_not_listed_and_answers_404(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    hubs = _two_hubs(client, db, org)
    mine, theirs = hubs.mine.route_id, hubs.theirs.route_id

    assert [r["id"] for r in client.get("/api/v1/routes").json()] == [mine]
    assert client.get(f"/api/v1/routes/{mine}").status_code == 200
    assert client.get(f"/api/v1/routes/{theirs}").status_code == 404
    reordered = client.post(
        f"/api/v1/routes/{theirs}/reorder",
        json={"stop_ids": hubs.theirs.stop_ids},
        headers=_csrf(client),
    )
    assert reordered.status_code == 404, reordered.text

    everything = client.get("/api/v1/routes", headers=org.headers).json()
    assert sorted(r["id"] for r in everything) == sorted([mine, theirs])
    assert client.get(f"/api/v1/routes/{theirs}", headers=org.headers).status_code == 200


def _route_alert(db: Database, org: OrgHandle, title: str, **about: uuid.UUID) -> str:
    at = datetime.now(UTC)
    alert = Alert(
        org_id=org.org_id,
        kind="gps_lost",
        key=f"test:{title}",
        severity=Severity.WARNING,
        status=AlertStatus.OPEN,
        title=title,
        opened_at=at,
        last_seen_at=at,
        **about,
    )
    with db.session() as session:
        session.add(alert)
        session.commit()
        return str(alert.id)


def test_another_hub_s_alert_answers_404_to_read_acknowledge_and_resolve(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    hubs = _two_hubs(client, db, org)
    mine = _route_alert(db, org, "Mine", route_id=uuid.UUID(hubs.mine.route_id))
    theirs = _route_alert(db, org, "Theirs", route_id=uuid.UUID(hubs.theirs.route_id))
    their_driver = _route_alert(db, org, "Driver", driver_id=uuid.UUID(hubs.theirs.driver_id))

    for alert in (theirs, their_driver):
        assert client.get(f"/api/v1/alerts/{alert}").status_code == 404
        for action in ("acknowledge", "resolve"):
            done = client.post(f"/api/v1/alerts/{alert}/{action}", headers=_csrf(client))
            assert done.status_code == 404, done.text
    my_driver = _route_alert(db, org, "My driver", driver_id=uuid.UUID(hubs.mine.driver_id))
    for alert in (mine, my_driver):
        assert client.get(f"/api/v1/alerts/{alert}").status_code == 200
    acknowledged = client.post(f"/api/v1/alerts/{mine}/acknowledge", headers=_csrf(client))
    assert acknowledged.json()["status"] == "acknowledged"

    untouched = client.get(f"/api/v1/alerts/{theirs}", headers=org.headers)
    assert untouched.status_code == 200
    assert untouched.json()["status"] == "open"


def test_another_hub_s_driver_position_track_and_messages_answer_404(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    hubs = _two_hubs(client, db, org)
    at = datetime.now(UTC).replace(microsecond=0)
    with db.session() as session:
        for day in (hubs.mine, hubs.theirs):
            session.add(
                DriverPosition(
                    org_id=org.org_id,
                    driver_id=uuid.UUID(day.driver_id),
                    device_id=f"dev-{day.driver_id}",
                    at=at,
                    received_at=at,
                    lat=60.17,
                    lon=24.94,
                )
            )
        session.commit()
    since = (at - timedelta(hours=1)).isoformat()
    paths = [
        "/position",
        f"/track?since={quote(since)}",
        f"/trips?date={at.date().isoformat()}",
        "/messages",
        "/customer-messages",
    ]
    for path in paths:
        assert client.get(f"/api/v1/drivers/{hubs.mine.driver_id}{path}").status_code == 200
        hidden = client.get(f"/api/v1/drivers/{hubs.theirs.driver_id}{path}")
        assert hidden.status_code == 404, (path, hidden.text)
    posted = client.post(
        f"/api/v1/drivers/{hubs.theirs.driver_id}/messages",
        json={"body": "Where are you?"},
        headers=_csrf(client),
    )
    assert posted.status_code == 404, posted.text
    thread = client.get(f"/api/v1/shipments/{hubs.theirs.tracking_numbers[0]}/customer-messages")
    assert thread.status_code == 404

    assert [p["driver_id"] for p in client.get("/api/v1/fleet/positions").json()] == [
        hubs.mine.driver_id
    ]
    everyone = client.get("/api/v1/fleet/positions", headers=org.headers).json()
    assert len(everyone) == 2
    admin_track = f"/api/v1/drivers/{hubs.theirs.driver_id}/track?since={quote(since)}"
    assert client.get(admin_track, headers=org.headers).status_code == 200


def test_another_hub_s_labels_manifest_loading_and_scans_answer_404(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    hubs = _two_hubs(client, db, org)
    theirs, theirs_parcel = hubs.theirs.route_id, hubs.theirs.tracking_numbers[0]

    assert client.get(f"/api/v1/shipments/{hubs.mine.tracking_numbers[0]}/label").is_success
    for path in (
        f"/api/v1/shipments/{theirs_parcel}/label",
        f"/api/v1/routes/{theirs}/labels",
        f"/api/v1/routes/{theirs}/manifest.pdf",
        f"/api/v1/routes/{theirs}/load",
        f"/api/v1/hubs/{hubs.theirs_hub}/loading",
    ):
        assert client.get(path).status_code == 404, path
    loading = client.get(f"/api/v1/hubs/{hubs.mine_hub}/loading").json()
    assert [r["route_id"] for r in loading] == [hubs.mine.route_id]
    for hub in (hubs.mine_hub, hubs.theirs_hub):
        scanned = client.post(
            f"/api/v1/hubs/{hub}/scans",
            json={"code": theirs_parcel, "action": "at_hub"},
            headers=_csrf(client),
        )
        assert scanned.status_code == 404, scanned.text

    admin = client.get(f"/api/v1/routes/{theirs}/manifest.pdf", headers=org.headers)
    assert admin.status_code == 200


CSV = (
    "Tilausnumero;Vastaanottaja;Puhelin;Osoite;Toimituspäivä;Kollit;Varasto\n"
    "R-1;Aino;+358401234567;Mannerheimintie 1, Helsinki;8.12.2026;1;{hub}\n"
)


def _import(client: TestClient, path: str, hub_cell: str, hub_id: str | None) -> Any:
    return client.post(
        f"/api/v1/imports{path}",
        files={"file": ("orders.csv", CSV.format(hub=hub_cell).encode(), "text/csv")},
        data={"hub_id": hub_id} if hub_id else {},
        headers=_csrf(client),
    )


def test_an_import_to_another_hub_is_refused(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    hubs = _two_hubs(client, db, org)

    for path in ("/preview", ""):
        refused = _import(client, path, "", hubs.theirs_hub)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "hub_id"
    named = _import(client, "/preview", "ESP-B", hubs.mine_hub).json()
    assert [(p["field"], p["column"]) for p in named["problems"]] == [("hub", "Varasto")]
    unnamed = _import(client, "/preview", "", None).json()
    assert [p["field"] for p in unnamed["problems"]] == ["hub"]
    assert _import(client, "/preview", "HEL-A", None).json()["problems"] == []
    created = _import(client, "", "HEL-A", None)
    assert created.status_code == 200, created.text
    assert created.json()["created"] == 1


def test_a_limited_dispatcher_creates_orders_only_for_their_hubs(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    hubs = _two_hubs(client, db, org)

    def create(hub_id: str | None, reference: str) -> httpx.Response:
        body = shipment_body(hub_id=hub_id, reference=reference)
        if hub_id is None:
            body.pop("hub_id", None)
        return client.post("/api/v1/shipments", json=body, headers=_csrf(client))

    for hub_id in (hubs.theirs_hub, None):
        refused = create(hub_id, f"REF-{hub_id}")
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["hub_id"]
    assert create(hubs.mine_hub, "REF-MINE").status_code == 201
    rows = [
        shipment_body(hub_id=hubs.mine_hub, reference="BULK-MINE"),
        shipment_body(hub_id=hubs.theirs_hub, reference="BULK-THEIRS"),
        {k: v for k, v in shipment_body(reference="BULK-NONE").items() if k != "hub_id"},
    ]
    bulk = client.post("/api/v1/shipments/bulk", json={"shipments": rows}, headers=_csrf(client))
    assert bulk.status_code == 200, bulk.text
    assert bulk.json()["created"] == 1
    assert [(e["index"], e["field"]) for e in bulk.json()["errors"]] == [
        (1, "hub_id"),
        (2, "hub_id"),
    ]
    # The admin's key still creates an order with no hub.
    admin = client.post(
        "/api/v1/shipments", json=shipment_body(reference="ADMIN-NONE"), headers=org.headers
    )
    assert admin.status_code == 201, admin.text


def _first_event(lines: Iterator[str]) -> tuple[str, dict[str, Any]]:
    event = ""
    for line in lines:
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: "):
            return event, json.loads(line.removeprefix("data: "))
    raise AssertionError("the stream ended")


def test_the_fleet_stream_keeps_another_hub_s_fixes_stops_and_alerts_away(
    live_server: LiveServer,
) -> None:
    org = make_org(live_server.db, "Streams")
    channel = fleet_channel(org.org_id)
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        hubs = _two_hubs(client, live_server.db, org)
        theirs, mine = hubs.theirs, hubs.mine
        # Published in order on one channel: anything of theirs let through would come first.
        hidden: list[dict[str, Any]] = [
            {"type": "position", "driver_id": theirs.driver_id, "lat": 60.2, "lon": 24.8},
            {"type": "stop", "route_id": theirs.route_id, "stop_id": theirs.stop_ids[0]},
            {"type": "alert", "route_id": theirs.route_id, "driver_id": mine.driver_id},
            {"type": "alert", "route_id": None, "shipment_id": None, "driver_id": theirs.driver_id},
            {"type": "unknown", "driver_id": mine.driver_id},
        ]
        shown = {"type": "position", "driver_id": mine.driver_id, "lat": 60.1, "lon": 24.9}
        with client.stream("GET", "/api/v1/stream/fleet") as stream:
            lines = stream.iter_lines()
            assert next(lines) == ": connected"
            for message in [*hidden, shown]:
                live_server.publish(channel, message)
            assert _first_event(lines) == ("position", shown)
        with client.stream("GET", "/api/v1/stream/fleet", headers=org.headers) as stream:
            lines = stream.iter_lines()
            assert next(lines) == ": connected"
            live_server.publish(channel, hidden[0])
            assert _first_event(lines) == ("position", hidden[0])


def test_the_chat_stream_keeps_another_hub_s_drivers_and_orders_messages_away(
    live_server: LiveServer,
) -> None:
    org = make_org(live_server.db, "Chat streams")
    channel = org_channel(org.org_id)
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        hubs = _two_hubs(client, live_server.db, org)
        theirs, mine = hubs.theirs, hubs.mine
        their_order = client.get(
            f"/api/v1/shipments/{theirs.tracking_numbers[0]}", headers=org.headers
        ).json()["id"]
        hidden: list[dict[str, Any]] = [
            {"type": "message", "driver_id": theirs.driver_id, "body": "Gate is locked"},
            {"type": "contact", "driver_id": "", "shipment_id": their_order, "body": "Hi"},
        ]
        shown = {"type": "message", "driver_id": mine.driver_id, "body": "On my way"}
        with client.stream("GET", "/api/v1/stream/chat") as stream:
            lines = stream.iter_lines()
            assert next(lines) == ": connected"
            for message in [*hidden, shown]:
                live_server.publish(channel, message)
            assert _first_event(lines) == ("message", shown)
