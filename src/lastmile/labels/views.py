"""HTTP routes for labels, manifests and scanning parcels at the hub (dispatchers and admins
of the organisation)."""

import uuid
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from lastmile.api.deps import NowDep, SessionDep, SettingsDep
from lastmile.api.fields import Day
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.auth.deps import StaffDep
from lastmile.hubs.access import HubScopeDep
from lastmile.labels import content, label_pdf, loading, manifest_pdf, zpl
from lastmile.labels.label_pdf import LabelSize
from lastmile.labels.schemas import HubRouteOut, LoadStateOut, ScanIn, ScanOut

router = APIRouter(tags=["labels"], responses=COMMON_PROBLEMS)


class LabelFormat(StrEnum):
    PDF = "pdf"
    ZPL = "zpl"


FormatQuery = Annotated[
    LabelFormat, Query(alias="format", description="`pdf` to print on paper, `zpl` for Zebra")
]
SizeQuery = Annotated[LabelSize, Query(description="`a6` (105 x 148 mm) or `4x6` inches")]
_DOCUMENTS: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"application/pdf": {}, "text/plain": {}},
        "description": "The labels: a PDF, or ZPL text",
    }
}


def _labels_response(
    labels: list[content.Label], kind: LabelFormat, size: LabelSize, name: str
) -> Response:
    if kind is LabelFormat.ZPL:
        return Response(
            zpl.render(labels, size),
            media_type="text/plain; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.zpl"'},
        )
    return Response(
        label_pdf.render(labels, size),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}.pdf"'},
    )


@router.get("/api/v1/shipments/{tracking_number}/label", responses=_DOCUMENTS)
def shipment_label(
    tracking_number: str,
    session: SessionDep,
    settings: SettingsDep,
    principal: StaffDep,
    scope: HubScopeDep,
    kind: FormatQuery = LabelFormat.PDF,
    size: SizeQuery = LabelSize.A6,
) -> Response:
    """The shipment's labels, one per parcel, with its route and stop once planned."""
    labels = content.shipment_labels(
        session=session,
        org_id=principal.org_id,
        tracking_number=tracking_number,
        public_url=settings.public_url,
        scope=scope,
    )
    return _labels_response(labels, kind, size, f"label-{labels[0].tracking_number}")


@router.get("/api/v1/routes/{route_id}/labels", responses=_DOCUMENTS)
def route_labels(
    route_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    principal: StaffDep,
    scope: HubScopeDep,
    kind: FormatQuery = LabelFormat.PDF,
    size: SizeQuery = LabelSize.A6,
) -> Response:
    """Every parcel's label of the route, in stop order."""
    labels = content.route_labels(
        session=session,
        org_id=principal.org_id,
        route_id=route_id,
        public_url=settings.public_url,
        scope=scope,
    )
    return _labels_response(labels, kind, size, f"labels-route-{route_id}")


@router.get(
    "/api/v1/routes/{route_id}/manifest.pdf",
    responses={200: {"content": {"application/pdf": {}}, "description": "The manifest"}},
)
def route_manifest(
    route_id: uuid.UUID, session: SessionDep, principal: StaffDep, scope: HubScopeDep
) -> Response:
    """The driver's list of stops in order, with parcels, cash to collect and signatures."""
    manifest = content.route_manifest(
        session=session, org_id=principal.org_id, route_id=route_id, scope=scope
    )
    return Response(
        manifest_pdf.render(manifest),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="manifest-route-{route_id}.pdf"'},
    )


@router.post("/api/v1/hubs/{hub_id}/scans")
def scan(
    hub_id: uuid.UUID,
    body: ScanIn,
    session: SessionDep,
    principal: StaffDep,
    scope: HubScopeDep,
    now: NowDep,
) -> ScanOut:
    """One parcel scanned in at the hub (`at_hub`) or onto a route's van (`loaded`): the
    event joins its timeline. Scanning it again answers 200 saying so (`already_…`); an
    unknown code is 404, a parcel of another hub or route, or already gone, 409."""
    scanned = loading.scan(
        session=session,
        org_id=principal.org_id,
        hub_id=hub_id,
        code=body.code,
        action=body.action,
        route_id=body.route_id,
        actor=principal.actor,
        now=now,
        scope=scope,
    )
    answer = ScanOut.of(scanned)
    session.commit()
    return answer


@router.get("/api/v1/hubs/{hub_id}/loading")
def hub_loading(
    hub_id: uuid.UUID,
    session: SessionDep,
    principal: StaffDep,
    scope: HubScopeDep,
    now: NowDep,
    day: Annotated[Day | None, Query(alias="date")] = None,
) -> list[HubRouteOut]:
    """The hub's routes of the day (today at the hub by default) and how much is loaded."""
    found = loading.hub_routes(
        session=session, org_id=principal.org_id, hub_id=hub_id, day=day, now=now, scope=scope
    )
    return [HubRouteOut.of(item) for item in found]


@router.get("/api/v1/routes/{route_id}/load")
def route_load(
    route_id: uuid.UUID, session: SessionDep, principal: StaffDep, scope: HubScopeDep
) -> LoadStateOut:
    """The route's parcels loaded and still missing, in stop order."""
    state = loading.load_state(
        session=session, org_id=principal.org_id, route_id=route_id, scope=scope
    )
    return LoadStateOut.of(state)
