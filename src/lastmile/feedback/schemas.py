"""API shapes of feedback as the dispatcher reads it."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class FeedbackOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    shipment_id: uuid.UUID
    tracking_number: str
    driver_id: uuid.UUID | None
    stop_id: uuid.UUID | None
    rating: int
    tags: list[str]
    comment: str | None
    created_at: datetime


class FeedbackPage(BaseModel):
    items: list[FeedbackOut]
    average_rating: float | None
