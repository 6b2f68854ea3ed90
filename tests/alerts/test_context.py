import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from testkit.databases import selects_sent
from tests.alerts.world import out_on_route
from tests.common import OrgHandle, make_driver

from lastmile.alerts.context import driver_day
from lastmile.alerts.thresholds import AlertThresholds
from lastmile.db import Database
from lastmile.dispatch.driver_context import current_routes, load_driver_contexts


def test_a_fleet_s_days_are_read_in_a_handful_of_queries(
    client: TestClient, db: Database, org: OrgHandle, other_org: OrgHandle
) -> None:
    world = out_on_route(client, db, org, stops_east_m=(1500, 2500))
    idle = [uuid.UUID(make_driver(client, org, f"idle-{i}")["id"]) for i in range(20)]
    elsewhere = uuid.UUID(make_driver(client, other_org, "elsewhere")["id"])
    on_route = uuid.UUID(world.driver_id)
    asked = {(org.org_id, on_route), (other_org.org_id, elsewhere)}
    asked |= {(org.org_id, driver) for driver in idle}
    with selects_sent(db.engine) as selects, db.session() as session:
        contexts = load_driver_contexts(session, drivers=asked, now=datetime.now(UTC))
    days = {d: driver_day(c, AlertThresholds()) for d, c in contexts.items()}

    assert set(days) == {driver for _, driver in asked}
    route_day = days[on_route]
    assert route_day.route_id == world.route_id
    assert route_day.on_shift
    assert route_day.parcels_on_board == 4
    assert len(route_day.planned_places) == 3  # two stops and the hub
    assert route_day.corridor is not None
    assert all(days[d].route_id is None and not days[d].on_shift for d in idle)
    assert days[elsewhere].org_id == other_org.org_id
    assert len(selects) <= 4  # shifts, routes, hubs, stops


@pytest.mark.parametrize("days_from_utc_today", [-1, 1])
def test_a_route_dated_in_its_hub_s_day_is_found_whatever_the_utc_day(
    client: TestClient, db: Database, org: OrgHandle, days_from_utc_today: int
) -> None:
    now = datetime.now(UTC)
    world = out_on_route(client, db, org, day=now.date() + timedelta(days=days_from_utc_today))
    with db.session() as session:
        found = current_routes(session, driver_ids=[uuid.UUID(world.driver_id)], now=now)
    assert found[uuid.UUID(world.driver_id)].id == world.route_id
