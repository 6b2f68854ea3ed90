import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

import aiomqtt
import pytest
from sqlalchemy import select
from tests.common import make_org

from lastmile.bus import MemoryBus
from lastmile.bus.base import fleet_channel
from lastmile.db import Database
from lastmile.fleet import service as fleet
from lastmile.ingest.models import fixes
from lastmile.ingest.mqtt import OwnTracksListener
from lastmile.ingest.pipeline import Ingestor, PublishPositions, clean_stages
from lastmile.ingest.stages import Stages
from lastmile.ingest.store import FixStore
from lastmile.ingest.writer import BatchWriter

pytestmark = pytest.mark.anyio


async def test_owntracks_over_mqtt_is_stored_and_published(db: Database, mqtt_url: str) -> None:
    org = make_org(db, "MQTT org")
    user, device = f"u{uuid.uuid4().hex[:8]}", "phone"
    with db.session() as session:
        driver = fleet.create_driver(
            session=session,
            org_id=org.org_id,
            name="Anna",
            phone=None,
            device_ids=[f"{user}/{device}"],
        )
        session.commit()
        driver_id = driver.id

    bus = MemoryBus()
    ingestor = Ingestor(
        database=db,
        stages=Stages(clean_stages()),
        writer=BatchWriter(FixStore(db)),
        lanes={"live": [PublishPositions(bus)]},
    )
    listener = OwnTracksListener(
        url=mqtt_url,
        ingestor=ingestor,
        max_future_s=300,
        identifier=f"lastmile-test-{uuid.uuid4().hex[:8]}",
        topic=f"owntracks/{user}/+",
    )
    updates = await bus.subscribe(fleet_channel(org.org_id))
    task = asyncio.create_task(listener.run())
    try:
        await asyncio.wait_for(listener.subscribed.wait(), 10)
        at = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=30)
        payloads = [
            {"_type": "lwt", "tst": int(at.timestamp())},
            {
                "_type": "location",
                "lat": 60.17,
                "lon": 24.94,
                "tst": int(at.timestamp()),
                "acc": 7,
                "vel": 18,
                "cog": 270,
                "batt": 54,
                "t": "p",
                "tid": "an",
            },
        ]
        async with aiomqtt.Client("127.0.0.1", 1883) as publisher:
            for payload in payloads:
                await publisher.publish(f"owntracks/{user}/{device}", json.dumps(payload), qos=1)

        message = await updates.get(timeout_s=10)
        assert message is not None
        assert message.data["driver_id"] == str(driver_id)
        assert message.data["speed_mps"] == pytest.approx(5.0)
        with db.session() as session:
            rows = session.execute(select(fixes).where(fixes.c.driver_id == driver_id)).all()
        assert len(rows) == 1
        assert rows[0].heading_deg == 270
        assert listener.counters["ignored"] == 1
        assert listener.counters["stored"] == 1
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await updates.close()
