"""A simulated day against a real `lastmile serve` process (SQLite, no map: straight lines)."""

import asyncio
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from testkit.servers import Server
from tests.sim.serving import small_day

from lastmile.geo import haversine_m
from lastmile.sim.day_run import drive


def test_a_simulated_day_reaches_the_server_as_phones_and_drivers_send_it(
    server: tuple[Server, str], tmp_path: Path
) -> None:
    running, key = server
    day, fleet = small_day(running.url, key, tmp_path)
    assert len(day.routes) == 2
    assert sorted(day.device_protocols.values()) == ["native", "osmand"]
    assert fleet.end_s < datetime.now().timestamp()

    stats = asyncio.run(drive(fleet, url=running.url, api_key=key, speed=math.inf, quiet=True))

    assert (stats.refused, stats.failed, stats.errors) == (0, 0, [])
    sent = sum(len(u.fixes) for p in fleet.phones for u in p.uploads())
    assert stats.fixes == sent
    assert stats.actions == sum(len(p.day.actions) for p in fleet.phones)

    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=running.url, headers=headers, timeout=30) as api:
        for phone in fleet.phones:
            route = phone.day.route
            last = max((f for u in phone.uploads() for f in u.fixes), key=lambda f: f.at_s)
            position = api.get(f"/api/v1/drivers/{route.driver_id}/position").json()
            assert datetime.fromisoformat(position["at"]).timestamp() == pytest.approx(
                last.at_s, abs=1
            )
            assert haversine_m(position["lat"], position["lon"], *route.hub) < 50.0

            server_route = api.get(f"/api/v1/routes/{route.route_id}").json()
            # Shipment events move the route's stops too: the last outcome completes the route.
            assert server_route["status"] == "completed"
            assert {s["status"] for s in server_route["stops"]} <= {"completed", "failed"}
            started = datetime.fromisoformat(server_route["started_at"]).timestamp()
            assert started == pytest.approx(phone.day.actions[0].at_s, abs=1)

            outcome = {
                t.tracking_number: t.detail["outcome"]
                for t in fleet.truth.of_kind("stop")
                if t.driver_id == route.driver_id
            }
            assert len(outcome) == len(route.stops)
            for number, done in outcome.items():
                shipment: dict[str, Any] = api.get(f"/api/v1/shipments/{number}").json()
                expected = "returned_to_hub" if done == "attempted" else done
                assert shipment["status"] == expected
                # The shipments were created just now, for a day laid in the past: the creation
                # event sorts last by time, though it leads when the status is derived.
                statuses = [e["status"] for e in shipment["timeline"] if e["status"] != "created"]
                assert statuses[:3] == ["out_for_delivery", "arriving", done]

            trips = api.get(
                f"/api/v1/drivers/{route.driver_id}/trips",
                params={"date": day.date.isoformat(), "tz": day.timezone},
            ).json()
            assert trips["summary"]["distance_m"] > 1000.0
            for halt in (t for t in fleet.truth.of_kind("halt") if t.driver_id == route.driver_id):
                assert halt.end is not None
                assert halt.lat is not None
                assert halt.lon is not None
                covering = [
                    s
                    for s in trips["segments"]
                    if s["kind"] == "stop"
                    and datetime.fromisoformat(s["start"])
                    <= halt.start + (halt.end - halt.start) / 2
                    <= datetime.fromisoformat(s["end"])
                ]
                assert covering, trips["segments"]
                assert haversine_m(covering[0]["lat"], covering[0]["lon"], halt.lat, halt.lon) < 50
    assert fleet.truth.of_kind("halt")
    assert fleet.truth.of_kind("failed_delivery")
