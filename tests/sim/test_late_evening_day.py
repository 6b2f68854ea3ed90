"""A day set up too late in the evening to fit before midnight is the next date's, and every
screen counts it on that date (the server's own clock is real; the day is set up as if at 23:50
on an evening far enough back for the whole next-date day to lie in the past)."""

import asyncio
import math
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from testkit.servers import Server

from lastmile.sim.day_run import drive, prepare
from lastmile.sim.world import Scenario

HELSINKI = ZoneInfo("Europe/Helsinki")


def _an_evening_at_ten_to_midnight(before_s: float) -> datetime:
    """23:50 in Helsinki on the latest evening at least `before_s` ago."""
    latest = datetime.fromtimestamp(time.time() - before_s, HELSINKI)
    evening = datetime.combine(latest.date(), datetime.min.time(), HELSINKI).replace(
        hour=23, minute=50
    )
    return evening if evening <= latest else evening - timedelta(days=1)


def test_a_day_set_up_at_ten_to_midnight_is_the_next_dates_on_every_screen(
    server: tuple[Server, str], tmp_path: Path
) -> None:
    running, key = server
    scenario = Scenario(drivers=2, stops_per_driver=4, seed=5, shift_s=2 * 3600.0, plan_seconds=1)
    evening = _an_evening_at_ten_to_midnight(before_s=5 * 3600.0)
    day, fleet = prepare(
        url=running.url,
        api_key=key,
        scenario=scenario,
        speed=1.0,
        data_dir=tmp_path,
        map_name=None,
        head_start_s=40 * 60.0,
        now_s=evening.timestamp(),
    )
    next_date = evening.date() + timedelta(days=1)
    assert day.date == next_date
    assert datetime.fromtimestamp(day.start_s, HELSINKI).date() == next_date
    assert datetime.fromtimestamp(fleet.end_s, HELSINKI).date() == next_date
    assert fleet.head_start_s == 0.0

    stats = asyncio.run(drive(fleet, url=running.url, api_key=key, speed=math.inf, quiet=True))
    assert (stats.refused, stats.failed, stats.errors) == (0, 0, [])

    planned = {s.tracking_number for r in day.routes for s in r.stops}
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=running.url, headers=headers, timeout=30) as api:
        routes = api.get("/api/v1/routes", params={"date": next_date.isoformat()}).json()
        assert {r["id"] for r in routes} == {r.route_id for r in day.routes}
        counts = api.get("/api/v1/shipments/counts", params={"date": next_date.isoformat()}).json()
        assert sum(counts.values()) >= len(planned)
        board = api.get(
            "/api/v1/control-tower/board", params={"date": next_date.isoformat()}
        ).json()
        assert board["day"] == next_date.isoformat()
        on_board = {s["tracking_number"] for r in board["routes"] for s in r["stops"]}
        assert on_board == planned
        kpis = board["kpis"]
        assert kpis["stops_total"] == len(planned)
        assert kpis["remaining"] == 0
        assert kpis["delivered"] == counts.get("delivered", 0)
        driven_stops = [
            s
            for route in day.routes
            for s in api.get(f"/api/v1/routes/{route.route_id}").json()["stops"]
        ]
        assert {s["tracking_number"] for s in driven_stops} == planned
        assert sum(s["status"] == "completed" for s in driven_stops) == kpis["delivered"]
        assert api.get("/api/v1/routes", params={"date": evening.date().isoformat()}).json() == []
