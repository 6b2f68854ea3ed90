"""What a finished stop sets off elsewhere: fresh ETAs for the rest, completion alerts."""

from fastapi.testclient import TestClient
from tests.common import OrgHandle
from tests.driver_app import STOPS, make_driver_day, sign_in

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
