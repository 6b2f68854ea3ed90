"""`/t/{token}`: the public tracking page of one shipment."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from lastmile.api.deps import SessionDep
from lastmile.shipments import service
from lastmile.shipments.status import LABELS
from lastmile.shipments.timeline import events_of

router = APIRouter(include_in_schema=False)


@router.get("/t/{token}", response_class=HTMLResponse)
def tracking_page(token: str, request: Request, session: SessionDep) -> HTMLResponse:
    templates = request.app.state.templates
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    shipment = service.get_by_token(session=session, token=token) if len(token) <= 64 else None
    if shipment is None:
        return templates.TemplateResponse(  # type: ignore[no-any-return]
            request, "not_found.html", status_code=404, headers=headers
        )
    events = list(reversed(events_of(session=session, shipment_id=shipment.id)))
    return templates.TemplateResponse(  # type: ignore[no-any-return]
        request,
        "tracking.html",
        {"shipment": shipment, "events": events, "labels": LABELS},
        headers=headers,
    )
