"""The driver's route as the app shows it: stops with parcels, proofs, COD and geofence."""

from collections.abc import Sequence

from sqlalchemy.orm import Session

from lastmile.addresses.access_notes import EarlierNote, earlier_notes
from lastmile.dispatch.models import Route, RouteStop, StopStatus
from lastmile.dispatch.service import route_stops
from lastmile.driver.schemas import (
    CodeCheckOut,
    CodOut,
    CollectedOut,
    EarlierNoteOut,
    ParcelOut,
    ProgressOut,
    RouteOut,
    StopOut,
)
from lastmile.eta.current import latest_etas
from lastmile.geo import haversine_m
from lastmile.hubs.models import Hub
from lastmile.orgsettings.driver_app import DriverAppSettings
from lastmile.payments.service import paid_stop_ids
from lastmile.pod import service as pod
from lastmile.shipments.models import Shipment
from lastmile.types import StopEta

LatLon = tuple[float, float]


def _stop_out(
    stop: RouteStop,
    shipment: Shipment,
    status: pod.ProofStatus,
    paid: bool,
    eta: StopEta | None,
    settings: DriverAppSettings,
    geofence_m: float,
    here: LatLon | None,
    notes: Sequence[EarlierNote],
    check: pod.CodeCheck | None,
) -> StopOut:
    cod = None
    if shipment.cod_amount is not None and shipment.cod_currency is not None:
        cod = CodOut(amount=shipment.cod_amount, currency=shipment.cod_currency, paid=paid)
    lacking = pod.missing(settings.proof_rules, status, shipment)
    if cod is not None and not paid:
        lacking.append("payment")
    distance = None
    if here is not None and shipment.lat is not None and shipment.lon is not None:
        distance = haversine_m(here[0], here[1], shipment.lat, shipment.lon)
    return StopOut(
        id=stop.id,
        sequence=stop.sequence,
        status=stop.status,
        shipment_id=shipment.id,
        tracking_number=shipment.tracking_number,
        recipient_name=shipment.recipient_name,
        recipient_phone=shipment.recipient_phone,
        address=shipment.address_text,
        lat=shipment.lat,
        lon=shipment.lon,
        window_start=shipment.window_start,
        window_end=shipment.window_end,
        planned_arrival=stop.planned_arrival,
        eta=None if eta is None else eta.eta,
        eta_window_start=None if eta is None else eta.window_start,
        eta_window_end=None if eta is None else eta.window_end,
        instructions=shipment.instructions,
        parcels=[
            ParcelOut(barcode=b, scanned=b in status.scanned) for b in pod.parcel_barcodes(shipment)
        ],
        cod=cod,
        proof_rules=settings.proof_rules,
        collected=CollectedOut(
            photos=status.photos,
            signature=status.signature,
            recipient_name=status.recipient_name,
            code_verified=status.code_verified,
        ),
        code_check=None
        if check is None or not settings.proof_rules.code
        else CodeCheckOut(
            salt_hex=check.salt_hex, iterations=check.iterations, pbkdf2_hex=check.pbkdf2_hex
        ),
        missing=lacking,
        arrived_at=stop.arrived_at,
        finished_at=stop.finished_at,
        failure_reason=stop.failure_reason,
        distance_m=None if distance is None else round(distance, 1),
        inside_geofence=None if distance is None else distance <= geofence_m,
        earlier_notes=[
            EarlierNoteOut(note=n.note, at=n.at) for n in notes if n.shipment_id != shipment.id
        ],
    )


def stops_out(
    *,
    session: Session,
    stops: Sequence[tuple[RouteStop, Shipment]],
    settings: DriverAppSettings,
    geofence_m: float,
    here: LatLon | None,
    hide_phone: bool = False,
) -> list[StopOut]:
    """The stops as the app shows them; `hide_phone` when calls go through the server (masked
    calls), so that the customer's number never reaches the driver's phone."""
    if not stops:
        return []
    ids = [stop.id for stop, _ in stops]
    proofs = pod.proofs_of(session=session, stop_ids=ids)
    paid = paid_stop_ids(session=session, stop_ids=ids)
    checks = pod.code_checks(session=session, stop_ids=ids)
    open_ids = [stop.id for stop, _ in stops if stop.status is StopStatus.PENDING]
    org_id = stops[0][0].org_id
    etas = latest_etas(session, org_id=org_id, stop_ids=open_ids) if open_ids else {}
    notes = earlier_notes(
        session=session, org_id=org_id, texts={shipment.address_text for _, shipment in stops}
    )
    shown = [
        _stop_out(
            stop,
            shipment,
            pod.status_of(proofs.get(stop.id, [])),
            stop.id in paid,
            etas.get(stop.id),
            settings,
            geofence_m,
            here,
            notes.get(shipment.address_text, ()),
            checks.get(stop.id),
        )
        for stop, shipment in stops
    ]
    if hide_phone:
        return [stop.model_copy(update={"recipient_phone": None}) for stop in shown]
    return shown


def route_out(
    *,
    session: Session,
    route: Route,
    settings: DriverAppSettings,
    geofence_m: float,
    here: LatLon | None = None,
    hide_phone: bool = False,
) -> RouteOut:
    stops = route_stops(session=session, route=route)
    shown = stops_out(
        session=session,
        stops=stops,
        settings=settings,
        geofence_m=geofence_m,
        here=here,
        hide_phone=hide_phone,
    )
    open_stops = [s for s in shown if s.status in (StopStatus.PENDING, StopStatus.ARRIVED)]
    return RouteOut(
        id=route.id,
        date=route.date,
        status=route.status,
        started_at=route.started_at,
        planned_start=route.planned_start,
        planned_end=route.planned_end,
        distance_m=route.distance_m,
        duration_s=route.duration_s,
        polyline6=route.polyline6,
        geofence_m=geofence_m,
        timezone=_hub_zone(session, route),
        progress=ProgressOut(
            total=len(shown),
            delivered=sum(s.status is StopStatus.COMPLETED for s in shown),
            failed=sum(s.status is StopStatus.FAILED for s in shown),
            remaining=len(open_stops),
        ),
        next_stop_id=open_stops[0].id if open_stops else None,
        stops=shown,
    )


def _hub_zone(session: Session, route: Route) -> str:
    return session.get_one(Hub, route.hub_id).timezone
