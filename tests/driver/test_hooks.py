"""What a finished stop sets off elsewhere: fresh ETAs for the rest, completion alerts, one
word on the fleet channel for the Control Tower."""

from collections.abc import Callable
from typing import Any

import anyio
import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.common import OrgHandle
from tests.driver_app import STOPS, make_driver_day, sign_in

from lastmile.bus.base import fleet_channel
from lastmile.db import Database


def test_failing_a_stop_far_from_its_address_raises_an_alert_and_re_times_the_rest(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = sign_in(client, make_driver_day(client, db, org))
    started = client.post("/api/v1/driver/route/start", json=day.action(), headers=day.headers)
    assert started.status_code == 200, started.text
    phone = client.patch(
        f"/api/v1/drivers/{day.driver_id}", json={"device_ids": ["van-7"]}, headers=org.headers
    )
    assert phone.status_code == 200, phone.text
    fix = {"at": day.clock.isoformat(), "lat": STOPS[0][0], "lon": STOPS[0][1], "accuracy_m": 5.0}
    sent = client.post(
        "/api/v1/fixes", json={"device_id": "van-7", "fixes": [fix]}, headers=org.headers
    )
    assert sent.status_code == 200, sent.text
    far = {"lat": STOPS[0][0] + 0.02, "lon": STOPS[0][1], "accuracy_m": 5.0}
    failed = client.post(
        f"/api/v1/driver/stops/{day.stop_ids[0]}/fail",
        json=day.action(reason="not_home", position=far),
        headers=day.headers,
    )
    assert failed.status_code == 200, failed.text
    alerts = client.get("/api/v1/alerts", headers=org.headers).json()
    assert [a["kind"] for a in alerts] == ["proof_far_from_address"]
    assert alerts[0]["details"]["distance_m"] > 2000
    etas = client.get(f"/api/v1/routes/{day.route_id}/etas", headers=org.headers).json()
    timed = {stop["stop_id"] for stop in etas["stops"] if stop["eta"] is not None}
    assert timed == set(day.stop_ids[1:])


def test_each_stop_change_is_told_once_on_the_fleet_channel(
    app: FastAPI, client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = sign_in(client, make_driver_day(client, db, org, cod_on=None))
    started = client.post("/api/v1/driver/route/start", json=day.action(), headers=day.headers)
    assert started.status_code == 200, started.text
    first, second, third = day.stop_ids

    def driver(stop_id: str, kind: str, **fields: Any) -> Callable[[], httpx.Response]:
        url = f"/api/v1/driver/stops/{stop_id}/{kind}"
        return lambda: client.post(url, json=day.action(**fields), headers=day.headers)

    cancel = {"status": "cancelled", "reason": "merchant asked"}
    changes = [
        driver(first, "arrive"),
        driver(first, "arrive"),  # again: nothing changes, nothing is told
        driver(first, "deliver"),
        driver(second, "fail", reason="not_home"),  # never arrived: still one message
        lambda: client.post(
            f"/api/v1/shipments/{day.tracking_numbers[2]}/events", json=cancel, headers=org.headers
        ),
    ]

    async def heard() -> list[dict[str, Any]]:
        subscription = await app.state.bus.subscribe(fleet_channel(org.org_id))
        for change in changes:
            response = await anyio.to_thread.run_sync(change)
            assert response.is_success, response.text
        # Publishing is done when each answer is sent; the marker comes after all of it.
        await app.state.bus.publish(fleet_channel(org.org_id), {"type": "marker"})
        told = []
        while (message := await subscription.get(timeout_s=5)) is not None:
            if message.data["type"] == "marker":
                break
            told.append(message.data)
        await subscription.close()
        return told

    told = client.portal.call(heard)  # type: ignore[union-attr]
    stops = [(m["stop_id"], m["status"]) for m in told if m["type"] == "stop"]
    assert stops == [
        (first, "arrived"),
        (first, "completed"),
        (second, "failed"),
        (third, "failed"),
    ]
    assert {m["route_id"] for m in told if m["type"] == "stop"} == {day.route_id}
