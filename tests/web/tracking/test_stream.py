"""`/t/{token}/events`: this shipment's updates only; the driver only while allowed."""

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
from testkit.browser import LiveServer
from tests.common import make_org
from tests.web.tracking.scenario import route_in_progress

from lastmile.bus.base import Message, driver_channel, fleet_channel, shipment_channel
from lastmile.web.tracking.stream import Target, Visibility, forward

SHIPMENT = uuid.uuid4()
ORG = uuid.uuid4()
DRIVER = str(uuid.uuid4())
TARGET = Target(shipment_id=SHIPMENT, org_id=ORG)


def _position(driver_id: str) -> Message:
    return Message(
        driver_channel(driver_id),
        {
            "type": "position",
            "driver_id": driver_id,
            "device_id": "phone-1",
            "lat": 60.1,
            "lon": 24.9,
            "at": "2026-11-24T10:00:00+00:00",
            "heading_deg": 45.0,
            "fixes": [["2026-11-24T10:00:00+00:00", 60.1, 24.9]],
        },
    )


def test_positions_pass_only_for_the_visible_driver_and_carry_no_more() -> None:
    shown = forward(_position(DRIVER), target=TARGET, seen=Visibility(DRIVER))
    assert shown is not None
    assert shown.event == "position"
    assert shown.data == {
        "type": "position",
        "lat": 60.1,
        "lon": 24.9,
        "at": "2026-11-24T10:00:00+00:00",
        "heading_deg": 45.0,
    }
    assert forward(_position(str(uuid.uuid4())), target=TARGET, seen=Visibility(DRIVER)) is None
    assert forward(_position(DRIVER), target=TARGET, seen=Visibility(None)) is None
    suspect = _position(DRIVER)
    suspect.data["suspect"] = True
    assert forward(suspect, target=TARGET, seen=Visibility(DRIVER)) is None, "held back"


def test_status_and_eta_of_this_shipment_pass_the_eta_with_the_pages_words() -> None:
    eta = Message(
        shipment_channel(SHIPMENT),
        {"type": "eta", "eta": "x", "window_start": "a", "window_end": "b", "stops_away": 3},
    )
    shown = forward(eta, target=TARGET, seen=Visibility(None))
    assert shown is not None
    assert shown.event == "eta"
    assert shown.data == {
        "type": "eta",
        "eta": "x",
        "window_start": "a",
        "window_end": "b",
        "stops_away": 3,
        "stops_before": "2 stops before yours.",
        "stops_away_note": "(2 stops before yours)",
    }
    unknown = forward(
        Message(shipment_channel(SHIPMENT), {"type": "eta", "eta": "x"}),
        target=TARGET,
        seen=Visibility(None),
    )
    assert unknown is not None
    assert "stops_before" not in unknown.data
    other = Message(fleet_channel(ORG), {"type": "eta", "eta": "x"})
    assert forward(other, target=TARGET, seen=Visibility(DRIVER)) is None


def _events(lines: Iterator[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    event = ""
    for line in lines:
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: "):
            yield event, json.loads(line.removeprefix("data: "))


def test_the_stream_end_to_end(live_server: LiveServer) -> None:
    org = make_org(live_server.db, "Stream org")
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        scenario = route_in_progress(client, live_server.db, org)
        near, far = scenario.shipments[0], scenario.shipments[3]
        other_driver = str(uuid.uuid4())
        for item, may_see in ((near, True), (far, False)):
            with client.stream(
                "GET", f"{scenario.path(scenario.shipments.index(item))}/events"
            ) as stream:
                assert stream.headers["content-type"].startswith("text/event-stream")
                lines = stream.iter_lines()
                events = _events(lines)
                assert next(events) == ("ready", {"map": may_see})
                position = {"type": "position", "lat": 60.17, "lon": 24.95, "at": "t"}
                live_server.publish(
                    driver_channel(other_driver), {**position, "driver_id": other_driver}
                )
                live_server.publish(
                    driver_channel(scenario.driver_id),
                    {**position, "driver_id": str(scenario.driver_id), "lat": 60.18},
                )
                live_server.publish(
                    shipment_channel(far["id"] if item is near else near["id"]),
                    {"type": "eta", "eta": "someone else's"},
                )
                live_server.publish(
                    shipment_channel(item["id"]),
                    {
                        "type": "eta",
                        "eta": "e",
                        "window_start": "s",
                        "window_end": "w",
                        "stops_away": 1,
                        "secret": "dropped",
                    },
                )
                seen = []
                for event, data in events:
                    seen.append((event, data))
                    if event == "eta":
                        break
            if may_see:
                assert [event for event, _ in seen] == ["position", "eta"]
                assert seen[0] == (
                    "position",
                    {
                        "type": "position",
                        "lat": 60.18,
                        "lon": 24.95,
                        "at": "t",
                        "heading_deg": None,
                    },
                )
            else:
                assert [event for event, _ in seen] == ["eta"]
            assert seen[-1][1] == {
                "type": "eta",
                "eta": "e",
                "window_start": "s",
                "window_end": "w",
                "stops_away": 1,
                "stops_before": "You are the next stop.",
                "stops_away_note": "(you are the next stop)",
            }
        assert client.get("/t/" + "z" * 32 + "/events").status_code == 404


def test_the_driver_disappears_from_the_stream_once_delivered(live_server: LiveServer) -> None:
    org = make_org(live_server.db, "Stream org")
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        scenario = route_in_progress(client, live_server.db, org)
        mine = scenario.shipments[0]
        with client.stream("GET", f"{scenario.path(0)}/events") as stream:
            events = _events(stream.iter_lines())
            assert next(events) == ("ready", {"map": True})
            delivered = client.post(
                f"/api/v1/shipments/{mine['tracking_number']}/events",
                json={"status": "delivered"},
                headers=org.headers,
            )
            assert delivered.status_code == 201
            live_server.publish(
                driver_channel(scenario.driver_id),
                {"type": "position", "driver_id": str(scenario.driver_id), "lat": 1, "lon": 2},
            )
            live_server.publish(shipment_channel(mine["id"]), {"type": "eta", "eta": "last"})
            seen = []
            for event, data in events:
                seen.append((event, data))
                if event == "eta":
                    break
    assert seen[0] == ("map", {"visible": False})
    assert [event for event, _ in seen] == ["map", "status", "eta"]
