"""OsmAnd is open: ids cannot be probed (an unknown one is answered as a known one, its fixes
dropped and counted) and each device and each address has a rate limit."""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from tests.common import OrgHandle, make_driver

from lastmile.config import Settings
from lastmile.db import Database

START = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"rate_limit_osmand_device": "3/minute", "rate_limit_osmand_ip": "8/minute"}
    )


def _report(client: TestClient, device: str, i: int, **headers: str) -> int:
    stamp = int((START + timedelta(seconds=5 * i)).timestamp())
    query = f"id={device}&timestamp={stamp}&lat={60.17 + i * 1e-4}&lon=24.94"
    return client.get(f"/ingest/osmand?{query}", headers=headers).status_code


def test_an_unknown_id_is_answered_as_a_known_one(
    client: TestClient, org: OrgHandle, db: Database
) -> None:
    make_driver(client, org, "864333041234567")
    assert _report(client, "864333041234567", 0) == 200
    assert _report(client, "864333041234568", 0) == 200, "a probe learns nothing"
    health = client.get("/healthz").json()
    assert health["fix_path"]["unknown_devices"] == 1, "the dropped fixes are counted"
    assert health["fix_path"]["stage_counters"]["fixes"] == 1, "and never stored"


def test_each_device_and_each_address_has_a_budget(client: TestClient, org: OrgHandle) -> None:
    make_driver(client, org, "van-1", "van-2")
    # The fast path answers the plain GETs, the app's route those with an Idempotency-Key.
    statuses = [_report(client, "van-1", i) for i in range(3)]
    statuses.append(_report(client, "van-1", 3, **{"Idempotency-Key": "k3"}))
    assert statuses == [200, 200, 200, 429]
    refused = client.get(f"/ingest/osmand?id=van-1&timestamp={int(START.timestamp())}&lat=1&lon=1")
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert int(refused.headers["retry-after"]) >= 1
    assert [_report(client, "never-registered", i) for i in range(3)] == [200] * 3
    assert _report(client, "van-2", 0) == 429, "the address's budget of 8 is spent"
