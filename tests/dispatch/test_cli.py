"""`lastmile plan day` plans and commits a hub's day on the configured database."""

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lastmile.auth import service as auth
from lastmile.cli import app
from lastmile.db import Database
from lastmile.db.migrate import upgrade
from lastmile.dispatch.models import Route
from lastmile.fleet import service as fleet
from lastmile.hubs import service as hubs
from lastmile.shipments.models import Shipment


def test_plan_day_commits_routes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("LASTMILE_DATABASE_URL", url)
    monkeypatch.setenv("LASTMILE_DATA_DIR", str(tmp_path))
    database = Database.from_url(url)
    upgrade(database.engine)
    with database.session() as session:
        org = auth.create_organization(session=session, name="cli")
        hub = hubs.create_hub(
            session=session,
            org_id=org.id,
            code="HEL1",
            name="Hub",
            lat=60.17,
            lon=24.94,
            timezone="Europe/Helsinki",
            opening_hours={"tue": [["08:00", "18:00"]]},
        )
        fleet.create_driver(session=session, org_id=org.id, name="D", phone=None, device_ids=[])
        fleet.create_vehicle(session=session, org_id=org.id, plate="V1", capacity_parcels=10)
        for i in range(3):
            session.add(
                Shipment(
                    org_id=org.id,
                    tracking_number=f"TN{i}",
                    tracking_token=f"tok{i}",
                    hub_id=hub.id,
                    recipient_name="R",
                    address_text="A",
                    lat=60.16 + 0.01 * i,
                    lon=24.93,
                    delivery_date=date(2026, 11, 24),
                )
            )
        session.commit()

    result = CliRunner().invoke(
        app,
        ["plan", "day", "--hub", "HEL1", "--date", "2026-11-24", "--commit", "--seconds", "0.2"],
    )
    assert result.exit_code == 0, result.output
    assert "1 routes, 3 stops" in result.output
    with database.session() as session:
        assert session.query(Route).count() == 1
    unknown = CliRunner().invoke(app, ["plan", "day", "--hub", "NOPE", "--date", "2026-11-24"])
    assert unknown.exit_code != 0
    database.engine.dispose()
