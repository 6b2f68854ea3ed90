"""`GET /api/v1/feedback`: customers' ratings for dispatchers."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from lastmile.api.deps import SessionDep
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.auth.deps import StaffDep
from lastmile.feedback import service
from lastmile.feedback.schemas import FeedbackOut, FeedbackPage

router = APIRouter(responses=COMMON_PROBLEMS, tags=["feedback"])


@router.get("/api/v1/feedback")
def list_feedback(
    session: SessionDep,
    principal: StaffDep,
    driver_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> FeedbackPage:
    """Newest first; `driver_id` narrows to one driver's deliveries."""
    rows = service.list_feedback(
        session=session, org_id=principal.org_id, driver_id=driver_id, limit=limit
    )
    items = [
        FeedbackOut(
            id=row.id,
            shipment_id=row.shipment_id,
            tracking_number=number,
            driver_id=row.driver_id,
            stop_id=row.stop_id,
            rating=row.rating,
            tags=row.tags,
            comment=row.comment,
            created_at=row.created_at,
        )
        for row, number in rows
    ]
    average = sum(i.rating for i in items) / len(items) if items else None
    return FeedbackPage(items=items, average_rating=average)
