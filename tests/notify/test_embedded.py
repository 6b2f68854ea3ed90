"""Embedded mode: `lastmile serve` runs the outbox worker in its lifespan (SQLite)."""

import time
from pathlib import Path

import httpx
from testkit.bodies import shipment_body
from testkit.servers import HonourRetryAfter, Server, create_org, server_env
from tests.notify.receivers import Recorder, serve, signature_ok


def test_a_status_change_reaches_the_merchant_from_a_real_server(tmp_path: Path) -> None:
    env = server_env(tmp_path)
    env["LASTMILE_NOTIFY_POLL_INTERVAL_S"] = "0.1"
    headers = {"Authorization": f"Bearer {create_org(env)['api_key']}"}
    with serve(Recorder()) as merchant:
        server = Server(env)
        server.start()
        try:
            with httpx.Client(
                base_url=server.url, headers=headers, timeout=10, transport=HonourRetryAfter()
            ) as client:
                endpoint = client.post(
                    "/api/v1/notify/webhooks", json={"url": merchant.url, "events": ["delivered"]}
                ).json()
                shipment = client.post("/api/v1/shipments", json=shipment_body()).json()
                for status in ("out_for_delivery", "delivered"):
                    response = client.post(
                        f"/api/v1/shipments/{shipment['tracking_number']}/events",
                        json={"status": status},
                    )
                    assert response.status_code == 201, response.text
                [hook] = merchant.wait_for(1, timeout_s=30)
                deadline = time.monotonic() + 30
                while server.log.read_text().count("[sms to +358*******67]") < 2:
                    assert time.monotonic() < deadline, "the console SMS never appeared"
                    time.sleep(0.05)
        finally:
            server.stop()
    assert signature_ok(hook, endpoint["secret"])
    assert hook.headers["idempotency-key"].endswith(f"webhook:{endpoint['id']}")
    log = server.log.read_text()
    assert "+358401234567" not in log  # the console SMS masks the number
    assert "has been delivered" in log
