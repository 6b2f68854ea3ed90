"""HTTP routes that read shipments and their events (created through `dispatch.intake_views`)."""

import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from lastmile.addresses.deps import GeocoderDep
from lastmile.api.deps import SessionDep, SettingsDep
from lastmile.api.fields import Day
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.audit.types import actor_of
from lastmile.auth.deps import Principal, PrincipalDep, StaffDep
from lastmile.fleet.actor_names import event_actor_names
from lastmile.hubs.access import HubScopeDep
from lastmile.hubs.scope import HubScope
from lastmile.orgsettings.service import get_rules
from lastmile.shipments import service
from lastmile.shipments.correction import correct_shipment
from lastmile.shipments.correction_events import announce_correction
from lastmile.shipments.models import Shipment
from lastmile.shipments.schemas import (
    EventOut,
    ShipmentDetail,
    ShipmentOut,
    ShipmentPage,
    ShipmentPatch,
)
from lastmile.shipments.sorting import read_sort
from lastmile.shipments.status import LABELS, Status
from lastmile.shipments.timeline import events_of

router = APIRouter(prefix="/api/v1/shipments", tags=["shipments"], responses=COMMON_PROBLEMS)


def timeline_out(session: Session, shipment: Shipment) -> list[EventOut]:
    """The timeline in event time order, each actor named as a person reads it."""
    events = events_of(session=session, shipment_id=shipment.id)
    names = event_actor_names(
        session=session, org_id=shipment.org_id, tags=(e.actor for e in events)
    )
    return [EventOut.of(e, actor_name=names[e.actor]) for e in events]


def shipment_detail(session: Session, shipment: Shipment, public_url: str) -> ShipmentDetail:
    """The shipment with its whole timeline, as the API answers it."""
    return ShipmentDetail(
        **ShipmentOut.of(shipment, public_url=public_url).model_dump(),
        status_label=LABELS[shipment.status],
        timeline=timeline_out(session, shipment),
    )


AttentionAlso = Callable[[], ColumnElement[bool]]
"""`app.state.orders_attention`: another reason an order needs attention, as SQL over
`Shipment` (on no route after its day's plan was committed: plans are known only above this
package)."""


def shipment_filter(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    scope: HubScopeDep,
    status_: Annotated[list[Status] | None, Query(alias="status")] = None,
    date_: Annotated[Day | None, Query(alias="date", description="Delivery date")] = None,
    hub_id: uuid.UUID | None = None,
    driver_id: uuid.UUID | None = None,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Tracking number, recipient name or reference"),
    ] = None,
    needs_attention: Annotated[
        bool | None,
        Query(
            description="true: only orders needing attention: an address scored below the"
            " organisation's `address_quality_threshold`, or on no route although the day's"
            " plan is committed; false: only the others (addresses not judged included)"
        ),
    ] = None,
) -> service.ShipmentFilter:
    """The list's filters from the query string, shared by the list and its counts."""
    threshold = None
    also = None
    if needs_attention is not None:
        threshold = get_rules(session=session, org_id=principal.org_id).address_quality_threshold
        attention: AttentionAlso = request.app.state.orders_attention
        also = attention()
    return service.ShipmentFilter(
        statuses=status_ or (),
        delivery_date=date_,
        hub_id=hub_id,
        driver_id=driver_id,
        query=q,
        address_below=threshold if needs_attention else None,
        address_at_least=threshold if needs_attention is False else None,
        attention_also=also,
        scope=scope,
    )


ShipmentFilterDep = Annotated[service.ShipmentFilter, Depends(shipment_filter)]


@router.get("")
def list_shipments(
    session: SessionDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    filters: ShipmentFilterDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=600)] = None,
    sort: Annotated[
        str,
        Query(
            max_length=40,
            description="created, recipient, status, delivery_date or tracking_number;"
            " `-` first for descending. A cursor pages through the order it was given for",
        ),
    ] = "-created",
) -> ShipmentPage:
    key, descending = read_sort(sort)
    rows, next_cursor = service.list_shipments(
        session=session,
        org_id=principal.org_id,
        filters=filters,
        limit=limit,
        cursor=cursor,
        sort=key,
        descending=descending,
    )
    return ShipmentPage(
        items=[ShipmentOut.of(s, public_url=settings.public_url) for s in rows],
        next_cursor=next_cursor,
    )


@router.get("/counts")
def count_shipments(
    session: SessionDep,
    principal: PrincipalDep,
    filters: ShipmentFilterDep,
) -> dict[Status, int]:
    """How many shipments match the same filters as the list, per status (statuses with none
    left out)."""
    return service.count_by_status(session=session, org_id=principal.org_id, filters=filters)


def _visible(
    session: Session, principal: Principal, scope: HubScope, tracking_number: str
) -> Shipment:
    """The shipment, or 404 for one of a hub the caller is not limited to."""
    return service.get_shipment(
        session=session, org_id=principal.org_id, tracking_number=tracking_number, scope=scope
    )


@router.get("/{tracking_number}")
def get_shipment(
    tracking_number: str,
    session: SessionDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    scope: HubScopeDep,
) -> ShipmentDetail:
    shipment = _visible(session, principal, scope, tracking_number)
    return shipment_detail(session, shipment, settings.public_url)


@router.patch("/{tracking_number}")
def correct_shipment_view(
    tracking_number: str,
    body: ShipmentPatch,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: StaffDep,
    scope: HubScopeDep,
    geocoder: GeocoderDep,
) -> ShipmentDetail:
    """Correct a shipment not yet delivered or cancelled (409 naming its status): its address
    text and/or pin, recipient, window, notes. A new text is geocoded and judged again; a pin
    given here is kept, its quality saying who moved it. A planned stop is re-timed and its
    route's ETAs recomputed once committed."""
    _visible(session, principal, scope, tracking_number)
    corrected = correct_shipment(
        session=session,
        org_id=principal.org_id,
        tracking_number=tracking_number,
        patch=body,
        actor=actor_of(principal),
        geocoder=geocoder,
    )
    session.commit()
    if corrected.moved:
        announce_correction(request.app.state.bus, corrected.shipment)
    return shipment_detail(session, corrected.shipment, settings.public_url)


@router.get("/{tracking_number}/events")
def list_events(
    tracking_number: str, session: SessionDep, principal: PrincipalDep, scope: HubScopeDep
) -> list[EventOut]:
    shipment = _visible(session, principal, scope, tracking_number)
    return timeline_out(session, shipment)
