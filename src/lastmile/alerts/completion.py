"""Detectors run when a stop is completed or failed: proof far from the address, or a driver's
track that was elsewhere at that moment. Called by the driver workflow in its own transaction."""

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.alerts import service
from lastmile.alerts.detectors.proof import check_proof_distance, check_track_at_completion
from lastmile.alerts.live import alert_message
from lastmile.alerts.service import Subject
from lastmile.ingest.models import QUALITY_OK, fixes
from lastmile.shipments.models import Shipment

TRACK_SEARCH = timedelta(minutes=3)


def track_position_at(
    session: Session, *, driver_id: uuid.UUID, at: datetime
) -> tuple[float, float] | None:
    """The driver's accepted fix nearest in time to `at`, within three minutes either side;
    suspect fixes (a teleported track not trusted again yet) are no evidence of where the
    driver was."""
    rows = session.execute(
        select(
            fixes.c.at, fixes.c.smoothed_lat, fixes.c.smoothed_lon, fixes.c.lat, fixes.c.lon
        ).where(
            fixes.c.driver_id == driver_id,
            fixes.c.at.between(at - TRACK_SEARCH, at + TRACK_SEARCH),
            fixes.c.quality == QUALITY_OK,
            fixes.c.suspect.is_(False),
        )
    ).all()
    if not rows:
        return None
    nearest = min(rows, key=lambda row: abs((row.at - at).total_seconds()))
    if nearest.smoothed_lat is not None and nearest.smoothed_lon is not None:
        return nearest.smoothed_lat, nearest.smoothed_lon
    return nearest.lat, nearest.lon


def stop_completed(
    session: Session,
    *,
    org_id: uuid.UUID,
    driver_id: uuid.UUID,
    route_id: uuid.UUID | None,
    stop_id: uuid.UUID,
    shipment: Shipment,
    at: datetime,
    proof_position: tuple[float, float] | None,
) -> list[dict[str, Any]]:
    """Raise what the completion deserves; returns messages to publish once committed."""
    if shipment.lat is None or shipment.lon is None:
        return []
    thresholds = service.thresholds_for(session, org_id=org_id)
    address = (shipment.lat, shipment.lon)
    track = track_position_at(session, driver_id=driver_id, at=at)
    signals = [
        signal
        for signal in (
            check_proof_distance(
                stop_id=str(stop_id),
                at=at,
                address=address,
                proof_position=proof_position,
                thresholds=thresholds,
            ),
            check_track_at_completion(
                stop_id=str(stop_id),
                at=at,
                address=address,
                track_position=track,
                thresholds=thresholds,
            ),
        )
        if signal is not None
    ]
    subject = Subject(driver_id=driver_id, route_id=route_id, shipment_id=shipment.id)
    changed = service.apply_signals(session, org_id=org_id, signals=signals, subject=subject)
    return [alert_message(alert) for alert in changed]
