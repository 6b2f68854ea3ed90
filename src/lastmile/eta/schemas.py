"""API shapes: a route's remaining stops with their latest ETA and window."""

import uuid
from datetime import datetime

from pydantic import BaseModel


class StopEtaOut(BaseModel):
    stop_id: uuid.UUID
    shipment_id: uuid.UUID
    sequence: int
    status: str
    eta: datetime | None
    window_start: datetime | None
    window_end: datetime | None
    stops_away: int | None
    computed_at: datetime | None
    gps_age_s: float | None


class RouteEtasOut(BaseModel):
    route_id: uuid.UUID
    status: str
    stops: list[StopEtaOut]
