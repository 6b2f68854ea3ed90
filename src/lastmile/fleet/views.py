"""HTTP routes: drivers, vehicles, shifts and live positions."""

import uuid
from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, Request, Response, status
from sqlalchemy.orm import Session

from lastmile.api.deps import SessionDep
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.audit import service as audit_log
from lastmile.audit.types import Action, Subject, actor_of
from lastmile.auth.deps import Principal, PrincipalDep, StaffDep
from lastmile.fleet import audit_subjects as fleet_subjects
from lastmile.fleet import service
from lastmile.fleet.models import Driver
from lastmile.fleet.schemas import (
    DriverCreate,
    DriverOut,
    DriverUpdate,
    IssuedDeviceId,
    ShiftOut,
    ShiftStart,
    VehicleCreate,
    VehicleOut,
    VehicleUpdate,
)

router = APIRouter(tags=["fleet"], responses=COMMON_PROBLEMS)


def _devices_changed(request: Request, identifiers: Iterable[str]) -> None:
    """Tell this process's device directory, so a (re)registered phone counts at once."""
    request.app.state.ingestor.devices.forget(identifiers)


def _device_ids(session: Session, driver_id: uuid.UUID) -> list[str]:
    return service.device_ids_by_driver(session=session, driver_ids=[driver_id]).get(driver_id, [])


def _driver_fields(session: Session, driver: Driver) -> dict[str, Any]:
    return fleet_subjects.driver_fields(driver, _device_ids(session, driver.id))


def _audit(
    session: Session,
    principal: Principal,
    action: Action,
    subject: Subject,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """A creation or deletion in full; a change by its changed fields only (none: no entry)."""
    if before is not None and after is not None:
        audit_log.record_change(
            session=session,
            org_id=principal.org_id,
            actor=actor_of(principal),
            action=action,
            subject=subject,
            before=before,
            after=after,
        )
        return
    audit_log.record(
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=action,
        subject=subject,
        before=before,
        after=after,
    )


def _drivers_out(session: Session, drivers: list[Driver]) -> list[DriverOut]:
    ids = [d.id for d in drivers]
    devices = service.device_ids_by_driver(session=session, driver_ids=ids)
    on_shift = service.drivers_on_shift(session=session, driver_ids=ids)
    return [
        DriverOut(
            id=d.id,
            name=d.name,
            phone=d.phone,
            device_ids=devices.get(d.id, []),
            photo_url=d.photo_url,
            active=d.active,
            on_shift=d.id in on_shift,
            created_at=d.created_at,
        )
        for d in drivers
    ]


@router.post("/api/v1/drivers", status_code=status.HTTP_201_CREATED)
def create_driver(
    body: DriverCreate, request: Request, session: SessionDep, principal: StaffDep
) -> DriverOut:
    driver = service.create_driver(
        session=session,
        org_id=principal.org_id,
        name=body.name,
        phone=body.phone,
        device_ids=body.device_ids,
        active=body.active,
        photo_url=str(body.photo_url) if body.photo_url else None,
    )
    subject = fleet_subjects.driver(driver)
    _audit(session, principal, Action.DRIVER_CREATE, subject, None, _driver_fields(session, driver))
    session.commit()
    _devices_changed(request, body.device_ids)
    request.app.state.verified_drivers.forget(driver.id)
    return _drivers_out(session, [driver])[0]


@router.post("/api/v1/drivers/{driver_id}/device-ids", status_code=status.HTTP_201_CREATED)
def issue_device_id(
    driver_id: uuid.UUID, request: Request, session: SessionDep, principal: StaffDep
) -> IssuedDeviceId:
    """A new, unguessable device id for the driver's phone on Traccar Client (its "Device
    identifier"): the one thing that lets a phone move this driver on the map, so better
    issued by us than the phone's IMEI."""
    identifier = service.issue_device_id(
        session=session, org_id=principal.org_id, driver_id=driver_id
    )
    driver = service.get_driver(session=session, org_id=principal.org_id, driver_id=driver_id)
    after = {"device": fleet_subjects.device_hint(identifier)}
    _audit(session, principal, Action.DRIVER_DEVICE_ID, fleet_subjects.driver(driver), None, after)
    session.commit()
    _devices_changed(request, [identifier])
    return IssuedDeviceId(device_id=identifier)


@router.get("/api/v1/drivers")
def list_drivers(session: SessionDep, principal: PrincipalDep) -> list[DriverOut]:
    return _drivers_out(session, service.list_drivers(session=session, org_id=principal.org_id))


@router.get("/api/v1/drivers/{driver_id}")
def get_driver(driver_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> DriverOut:
    driver = service.get_driver(session=session, org_id=principal.org_id, driver_id=driver_id)
    return _drivers_out(session, [driver])[0]


@router.patch("/api/v1/drivers/{driver_id}")
def update_driver(
    driver_id: uuid.UUID,
    body: DriverUpdate,
    request: Request,
    session: SessionDep,
    principal: StaffDep,
) -> DriverOut:
    fields = body.model_dump(exclude_unset=True)
    if "photo_url" in fields:
        fields["photo_url"] = str(fields["photo_url"])
    before = _device_ids(session, driver_id)
    old = _driver_fields(
        session, service.get_driver(session=session, org_id=principal.org_id, driver_id=driver_id)
    )
    driver = service.update_driver(
        session=session, org_id=principal.org_id, driver_id=driver_id, **fields
    )
    new = _driver_fields(session, driver)
    _audit(session, principal, Action.DRIVER_UPDATE, fleet_subjects.driver(driver), old, new)
    session.commit()
    _devices_changed(request, [*before, *_device_ids(session, driver_id)])
    request.app.state.verified_drivers.forget(driver.id)
    return _drivers_out(session, [driver])[0]


@router.delete("/api/v1/drivers/{driver_id}", status_code=204)
def delete_driver(
    driver_id: uuid.UUID, request: Request, session: SessionDep, principal: StaffDep
) -> Response:
    before = _device_ids(session, driver_id)
    driver = service.get_driver(session=session, org_id=principal.org_id, driver_id=driver_id)
    subject, old = fleet_subjects.driver(driver), _driver_fields(session, driver)
    service.delete_driver(session=session, org_id=principal.org_id, driver_id=driver_id)
    _audit(session, principal, Action.DRIVER_DELETE, subject, old, None)
    session.commit()
    _devices_changed(request, before)
    request.app.state.verified_drivers.forget(driver_id)
    return Response(status_code=204)


@router.post("/api/v1/drivers/{driver_id}/shifts/start", status_code=status.HTTP_201_CREATED)
def start_shift(
    driver_id: uuid.UUID, body: ShiftStart, session: SessionDep, principal: StaffDep
) -> ShiftOut:
    """A dispatcher puts a driver on shift (the driver's app has its own way: `driver/`)."""
    shift = service.start_shift(
        session=session,
        org_id=principal.org_id,
        driver_id=driver_id,
        vehicle_id=body.vehicle_id,
        odometer_km=body.odometer_km,
    )
    driver = service.get_driver(session=session, org_id=principal.org_id, driver_id=driver_id)
    after = fleet_subjects.shift_fields(shift)
    _audit(session, principal, Action.SHIFT_START, fleet_subjects.driver(driver), None, after)
    session.commit()
    return ShiftOut.model_validate(shift)


@router.get("/api/v1/drivers/{driver_id}/shifts")
def list_shifts(
    driver_id: uuid.UUID, session: SessionDep, principal: PrincipalDep
) -> list[ShiftOut]:
    shifts = service.list_shifts(session=session, org_id=principal.org_id, driver_id=driver_id)
    return [ShiftOut.model_validate(s) for s in shifts]


@router.post("/api/v1/vehicles", status_code=status.HTTP_201_CREATED)
def create_vehicle(body: VehicleCreate, session: SessionDep, principal: StaffDep) -> VehicleOut:
    vehicle = service.create_vehicle(session=session, org_id=principal.org_id, **body.model_dump())
    after = fleet_subjects.vehicle_fields(vehicle)
    _audit(session, principal, Action.VEHICLE_CREATE, fleet_subjects.vehicle(vehicle), None, after)
    session.commit()
    return VehicleOut.model_validate(vehicle)


@router.get("/api/v1/vehicles")
def list_vehicles(session: SessionDep, principal: PrincipalDep) -> list[VehicleOut]:
    vehicles = service.list_vehicles(session=session, org_id=principal.org_id)
    return [VehicleOut.model_validate(v) for v in vehicles]


@router.get("/api/v1/vehicles/{vehicle_id}")
def get_vehicle(vehicle_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> VehicleOut:
    return VehicleOut.model_validate(
        service.get_vehicle(session=session, org_id=principal.org_id, vehicle_id=vehicle_id)
    )


@router.patch("/api/v1/vehicles/{vehicle_id}")
def update_vehicle(
    vehicle_id: uuid.UUID, body: VehicleUpdate, session: SessionDep, principal: StaffDep
) -> VehicleOut:
    old = fleet_subjects.vehicle_fields(
        service.get_vehicle(session=session, org_id=principal.org_id, vehicle_id=vehicle_id)
    )
    vehicle = service.update_vehicle(
        session=session,
        org_id=principal.org_id,
        vehicle_id=vehicle_id,
        **body.model_dump(exclude_unset=True),
    )
    new = fleet_subjects.vehicle_fields(vehicle)
    _audit(session, principal, Action.VEHICLE_UPDATE, fleet_subjects.vehicle(vehicle), old, new)
    session.commit()
    return VehicleOut.model_validate(vehicle)


@router.delete("/api/v1/vehicles/{vehicle_id}", status_code=204)
def delete_vehicle(vehicle_id: uuid.UUID, session: SessionDep, principal: StaffDep) -> Response:
    vehicle = service.get_vehicle(session=session, org_id=principal.org_id, vehicle_id=vehicle_id)
    subject, old = fleet_subjects.vehicle(vehicle), fleet_subjects.vehicle_fields(vehicle)
    service.delete_vehicle(session=session, org_id=principal.org_id, vehicle_id=vehicle_id)
    _audit(session, principal, Action.VEHICLE_DELETE, subject, old, None)
    session.commit()
    return Response(status_code=204)
