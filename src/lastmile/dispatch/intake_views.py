"""HTTP routes that create shipments, one or in bulk, through `intake` so that a new
shipment's notices are queued with it (`shipments` sits below `notify`)."""

from fastapi import APIRouter, Response, status

from lastmile.addresses.deps import GeocoderDep
from lastmile.api.deps import SessionDep, SettingsDep
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.auth.deps import StaffDep
from lastmile.dispatch import intake
from lastmile.hubs.access import HubScopeDep
from lastmile.shipments.schemas import (
    BulkResult,
    BulkShipmentsIn,
    RowError,
    ShipmentCreate,
    ShipmentOut,
)

router = APIRouter(prefix="/api/v1/shipments", tags=["shipments"], responses=COMMON_PROBLEMS)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": ShipmentOut, "description": "A shipment with this reference exists"}},
)
def create_shipment(
    body: ShipmentCreate,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    principal: StaffDep,
    geocoder: GeocoderDep,
    scope: HubScopeDep,
) -> ShipmentOut:
    shipment, created = intake.create_shipment(
        session=session,
        org_id=principal.org_id,
        data=body,
        actor=principal.actor,
        geocoder=geocoder,
        scope=scope,
    )
    session.commit()
    if not created:
        response.status_code = status.HTTP_200_OK
    return ShipmentOut.of(shipment, public_url=settings.public_url)


@router.post("/bulk")
def bulk_create(
    body: BulkShipmentsIn,
    session: SessionDep,
    settings: SettingsDep,
    principal: StaffDep,
    geocoder: GeocoderDep,
    scope: HubScopeDep,
) -> BulkResult:
    """Valid rows are created even when others fail; each failure names its row and field."""
    outcome = intake.bulk_create(
        session=session,
        org_id=principal.org_id,
        rows=body.shipments,
        actor=principal.actor,
        geocoder=geocoder,
        scope=scope,
    )
    session.commit()
    return BulkResult(
        created=outcome.created,
        existing=outcome.existing,
        failed=len({index for index, _ in outcome.errors}),
        shipments=[ShipmentOut.of(s, public_url=settings.public_url) for s in outcome.shipments],
        errors=[RowError(index=i, field=e.field, message=e.message) for i, e in outcome.errors],
    )
