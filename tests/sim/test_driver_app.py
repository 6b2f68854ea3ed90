"""A simulated day worked in the driver app, against a real `lastmile serve` (SQLite, no map)."""

import asyncio
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from testkit.servers import Server
from tests.sim.serving import small_day

from lastmile.sim.actions import DriverAppActions
from lastmile.sim.day_run import drive


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def _all(api: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    query: dict[str, Any] = {**params, "limit": 500}
    while True:
        page = api.get(path, params=query).json()
        items += page["items"]
        if not page["next_cursor"]:
            return items
        query["cursor"] = page["next_cursor"]


def test_drivers_sign_in_work_their_shift_and_the_board_agrees_with_the_shipments(
    server: tuple[Server, str], tmp_path: Path
) -> None:
    running, key = server
    day, fleet = small_day(running.url, key, tmp_path)
    assert sorted(day.device_protocols.values()) == ["native", "osmand"]
    actions = DriverAppActions(api_key=key, crew=day.crew)

    stats = asyncio.run(
        drive(fleet, url=running.url, api_key=key, speed=math.inf, actions=actions, quiet=True)
    )

    assert (stats.refused, stats.failed, stats.errors) == (0, 0, [])
    assert stats.fixes == sum(len(u.fixes) for p in fleet.phones for u in p.uploads())
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=running.url, headers=headers, timeout=30) as api:
        for phone in fleet.phones:
            route = phone.day.route
            (shift,) = api.get(f"/api/v1/drivers/{route.driver_id}/shifts").json()
            assert shift["vehicle_id"] == day.crew[route.driver_id].vehicle_id
            assert _epoch(shift["started_at"]) == pytest.approx(phone.day.start_s, abs=1)
            assert _epoch(shift["ended_at"]) == pytest.approx(phone.day.end_s, abs=1)
            served = api.get(f"/api/v1/routes/{route.route_id}").json()
            assert served["status"] == "completed"
            assert _epoch(shift["started_at"]) < _epoch(served["started_at"])
            assert {s["status"] for s in served["stops"]} <= {"completed", "failed"}
            position = api.get(f"/api/v1/drivers/{route.driver_id}/position").json()
            assert _epoch(position["at"]) > _epoch(served["started_at"])

        board = api.get("/api/v1/control-tower/board", params={"date": day.date.isoformat()})
        delivered = _all(api, "/api/v1/shipments", status="delivered", date=day.date.isoformat())
        kpis = board.json()["kpis"]
        outcomes = [t.detail["outcome"] for t in fleet.truth.of_kind("stop")]
        assert kpis["delivered"] == len(delivered) == outcomes.count("delivered") > 0
        assert kpis["failed"] == outcomes.count("attempted") > 0
        assert kpis["remaining"] == 0

        cards = api.get(
            "/api/v1/analytics/drivers",
            params={"date": day.date.isoformat(), "tz": day.timezone},
        ).json()
        assert {c["driver_id"] for c in cards} == {p.day.route.driver_id for p in fleet.phones}
        for card in cards:
            assert card["delivered"] > 0
            assert card["distance_km"] > 0.5
            assert card["driving_s"] > 0
            assert card["stops_per_hour"] > 0
