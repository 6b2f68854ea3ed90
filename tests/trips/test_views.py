import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from testkit.bodies import hub_body
from tests.common import OrgHandle, make_driver

from lastmile.geo import from_local_m

HUB = (60.1719, 24.9414)


def _track(start: datetime) -> list[dict[str, Any]]:
    """Drive 1.5 km east, halt 3 min away from the hub, drive back, halt 3 min at the hub."""
    rng = random.Random(3)
    points: list[tuple[float, float]] = []
    points += [(i * 10.0 * 5, 0.0) for i in range(30)]
    points += [(1500 + rng.gauss(0, 6), rng.gauss(0, 6)) for _ in range(36)]
    points += [(1500 - i * 10.0 * 5, 0.0) for i in range(30)]
    points += [(rng.gauss(0, 6), rng.gauss(0, 6)) for _ in range(36)]
    fixes = []
    for i, (east, north) in enumerate(points):
        lat, lon = from_local_m(east, north, origin_lat=HUB[0], origin_lon=HUB[1])
        fixes.append(
            {
                "at": (start + timedelta(seconds=5 * i)).isoformat(),
                "lat": lat,
                "lon": lon,
                "accuracy_m": 8,
            }
        )
    return fixes


def test_a_day_splits_into_stops_and_moves_with_idle_time_away_from_hubs(
    client: TestClient, org: OrgHandle
) -> None:
    client.post("/api/v1/hubs", json=hub_body(lat=HUB[0], lon=HUB[1]), headers=org.headers)
    driver = make_driver(client, org, "trip-1")
    start = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0)
    if start + timedelta(hours=1) > datetime.now(UTC):
        start -= timedelta(days=1)  # the whole track must lie in the past, whatever the hour
    posted = client.post(
        "/api/v1/fixes",
        json={"device_id": "trip-1", "fixes": _track(start)},
        headers=org.headers,
    )
    assert posted.status_code == 200, posted.text

    response = client.get(
        f"/api/v1/drivers/{driver['id']}/trips?date={start.date()}", headers=org.headers
    )
    assert response.status_code == 200, response.text
    day = response.json()
    kinds = [s["kind"] for s in day["segments"]]
    assert kinds.count("stop") == 2
    summary = day["summary"]
    assert summary["stop_count"] == 2
    assert summary["idle_stop_count"] == 1
    assert 120 <= summary["idle_s"] <= 190
    assert summary["distance_m"] == pytest.approx(3000, rel=0.15)
    assert summary["driving_s"] + summary["stopped_s"] == pytest.approx(131 * 5, abs=10)


def test_trips_of_another_organisations_driver_are_404(
    client: TestClient, org: OrgHandle, other_org: OrgHandle
) -> None:
    driver = make_driver(client, other_org, "trip-x")
    response = client.get(
        f"/api/v1/drivers/{driver['id']}/trips?date=2026-11-24", headers=org.headers
    )
    assert response.status_code == 404
