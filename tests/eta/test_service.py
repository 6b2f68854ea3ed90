"""Live ETAs end to end: a route in progress, fixes through the native batch API, ETAs stored,
shown per route, published on the shipment's channel, recomputed when a stop is completed."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from testkit.databases import selects_sent
from tests.common import OrgHandle
from tests.eta.helpers import ACROSS_THE_BAY, BAY_HUB, HUB, fix, lay_bay_road, route_in_progress

from lastmile.bus.base import shipment_channel
from lastmile.db import Database
from lastmile.dispatch.models import Route, RouteStop, StopStatus
from lastmile.eta import service
from lastmile.eta.current import current_eta
from lastmile.eta.engine import EtaEngine
from lastmile.eta.learning import LearnedEta
from lastmile.eta.model import Stop
from lastmile.eta.models import EtaPrediction
from lastmile.ingest.models import DriverPosition
from lastmile.types import StopEta


def _stop_of(db: Database, stop_id: uuid.UUID) -> Stop:
    with db.session() as session:
        (found,) = [
            s.stop
            for route_stop in [session.get(RouteStop, stop_id)]
            if route_stop is not None
            for s in service.remaining_stops(
                session, route=session.get_one(Route, route_stop.route_id)
            )
            if s.stop_id == stop_id
        ]
        return found


def _predictions(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(EtaPrediction)) or 0)


def test_fixes_give_every_remaining_stop_an_eta(
    app: FastAPI, client: TestClient, org: OrgHandle, other_org: OrgHandle, db: Database
) -> None:
    route = route_in_progress(client, org, "eta-phone")
    stops = route["stops"]
    first_shipment = stops[0]["shipment_id"]
    subscription = client.portal.call(app.state.bus.subscribe, shipment_channel(first_shipment))
    now = datetime.now(UTC).replace(microsecond=0)
    posted = client.post(
        "/api/v1/fixes",
        json={"device_id": "eta-phone", "fixes": [fix(now - timedelta(seconds=2))]},
        headers=org.headers,
    )
    assert posted.status_code == 200, posted.text

    message = client.portal.call(subscription.get, 20.0)
    assert message is not None, "no ETA published for the first stop"
    assert message.data["type"] == "eta"
    assert message.data["stops_away"] == 1
    eta = datetime.fromisoformat(message.data["eta"])
    start = datetime.fromisoformat(message.data["window_start"])
    end = datetime.fromisoformat(message.data["window_end"])
    assert start <= eta <= end
    assert now < eta < now + timedelta(hours=1)

    shown = client.get(f"/api/v1/routes/{route['id']}/etas", headers=org.headers)
    assert shown.status_code == 200, shown.text
    rows = shown.json()["stops"]
    assert [r["stop_id"] for r in rows] == [s["id"] for s in stops]
    assert [r["stops_away"] for r in rows] == [1, 2, 3]
    etas = [datetime.fromisoformat(r["eta"]) for r in rows]
    assert etas == sorted(etas)
    assert etas[0] < etas[-1]
    assert _predictions(db) == len(stops)

    with db.session() as session:
        latest = current_eta(session, org_id=org.org_id, shipment_id=uuid.UUID(first_shipment))
        assert latest is not None
        assert latest.eta == eta
        assert current_eta(session, org_id=other_org.org_id, shipment_id=latest.shipment_id) is None

    other = client.get(f"/api/v1/routes/{route['id']}/etas", headers=other_org.headers)
    assert other.status_code == 404
    assert other.headers["content-type"].startswith("application/problem+json")
    client.portal.call(subscription.close)


def test_a_completed_stop_moves_the_rest_up_and_records_the_arrival(
    app: FastAPI, client: TestClient, org: OrgHandle, db: Database
) -> None:
    route = route_in_progress(client, org, "eta-phone-2")
    route_id, first = uuid.UUID(route["id"]), uuid.UUID(route["stops"][0]["id"])
    now = datetime.now(UTC).replace(microsecond=0)
    with db.session() as session:
        before = service.recompute_route(
            session, org_id=org.org_id, route_id=route_id, now=now, engine=app.state.eta_engine
        )
        session.commit()
    assert before == [], "no position yet and no stop reached: nothing to say"

    channel = shipment_channel(route["stops"][0]["shipment_id"])
    subscription = client.portal.call(app.state.bus.subscribe, channel)
    posted = client.post(
        "/api/v1/fixes",
        json={"device_id": "eta-phone-2", "fixes": [fix(now - timedelta(seconds=1))]},
        headers=org.headers,
    )
    assert posted.status_code == 200
    assert client.portal.call(subscription.get, 20.0) is not None, "the fix gave no ETA"
    client.portal.call(subscription.close)
    arrived = now + timedelta(minutes=3)
    with db.session() as session:
        stop = session.get(RouteStop, first)
        assert stop is not None
        stop.status = StopStatus.COMPLETED
        service.record_arrival(session, org_id=org.org_id, stop_id=first, at=arrived)
        after = service.recompute_route(
            session,
            org_id=org.org_id,
            route_id=route_id,
            now=arrived + timedelta(minutes=2),
            engine=app.state.eta_engine,
        )
        session.commit()
    assert [e.stops_away for e in after] == [1, 2]
    assert first not in {e.stop_id for e in after}
    assert all(e.gps_age_s is not None and e.gps_age_s >= 300 for e in after)
    shown = client.get(f"/api/v1/routes/{route_id}/etas", headers=org.headers).json()
    assert [r["stops_away"] for r in shown["stops"]] == [1, 2]
    with db.session() as session:
        triggers = set(session.scalars(select(EtaPrediction.trigger)))
        actual = session.scalars(
            select(EtaPrediction.actual_at).where(EtaPrediction.stop_id == first)
        ).all()
    assert "stop" in triggers
    assert actual
    assert all(a == arrived for a in actual)


def test_a_route_running_slow_so_far_pushes_the_rest_later(
    app: FastAPI, client: TestClient, org: OrgHandle, db: Database
) -> None:
    route = route_in_progress(client, org, "eta-phone-3")
    route_id = uuid.UUID(route["id"])
    first, second = (uuid.UUID(s["id"]) for s in route["stops"][:2])
    now = datetime.now(UTC).replace(microsecond=0)
    channel = shipment_channel(route["stops"][0]["shipment_id"])
    subscription = client.portal.call(app.state.bus.subscribe, channel)
    client.post(
        "/api/v1/fixes",
        json={"device_id": "eta-phone-3", "fixes": [fix(now - timedelta(seconds=1))]},
        headers=org.headers,
    )
    assert client.portal.call(subscription.get, 20.0) is not None, "the fix gave no ETA"
    client.portal.call(subscription.close)
    later = now + timedelta(hours=3)
    with db.session() as session:
        for stop_id, at in ((first, now), (second, later)):
            stop = session.get(RouteStop, stop_id)
            assert stop is not None
            stop.status = StopStatus.COMPLETED
            service.record_arrival(session, org_id=org.org_id, stop_id=stop_id, at=at)
        (last,) = service.recompute_route(
            session, org_id=org.org_id, route_id=route_id, now=later, engine=app.state.eta_engine
        )
        session.commit()
    pace = app.state.eta_engine.pace(route_id)
    assert pace > 1.5, "three hours between two stops minutes apart is a slow route"
    predictor = app.state.eta_engine.predictor
    (unpaced,) = predictor.predict(
        now=later,
        origin=HUB,
        stops=[_stop_of(db, last.stop_id)],
        base_legs_s=[],
        driver_id=str(route["driver_id"]),
    )
    to_go = (last.eta - later).total_seconds()
    assert to_go == pytest.approx(pace * (unpaced.eta - later).total_seconds(), rel=1e-6)


def test_the_route_pace_is_measured_against_the_same_road_legs_the_etas_use(
    app: FastAPI, client: TestClient, org: OrgHandle, db: Database
) -> None:
    near = (BAY_HUB[0], BAY_HUB[1] + 0.004)  # 220 m along the south shore
    route = route_in_progress(
        client, org, "eta-phone-bay", hub=BAY_HUB, places=[near, ACROSS_THE_BAY]
    )
    road_s = lay_bay_road(db, route["id"])
    first, second = (uuid.UUID(s["id"]) for s in route["stops"])
    now = datetime.now(UTC).replace(microsecond=0)
    channel = shipment_channel(route["stops"][1]["shipment_id"])
    subscription = client.portal.call(app.state.bus.subscribe, channel)
    client.post(
        "/api/v1/fixes",
        json={"device_id": "eta-phone-bay", "fixes": [fix(now - timedelta(seconds=1), *BAY_HUB)]},
        headers=org.headers,
    )
    assert client.portal.call(subscription.get, 20.0) is not None, "the fix gave no ETA"
    client.portal.call(subscription.close)

    engine = app.state.eta_engine
    service_s = engine.predictor.service_s(driver_id=route["driver_id"], stop=_stop_of(db, first))
    # The driver took exactly the planned road time round the bay between the two stops.
    with db.session() as session:
        for stop_id, at in (
            (first, now),
            (second, now + timedelta(seconds=service_s + road_s[second])),
        ):
            stop = session.get_one(RouteStop, stop_id)
            stop.status = StopStatus.COMPLETED
            service.record_arrival(session, org_id=org.org_id, stop_id=stop_id, at=at)
        row = session.get_one(Route, uuid.UUID(route["id"]))
        on_road = service.observed_pace(session, route=row, engine_=engine)
        row.polyline6 = ""  # as if the route had no road path: straight-line legs
        straight = service.observed_pace(session, route=row, engine_=engine)
        session.rollback()
    assert on_road == pytest.approx(1.0, abs=0.01), "on plan, not slow"
    assert straight > 1.2, "against straight lines across the water the same day looks slow"


def test_routes_updated_together_say_what_each_would_alone_in_as_many_queries_as_one(
    client: TestClient, org: OrgHandle, db: Database
) -> None:
    ids = [
        uuid.UUID(route_in_progress(client, org, f"eta-together-{k}", code=f"TOG-{k}")["id"])
        for k in range(3)
    ]
    now = datetime.now(UTC).replace(microsecond=0)
    counted: dict[int, int] = {}

    def update(session: Session, route_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[StopEta]]:
        """With an engine that remembers nothing: every ETA stored, every road leg read."""
        engine_ = EtaEngine(LearnedEta())
        asked = [service.RouteUpdate(session.get_one(Route, r), HUB, 3.0) for r in route_ids]
        with selects_sent(db.engine) as selects:
            stored = service.update_routes(session, asked, now=now, trigger="fix", engine=engine_)
        counted[len(route_ids)] = len(selects)
        session.rollback()
        return stored

    with db.session() as session:
        first = service.update_routes(
            session,
            [service.RouteUpdate(session.get_one(Route, r), HUB, 3.0) for r in ids],
            now=now,
            trigger="fix",
            engine=EtaEngine(LearnedEta()),
        )
        session.commit()
        alone = {r: update(session, [r])[r] for r in ids}
        together = update(session, ids)
    assert together == alone == first
    assert [len(etas) for etas in together.values()] == [3, 3, 3]
    assert {eta.route_id for etas in together.values() for eta in etas} == set(ids)
    assert counted[len(ids)] == counted[1], "the notices queued already cost as much for three"


def test_a_suspect_position_is_no_origin_when_a_stop_is_completed(
    app: FastAPI, client: TestClient, org: OrgHandle, db: Database
) -> None:
    route = route_in_progress(client, org, "eta-suspect-pos")
    now = datetime.now(UTC).replace(microsecond=0)
    with db.session() as session:
        session.add(
            DriverPosition(
                org_id=org.org_id,
                driver_id=uuid.UUID(route["driver_id"]),
                device_id="eta-suspect-pos",
                at=now - timedelta(seconds=10),
                received_at=now,
                lat=HUB[0] + 1.0,
                lon=HUB[1],
                suspect=True,
            )
        )
        etas = service.recompute_route(
            session,
            org_id=org.org_id,
            route_id=uuid.UUID(route["id"]),
            now=now,
            engine=app.state.eta_engine,
        )
    assert etas == [], "a teleported position and no stop reached: nothing to say"
