from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.common import make_org

from lastmile.db import Database
from lastmile.fleet import service as fleet
from lastmile.ingest import positions
from lastmile.ingest.osmand_port import OsmAndPort


def test_any_path_on_the_osmand_port_is_an_osmand_fix(app: FastAPI, db: Database) -> None:
    org = make_org(db, "Port")
    with db.session() as session:
        driver = fleet.create_driver(
            session=session, org_id=org.org_id, name="P", phone=None, device_ids=["tc-5055"]
        )
        session.commit()
    stamp = int((datetime.now(UTC) - timedelta(minutes=1)).timestamp())
    with TestClient(OsmAndPort(app)) as port:
        queues = app.state.ingestor.queues  # held: the followers share the test's connection
        port.portal.call(queues.hold)  # type: ignore[union-attr]
        response = port.post(f"/?id=tc-5055&timestamp={stamp}&lat=60.171&lon=24.941")
        assert response.status_code == 200
        assert port.get("/anything?id=nobody&lat=1&lon=1").status_code == 200
        port.portal.call(queues.release)  # type: ignore[union-attr]
        port.portal.call(queues.settled)  # type: ignore[union-attr]
    with db.session() as session:
        found = positions.latest(session=session, org_id=org.org_id, driver_ids=[driver.id])
    assert [p.lat for p in found] == [60.171]
