"""The driver's route today is today at the hub's clock, not at UTC's: the two dates differ
from 00:00 to 02:00 in Helsinki and every evening in the Americas."""

import uuid
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from tests.common import OrgHandle
from tests.driver_app import make_driver_day

from lastmile.db import Database
from lastmile.dispatch.models import Route, RouteStatus
from lastmile.driver.workflow import todays_route
from lastmile.errors import NotFound


def _done_on(db: Database, route_id: str, day: date) -> None:
    with db.session() as session:
        route = session.get_one(Route, uuid.UUID(route_id))
        route.date = day
        route.status = RouteStatus.COMPLETED
        session.commit()


def _todays(db: Database, org: OrgHandle, driver_id: str, now: datetime) -> uuid.UUID:
    with db.session() as session:
        route = todays_route(
            session=session, org_id=org.org_id, driver_id=uuid.UUID(driver_id), now=now
        )
        return route.id


def test_after_midnight_in_helsinki_the_route_of_the_new_day_is_todays(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = make_driver_day(client, db, org, cod_on=None)  # a Helsinki hub
    _done_on(db, day.route_id, date(2026, 12, 8))
    monday_utc = datetime(2026, 12, 7, 22, 30, tzinfo=UTC)  # Tuesday 00:30 in Helsinki
    assert str(_todays(db, org, day.driver_id, monday_utc)) == day.route_id


def test_an_evening_in_new_york_is_still_that_day_after_midnight_utc(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = make_driver_day(client, db, org, cod_on=None)
    with db.session() as session:
        hub_id = session.get_one(Route, uuid.UUID(day.route_id)).hub_id
    moved = client.patch(
        f"/api/v1/hubs/{hub_id}", json={"timezone": "America/New_York"}, headers=org.headers
    )
    assert moved.status_code == 200, moved.text
    _done_on(db, day.route_id, date(2026, 12, 7))
    evening = datetime(2026, 12, 8, 0, 30, tzinfo=UTC)  # Monday 19:30 in New York
    assert str(_todays(db, org, day.driver_id, evening)) == day.route_id
    next_morning = datetime(2026, 12, 8, 12, 0, tzinfo=UTC)  # Tuesday 07:00 in New York
    with pytest.raises(NotFound):
        _todays(db, org, day.driver_id, next_morning)
