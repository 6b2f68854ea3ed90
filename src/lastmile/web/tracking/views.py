"""`/t/{token}`: the public tracking page of one shipment and its no-JavaScript forms."""

import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from lastmile.api.deps import SessionDep, SettingsDep
from lastmile.config import Settings
from lastmile.db import utcnow
from lastmile.errors import Conflict, InvalidInput, NotFound
from lastmile.feedback import service as feedback
from lastmile.orgsettings.service import get_logo
from lastmile.pod import current as pod
from lastmile.routing import roads
from lastmile.routing.tiles import BBox
from lastmile.shipments.correction import Corrected
from lastmile.shipments.correction_events import publish_correction
from lastmile.shipments.status import Status
from lastmile.web.map_views import roads_response
from lastmile.web.security import page_csp
from lastmile.web.tracking import access, actions, door
from lastmile.web.tracking.access import Refusal, Tracked
from lastmile.web.tracking.driver import live_map
from lastmile.web.tracking.forms import FIELD, is_valid
from lastmile.web.tracking.map_area import around, clip, visible_area
from lastmile.web.tracking.page import FormState, hub_days, page_context

router = APIRouter(include_in_schema=False)

PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
NOTICES = {
    "instructions": "Thank you: your delivery instructions are saved.",
    "reschedule": "Thank you: your new delivery day is saved.",
    "feedback": "Thank you for your feedback.",
    "door": "Thank you: the driver will come to that pin.",
}


def _refused(request: Request, refusal: Refusal) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(  # type: ignore[no-any-return]
        request,
        "tracking_not_found.html",
        {"expired": refusal is Refusal.EXPIRED},
        status_code=404,
        headers=PRIVATE,
    )


def _render(
    request: Request,
    *,
    session: Session,
    settings: Settings,
    token: str,
    tracked: Tracked,
    status_code: int = 200,
    state: FormState | None = None,
) -> HTMLResponse:
    notice = NOTICES.get(request.query_params.get("saved", ""))
    context = page_context(
        session=session,
        tracked=tracked,
        token=token,
        settings=settings,
        now=utcnow(),
        geocoder=request.app.state.geocoders.for_session(session),
        state=state,
        notice=notice,
    )
    headers = {**PRIVATE, "Content-Security-Policy": page_csp(settings)}
    return request.app.state.templates.TemplateResponse(  # type: ignore[no-any-return]
        request, "tracking.html", context, status_code=status_code, headers=headers
    )


@router.get("/t/{token}", response_class=HTMLResponse)
def tracking_page(
    token: str, request: Request, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    started = time.perf_counter()
    found = access.find(session=session, token=token, now=utcnow())
    if isinstance(found, Refusal):
        return _refused(request, found)
    page = _render(request, session=session, settings=settings, token=token, tracked=found)
    page.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    return page


async def _submit(
    request: Request,
    *,
    token: str,
    form_name: str,
    session: Session,
    settings: Settings,
    apply: Callable[[Tracked, dict[str, str]], None],
) -> Response:
    """Read the form here; check, apply and answer in a worker thread (the database blocks)."""
    raw = await request.form()
    values = {key: str(value) for key, value in raw.multi_items() if isinstance(value, str)}
    values["tags"] = "\n".join(str(value) for value in raw.getlist("tags"))
    return await run_in_threadpool(
        _apply_form,
        request,
        token=token,
        form_name=form_name,
        values=values,
        session=session,
        settings=settings,
        apply=apply,
    )


def _apply_form(
    request: Request,
    *,
    token: str,
    form_name: str,
    values: dict[str, str],
    session: Session,
    settings: Settings,
    apply: Callable[[Tracked, dict[str, str]], None],
) -> Response:
    """Check the link and the form secret, apply the change, then redirect (or re-render)."""
    found = access.find(session=session, token=token, now=utcnow())
    if isinstance(found, Refusal):
        return _refused(request, found)
    secret = settings.secret_key.get_secret_value()
    state: FormState | None = None
    status_code = 303
    if not is_valid(secret_key=secret, token=token, sent=values.get(FIELD, "")):
        state = FormState(form_name, problem="This form has expired: reload the page, try again.")
        status_code = 403
    else:
        try:
            apply(found, values)
        except InvalidInput as error:
            session.rollback()
            message = error.errors[0].message
            state = FormState(form_name, errors={error.field: message}, values=values)
            status_code = 422
        except Conflict as error:
            session.rollback()
            state = FormState(form_name, problem=error.detail, values=values)
            status_code = 409
    if state is not None:
        return _render(
            request,
            session=session,
            settings=settings,
            token=token,
            tracked=found,
            status_code=status_code,
            state=state,
        )
    session.commit()
    return RedirectResponse(f"/t/{token}?saved={form_name}#{form_name}", status_code=303)


@router.post("/t/{token}/instructions")
async def save_instructions(
    token: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    def apply(tracked: Tracked, values: dict[str, str]) -> None:
        actions.set_instructions(
            session=session,
            shipment=tracked.shipment,
            safe_place=values.get("safe_place", ""),
            instructions=values.get("instructions", ""),
        )

    return await _submit(
        request,
        token=token,
        form_name="instructions",
        session=session,
        settings=settings,
        apply=apply,
    )


@router.post("/t/{token}/reschedule")
async def reschedule(
    token: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    def apply(tracked: Tracked, values: dict[str, str]) -> None:
        actions.reschedule(
            session=session,
            shipment=tracked.shipment,
            rules=tracked.rules,
            hub=hub_days(session, tracked),
            day=values.get("date", ""),
            window=values.get("window", ""),
            now=utcnow(),
        )

    return await _submit(
        request,
        token=token,
        form_name="reschedule",
        session=session,
        settings=settings,
        apply=apply,
    )


@router.post("/t/{token}/door/confirm")
async def confirm_door(
    token: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """ "Yes, this is my door": the pin stays, its quality says the customer confirmed it."""

    def apply(tracked: Tracked, values: dict[str, str]) -> None:
        door.confirm_door(session=session, shipment=tracked.shipment, rules=tracked.rules)

    return await _submit(
        request, token=token, form_name="door", session=session, settings=settings, apply=apply
    )


@router.post("/t/{token}/door/move")
async def move_door(
    token: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """The pin where the customer dropped it (within `door.MAX_MOVE_M` of their address); the
    shipment's planned stop is re-timed once committed."""
    moved: list[Corrected] = []

    def apply(tracked: Tracked, values: dict[str, str]) -> None:
        moved.append(
            door.move_door(
                session=session,
                shipment=tracked.shipment,
                rules=tracked.rules,
                lat=values.get("lat", ""),
                lon=values.get("lon", ""),
                geocoder=request.app.state.geocoders.for_session(session),
            )
        )

    response = await _submit(
        request, token=token, form_name="door", session=session, settings=settings, apply=apply
    )
    if response.status_code == 303 and moved and moved[0].moved:
        await publish_correction(request.app.state.bus, moved[0].shipment)
    return response


def _rating(values: dict[str, Any]) -> int:
    raw = values.get("rating", "")
    if not raw:
        raise InvalidInput("rating", "choose 1 to 5 stars")
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput("rating", f"{raw!r} is not a number of stars") from None


@router.post("/t/{token}/feedback")
async def give_feedback(
    token: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    def apply(tracked: Tracked, values: dict[str, str]) -> None:
        feedback.record_feedback(
            session=session,
            shipment=tracked.shipment,
            data=feedback.FeedbackInput(
                rating=_rating(values),
                tags=[t for t in values.get("tags", "").split("\n") if t],
                comment=values.get("comment"),
            ),
            allowed_tags=tracked.rules.feedback_tags,
        )

    return await _submit(
        request,
        token=token,
        form_name="feedback",
        session=session,
        settings=settings,
        apply=apply,
    )


def _not_found() -> Response:
    return Response(status_code=404, headers=PRIVATE)


def _image_type(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "image/jpeg"


@router.get("/t/{token}/proof/{number}")
def proof_photo(token: str, number: int, session: SessionDep, settings: SettingsDep) -> Response:
    """The n-th proof-of-delivery photo (from 1) of this link's shipment only."""
    found = access.find(session=session, token=token, now=utcnow())
    if isinstance(found, Refusal) or found.shipment.status is not Status.DELIVERED:
        return _not_found()
    shipment = found.shipment
    proof = pod.delivery_proof(session, org_id=shipment.org_id, shipment_id=shipment.id)
    if proof is None or not 1 <= number <= len(proof.photo_keys):
        return _not_found()
    try:
        data = pod.read_photo(settings, proof.photo_keys[number - 1])
    except FileNotFoundError:
        return _not_found()
    return Response(data, media_type=_image_type(data), headers=PRIVATE)


@router.get("/t/{token}/logo")
def logo(token: str, session: SessionDep) -> Response:
    found = access.find(session=session, token=token, now=utcnow())
    if isinstance(found, Refusal):
        return _not_found()
    stored = get_logo(session=session, org_id=found.shipment.org_id)
    if stored is None:
        return _not_found()
    image, content_type = stored
    return Response(image, media_type=content_type, headers={"Cache-Control": "max-age=3600"})


def _map_area(session: Session, token: str) -> BBox:
    found = access.find(session=session, token=token, now=utcnow())
    if isinstance(found, Refusal):
        raise NotFound("this tracking link is unknown or has expired")
    live = live_map(session=session, shipment=found.shipment, rules=found.rules)
    area = visible_area(live) if live is not None else None
    shipment = found.shipment
    may_move = found.rules.customer_can_move_pin and shipment.status in door.BEFORE_DISPATCH
    if area is None and may_move and shipment.lat is not None and shipment.lon is not None:
        area = around((shipment.lat, shipment.lon))  # the "Is this your door?" map
    if area is None:
        raise NotFound("this delivery's map is not shown now")
    return area


@router.get("/t/{token}/roads")
async def tracking_roads(
    token: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    bbox: Annotated[str, Query(max_length=200)],
    zoom: Annotated[int, Query(ge=0, le=22)] = 15,
) -> Response:
    """Our road layer for this link's map, cut to the area around what the map shows."""
    asked = roads.parse_bbox(bbox)
    area = await run_in_threadpool(_map_area, session, token)
    return await roads_response(request, settings, clip(asked, area), zoom)
