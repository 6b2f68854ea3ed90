"""Everything the tracking page template shows, gathered for one link."""

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.addresses.types import Geocoder
from lastmile.auth.models import Organization
from lastmile.config import Settings
from lastmile.contact.models import Party
from lastmile.contact.schemas import ThreadOut
from lastmile.contact.service import shown, thread
from lastmile.contact.window import thread_state
from lastmile.dispatch.unplanned import awaiting_route
from lastmile.feedback.service import feedback_of
from lastmile.hubs.models import Hub
from lastmile.notify.vapid import load_keys
from lastmile.orgsettings.driver_app import read_settings
from lastmile.pod import current as pod
from lastmile.shipments.status import LABELS, Status
from lastmile.web.tracking import actions
from lastmile.web.tracking.access import Tracked, closed_at
from lastmile.web.tracking.branding import text_on
from lastmile.web.tracking.door import door_step
from lastmile.web.tracking.driver import LiveMap, driver_card, live_map
from lastmile.web.tracking.eta import shipment_eta
from lastmile.web.tracking.forms import form_secret
from lastmile.web.tracking.history import customer_history, reason_labels
from lastmile.web.tracking.wording import stops_away_note, stops_before


@dataclass
class FormState:
    """A form sent back with its errors (field → message) and the values the user typed."""

    form: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    problem: str | None = None


def hub_days(session: Session, tracked: Tracked) -> actions.HubDays:
    """The shipment's hub's clock and opening hours; without a hub, the organisation's clock
    and every day."""
    shipment = tracked.shipment
    if shipment.hub_id is not None:
        hub = session.scalar(
            select(Hub).where(Hub.org_id == shipment.org_id, Hub.id == shipment.hub_id)
        )
        if hub is not None:
            opening = hub.opening_hours or {}
            hours = tuple(
                (day, start, end) for day, spans in opening.items() for start, end in spans
            )
            return actions.HubDays(zone=ZoneInfo(hub.timezone), hours=hours)
    return actions.HubDays(zone=tracked.rules.zone)


def map_data(live: LiveMap, settings: Settings) -> str:
    """The map's JSON island: this driver, the road to this stop, this stop, nothing else."""
    data: dict[str, Any] = {
        "stops_away": live.stops_away,
        "destination": live.destination,
        "road": [[round(lat, 6), round(lon, 6)] for lat, lon in live.road],
        "position": None,
        "tiles": settings.map_tile_url,
        "attribution": settings.map_tile_attribution,
    }
    if live.position is not None:
        data["position"] = {
            "lat": live.position.lat,
            "lon": live.position.lon,
            "at": live.position.at.isoformat(),
            "heading_deg": live.position.heading_deg,
        }
    return json.dumps(data).replace("<", "\\u003c")


def page_context(
    *,
    session: Session,
    tracked: Tracked,
    token: str,
    settings: Settings,
    now: datetime,
    geocoder: Geocoder,
    state: FormState | None = None,
    notice: str | None = None,
) -> dict[str, Any]:
    shipment, rules = tracked.shipment, tracked.rules
    days = hub_days(session, tracked)
    zone = days.zone
    org = session.get(Organization, shipment.org_id)
    live = live_map(session=session, shipment=shipment, rules=rules)
    delivered = shipment.status is Status.DELIVERED
    proof = (
        pod.delivery_proof(session, org_id=shipment.org_id, shipment_id=shipment.id)
        if delivered
        else None
    )
    eta = shipment_eta(session=session, shipment=shipment, zone=zone)
    # One count of the stops ahead for the driver box and the ETA note: the route's open
    # stops when the map shows the driver, else the ETA's.
    stops_away = live.stops_away if live is not None else (eta.stops_away if eta else None)
    logo = f"/t/{token}/logo" if rules.has_logo_image else rules.logo_url
    open_ = shipment.status not in (Status.DELIVERED, Status.CANCELLED)
    return {
        "arranging": awaiting_route(session=session, shipment=shipment),
        "token": token,
        "shipment": shipment,
        "status": shipment.status,
        "labels": LABELS,
        "events": customer_history(
            tracked.events, reason_labels(read_settings(session=session, org_id=shipment.org_id))
        ),
        "local": lambda moment: moment.astimezone(zone),
        "zone_name": str(zone),
        "org_name": org.name if org is not None else "",
        "brand": {"color": rules.brand_color, "text": text_on(rules.brand_color), "logo": logo},
        "eta": eta,
        "stops_away": stops_away,
        "driver": driver_card(session=session, shipment=shipment),
        "live": live,
        "stops_before": stops_before,
        "stops_away_note": stops_away_note,
        "door": door_step(shipment, rules, geocoder) if live is None else None,
        "map_tiles": settings.map_tile_url or "",
        "map_json": map_data(live, settings) if live is not None else None,
        "delivery_code": (
            None
            if delivered
            else pod.delivery_code(session, org_id=shipment.org_id, shipment_id=shipment.id)
        ),
        "can_edit_instructions": actions.may_edit_instructions(shipment),
        "safe_places": actions.SAFE_PLACES,
        "reschedule_refusal": actions.reschedule_refusal(shipment),
        "reschedule_days": actions.reschedule_days(rules, now, days),
        "proof": proof,
        "delivered_at": closed_at(shipment, tracked.events) if delivered else None,
        "feedback": feedback_of(session=session, shipment=shipment) if delivered else None,
        "feedback_tags": rules.feedback_tags,
        "form_secret": form_secret(secret_key=settings.secret_key.get_secret_value(), token=token),
        "state": state or FormState(),
        "notice": notice,
        "live_updates": open_,
        "push_key": load_keys(settings).public_key if open_ else None,
        "thread": ThreadOut.of(
            thread_state(shipment, tracked.events, now),
            [shown(m, Party.CUSTOMER) for m in thread(session=session, shipment=shipment)],
        ),
    }
