"""HTTP routes: the driver app sends proofs of delivery (photo, signature, name, code, scan)."""

import uuid
from collections.abc import Callable, Sequence
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from lastmile.alerts.code_refused import delivery_code_refused
from lastmile.api.deps import SessionDep, SettingsDep
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.dispatch.models import RouteStop
from lastmile.driver import workflow
from lastmile.driver.action_views import apply_once
from lastmile.driver.schemas import ActionIn, CodeIn, RecipientNameIn, ScanIn
from lastmile.driver_auth.deps import DriverDep, DriverPrincipal
from lastmile.errors import InvalidInput, field_errors
from lastmile.pod import service
from lastmile.pod.models import Proof, ProofKind
from lastmile.pod.schemas import ProofOut
from lastmile.pod.stores import open_blob_store
from lastmile.shipments.models import Shipment

router = APIRouter(tags=["proof of delivery"], responses=COMMON_PROBLEMS)


def _stamp(action: ActionIn) -> service.Stamp:
    position = action.position
    if position is None:
        return service.Stamp(at=action.at)
    return service.Stamp(
        at=action.at, lat=position.lat, lon=position.lon, accuracy_m=position.accuracy_m
    )


def _action_from_form(action: str) -> ActionIn:
    try:
        return ActionIn.model_validate_json(action)
    except ValidationError as error:
        found = field_errors(error.errors())
        first = found[0] if found else None
        field = f"action.{first.field}" if first else "action"
        raise InvalidInput(field, first.message if first else "is not valid JSON") from None


Record = Callable[[RouteStop, Shipment], Proof]
"""Store one proof of the given stop (the stop is open: checked before)."""


def _record_proof(
    *,
    session: Session,
    driver: DriverPrincipal,
    stop_id: uuid.UUID,
    action: ActionIn,
    kind: str,
    record: Record,
    blobs: Sequence[bytes] = (),
) -> JSONResponse:
    """One proof, once per action id, for an open stop of the signed-in driver's route."""
    stop, shipment, route = workflow.driver_stop(
        session=session, org_id=driver.org_id, driver_id=driver.driver_id, stop_id=stop_id
    )

    def apply() -> ProofOut:
        workflow.open_stop(stop=stop, route=route)
        return ProofOut.of(record(stop, shipment))

    return apply_once(
        session=session,
        driver=driver,
        action=action,
        kind=f"proof.{kind}",
        target=str(stop_id),
        apply=apply,
        blobs=blobs,
        status_code=201,
    )


@router.post("/api/v1/driver/stops/{stop_id}/images", status_code=201, response_model=ProofOut)
def add_image(
    stop_id: uuid.UUID,
    driver: DriverDep,
    session: SessionDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="JPEG, PNG or WebP; a signature is a PNG")],
    action: Annotated[str, Form(description='JSON: {"action_id", "at", "position"}')],
    kind: Annotated[ProofKind, Form()] = ProofKind.PHOTO,
) -> JSONResponse:
    """A photo or the signature drawn on the canvas, multipart; downscale on the phone first."""
    parsed = _action_from_form(action)
    data = file.file.read(settings.pod_max_photo_bytes + 1)
    return _record_proof(
        session=session,
        driver=driver,
        stop_id=stop_id,
        action=parsed,
        kind=kind.value,
        blobs=[data],
        record=lambda stop, _: service.add_image(
            session=session,
            store=open_blob_store(settings),
            stop=stop,
            driver_id=driver.driver_id,
            kind=kind,
            data=data,
            max_bytes=settings.pod_max_photo_bytes,
            stamp=_stamp(parsed),
        ),
    )


@router.post("/api/v1/driver/stops/{stop_id}/recipient", status_code=201, response_model=ProofOut)
def add_recipient(
    stop_id: uuid.UUID, body: RecipientNameIn, driver: DriverDep, session: SessionDep
) -> JSONResponse:
    return _record_proof(
        session=session,
        driver=driver,
        stop_id=stop_id,
        action=body,
        kind="recipient_name",
        record=lambda stop, _: service.add_recipient_name(
            session=session,
            stop=stop,
            driver_id=driver.driver_id,
            name=body.name,
            stamp=_stamp(body),
        ),
    )


@router.post("/api/v1/driver/stops/{stop_id}/code", status_code=201, response_model=ProofOut)
def check_code(
    stop_id: uuid.UUID, body: CodeIn, driver: DriverDep, session: SessionDep
) -> JSONResponse:
    """The one-time code the customer read out; a wrong one is 422, five wrong ones lock it."""
    try:
        return _record_proof(
            session=session,
            driver=driver,
            stop_id=stop_id,
            action=body,
            kind="code",
            record=lambda stop, _: service.verify_code(
                session=session,
                stop=stop,
                driver_id=driver.driver_id,
                code=body.code,
                stamp=_stamp(body),
            ),
        )
    except InvalidInput:
        stop, shipment, route = workflow.driver_stop(
            session=session, org_id=driver.org_id, driver_id=driver.driver_id, stop_id=stop_id
        )
        delivery_code_refused(
            session,
            driver_id=driver.driver_id,
            driver_name=driver.name,
            route_id=route.id,
            stop_id=stop.id,
            sequence=stop.sequence,
            shipment=shipment,
            at=body.at,
        )
        session.commit()  # the wrong attempt counts towards the lock, and the alert stays
        raise


@router.post("/api/v1/driver/stops/{stop_id}/scans", status_code=201, response_model=ProofOut)
def scan_parcel(
    stop_id: uuid.UUID, body: ScanIn, driver: DriverDep, session: SessionDep
) -> JSONResponse:
    """One parcel's barcode (camera or typed); it must belong to this stop."""
    return _record_proof(
        session=session,
        driver=driver,
        stop_id=stop_id,
        action=body,
        kind="scan",
        record=lambda stop, shipment: service.add_scan(
            session=session,
            stop=stop,
            shipment=shipment,
            driver_id=driver.driver_id,
            barcode=body.barcode,
            stamp=_stamp(body),
        ),
    )
