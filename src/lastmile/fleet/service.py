"""Drivers with their devices, vehicles and shifts; the caller owns the transaction."""

import secrets
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lastmile.db import utcnow
from lastmile.errors import Conflict, InvalidInput, NotFound
from lastmile.fleet.models import Device, Driver, Shift, Vehicle


def _claim_devices(
    *, session: Session, org_id: uuid.UUID, driver_id: uuid.UUID, identifiers: Sequence[str]
) -> None:
    if len(set(identifiers)) != len(identifiers):
        raise InvalidInput("device_ids", "lists the same device twice")
    taken = session.scalars(
        select(Device.identifier).where(
            Device.identifier.in_(identifiers), Device.driver_id != driver_id
        )
    ).all()
    if taken:
        raise Conflict(f"device {taken[0]!r} is already registered to another driver")
    # The devices kept keep their rows, so an id we issued stays marked as issued.
    session.execute(
        delete(Device).where(Device.driver_id == driver_id, Device.identifier.not_in(identifiers))
    )
    held = set(session.scalars(select(Device.identifier).where(Device.driver_id == driver_id)))
    session.add_all(
        Device(org_id=org_id, driver_id=driver_id, identifier=identifier)
        for identifier in identifiers
        if identifier not in held
    )


def create_driver(
    *,
    session: Session,
    org_id: uuid.UUID,
    name: str,
    phone: str | None,
    device_ids: Sequence[str],
    photo_url: str | None = None,
    active: bool = True,
) -> Driver:
    driver = Driver(org_id=org_id, name=name, phone=phone, photo_url=photo_url, active=active)
    session.add(driver)
    session.flush()
    _claim_devices(session=session, org_id=org_id, driver_id=driver.id, identifiers=device_ids)
    session.flush()
    return driver


ISSUED_ID_PREFIX = "lm-"
MAX_DEVICES = 10


def issue_device_id(*, session: Session, org_id: uuid.UUID, driver_id: uuid.UUID) -> str:
    """A new device id for the driver, long and random (128 bits), for a phone on Traccar
    Client: OsmAnd carries no credentials, so the id is the secret that moves the driver on
    the map, and one we issue cannot be guessed the way a phone's IMEI or a name can."""
    get_driver(session=session, org_id=org_id, driver_id=driver_id)
    held = session.scalars(select(Device.identifier).where(Device.driver_id == driver_id)).all()
    if len(held) >= MAX_DEVICES:
        raise Conflict(f"driver {driver_id} has {len(held)} devices, the most one may have")
    identifier = ISSUED_ID_PREFIX + secrets.token_urlsafe(16)
    session.add(Device(org_id=org_id, driver_id=driver_id, identifier=identifier, issued=True))
    session.flush()
    return identifier


def get_driver(*, session: Session, org_id: uuid.UUID, driver_id: uuid.UUID) -> Driver:
    driver = session.scalar(select(Driver).where(Driver.org_id == org_id, Driver.id == driver_id))
    if driver is None:
        raise NotFound(f"no driver {driver_id}")
    return driver


def list_drivers(*, session: Session, org_id: uuid.UUID) -> list[Driver]:
    query = select(Driver).where(Driver.org_id == org_id).order_by(Driver.name, Driver.id)
    return list(session.scalars(query))


def update_driver(
    *, session: Session, org_id: uuid.UUID, driver_id: uuid.UUID, **fields: Any
) -> Driver:
    driver = get_driver(session=session, org_id=org_id, driver_id=driver_id)
    device_ids = fields.pop("device_ids", None)
    for name, value in fields.items():
        setattr(driver, name, value)
    if device_ids is not None:
        _claim_devices(session=session, org_id=org_id, driver_id=driver.id, identifiers=device_ids)
    session.flush()
    return driver


def delete_driver(*, session: Session, org_id: uuid.UUID, driver_id: uuid.UUID) -> None:
    session.delete(get_driver(session=session, org_id=org_id, driver_id=driver_id))


def device_ids_by_driver(
    *, session: Session, driver_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[str]]:
    found: dict[uuid.UUID, list[str]] = defaultdict(list)
    query = select(Device).where(Device.driver_id.in_(driver_ids)).order_by(Device.identifier)
    for device in session.scalars(query):
        found[device.driver_id].append(device.identifier)
    return found


def device_owners(*, session: Session) -> list[tuple[str, uuid.UUID, uuid.UUID, bool]]:
    """Every device in every organisation as (identifier, org_id, driver_id, issued)."""
    query = select(Device.identifier, Device.org_id, Device.driver_id, Device.issued)
    return [
        (identifier, org_id, driver_id, issued)
        for identifier, org_id, driver_id, issued in session.execute(query)
    ]


def find_device(*, session: Session, identifier: str) -> Device | None:
    """The device with this identifier in any organisation (device protocols carry no tenant)."""
    return session.scalar(select(Device).where(Device.identifier == identifier))


def create_vehicle(*, session: Session, org_id: uuid.UUID, **fields: Any) -> Vehicle:
    plate = fields["plate"]
    if session.scalar(select(Vehicle.id).where(Vehicle.org_id == org_id, Vehicle.plate == plate)):
        raise Conflict(f"a vehicle with plate {plate!r} already exists")
    vehicle = Vehicle(org_id=org_id, **fields)
    session.add(vehicle)
    session.flush()
    return vehicle


def get_vehicle(*, session: Session, org_id: uuid.UUID, vehicle_id: uuid.UUID) -> Vehicle:
    query = select(Vehicle).where(Vehicle.org_id == org_id, Vehicle.id == vehicle_id)
    vehicle = session.scalar(query)
    if vehicle is None:
        raise NotFound(f"no vehicle {vehicle_id}")
    return vehicle


def list_vehicles(*, session: Session, org_id: uuid.UUID) -> list[Vehicle]:
    query = select(Vehicle).where(Vehicle.org_id == org_id).order_by(Vehicle.plate)
    return list(session.scalars(query))


def update_vehicle(
    *, session: Session, org_id: uuid.UUID, vehicle_id: uuid.UUID, **fields: Any
) -> Vehicle:
    vehicle = get_vehicle(session=session, org_id=org_id, vehicle_id=vehicle_id)
    for name, value in fields.items():
        setattr(vehicle, name, value)
    return vehicle


def delete_vehicle(*, session: Session, org_id: uuid.UUID, vehicle_id: uuid.UUID) -> None:
    session.delete(get_vehicle(session=session, org_id=org_id, vehicle_id=vehicle_id))


def current_shift(*, session: Session, driver_id: uuid.UUID) -> Shift | None:
    query = select(Shift).where(Shift.driver_id == driver_id, Shift.ended_at.is_(None))
    return session.scalar(query)


def drivers_on_shift(*, session: Session, driver_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    query = select(Shift.driver_id).where(Shift.driver_id.in_(driver_ids), Shift.ended_at.is_(None))
    return set(session.scalars(query))


def start_shift(
    *,
    session: Session,
    org_id: uuid.UUID,
    driver_id: uuid.UUID,
    vehicle_id: uuid.UUID | None = None,
    odometer_km: float | None = None,
) -> Shift:
    driver = get_driver(session=session, org_id=org_id, driver_id=driver_id)
    if not driver.active:
        raise Conflict(f"driver {driver.name!r} is inactive and cannot start a shift")
    if current_shift(session=session, driver_id=driver_id) is not None:
        raise Conflict(f"driver {driver.name!r} is already on shift")
    if vehicle_id is not None:
        try:
            get_vehicle(session=session, org_id=org_id, vehicle_id=vehicle_id)
        except NotFound:
            raise InvalidInput("vehicle_id", f"no vehicle {vehicle_id}") from None
        busy = session.scalar(
            select(Shift.id).where(Shift.vehicle_id == vehicle_id, Shift.ended_at.is_(None))
        )
        if busy is not None:
            raise Conflict(f"vehicle {vehicle_id} is in use on another shift")
    shift = Shift(
        org_id=org_id,
        driver_id=driver_id,
        vehicle_id=vehicle_id,
        started_at=utcnow(),
        odometer_start_km=odometer_km,
    )
    session.add(shift)
    session.flush()
    return shift


def end_shift(
    *, session: Session, org_id: uuid.UUID, driver_id: uuid.UUID, odometer_km: float | None = None
) -> Shift:
    get_driver(session=session, org_id=org_id, driver_id=driver_id)
    shift = current_shift(session=session, driver_id=driver_id)
    if shift is None:
        raise Conflict("the driver is not on shift")
    start_km = shift.odometer_start_km
    if odometer_km is not None and start_km is not None and odometer_km < start_km:
        raise InvalidInput(
            "odometer_km", f"is {odometer_km}: below the {start_km} km at the shift's start"
        )
    shift.ended_at = utcnow()
    shift.odometer_end_km = odometer_km
    return shift


def list_shifts(
    *, session: Session, org_id: uuid.UUID, driver_id: uuid.UUID, limit: int = 50
) -> list[Shift]:
    get_driver(session=session, org_id=org_id, driver_id=driver_id)
    query = (
        select(Shift)
        .where(Shift.org_id == org_id, Shift.driver_id == driver_id)
        .order_by(Shift.started_at.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
