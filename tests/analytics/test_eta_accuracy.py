"""ETA accuracy by lead time, and the feedback score, from stored rows of a driver's day."""

import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.alerts.world import out_on_route
from tests.common import OrgHandle

from lastmile.analytics.eta_accuracy import eta_mae_min
from lastmile.analytics.scorecards import feedback_score
from lastmile.db import Database
from lastmile.dispatch.models import RouteStop
from lastmile.eta.models import EtaPrediction
from lastmile.feedback.models import Feedback

ARRIVED = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


def _prediction(stop: RouteStop, *, before_min: float, off_min: float) -> EtaPrediction:
    eta = ARRIVED + timedelta(minutes=off_min)
    return EtaPrediction(
        org_id=stop.org_id,
        route_id=stop.route_id,
        stop_id=stop.id,
        shipment_id=stop.shipment_id,
        computed_at=ARRIVED - timedelta(minutes=before_min),
        eta=eta,
        window_start=eta - timedelta(minutes=5),
        window_end=eta + timedelta(minutes=5),
        gps_age_s=3.0,
        stops_away=1,
        horizon="1",
        trigger="fix",
        actual_at=ARRIVED,
    )


def test_each_lead_time_scores_the_prediction_standing_then(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    world = out_on_route(client, db, org, day=ARRIVED.date())
    with db.session() as session:
        first, second = session.scalars(
            select(RouteStop)
            .where(RouteStop.route_id == world.route_id)
            .order_by(RouteStop.sequence)
        ).all()
        session.add_all(
            [
                _prediction(first, before_min=60, off_min=10),
                _prediction(first, before_min=30, off_min=-4),
                _prediction(first, before_min=10, off_min=1),
                _prediction(second, before_min=5, off_min=2),
            ]
        )
        session.commit()
        assert eta_mae_min(session, org_id=org.org_id, day=ARRIVED.date()) == {
            10: 1.0,
            30: 4.0,
            60: 10.0,
        }
        driver = uuid.UUID(world.driver_id)
        assert eta_mae_min(
            session, org_id=org.org_id, day=ARRIVED.date(), driver_id=uuid.uuid4()
        ) == {
            10: None,
            30: None,
            60: None,
        }
        for stop, rating in ((first, 4), (second, 2)):
            session.add(
                Feedback(
                    org_id=org.org_id,
                    shipment_id=stop.shipment_id,
                    driver_id=driver,
                    stop_id=stop.id,
                    rating=rating,
                )
            )
        session.commit()
        assert feedback_score(session, org_id=org.org_id, day=ARRIVED.date(), driver_id=driver) == (
            3.0,
            2,
        )
