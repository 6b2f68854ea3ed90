"""The simulated crew: drivers with a phone, a PIN and a phone's device id, one vehicle each.

A crew is new each run (tagged at random), or, given a tag, the same drivers and vehicles
found again by name and plate, so a demo run twice keeps its people. Each driver gets a fresh
PIN through the staff API, for the driver app to sign in with.
"""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

NAMES = ("Aino", "Eero", "Helmi", "Onni", "Venla", "Leo", "Emma", "Elias", "Sofia", "Väinö")
SURNAMES = ("Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Laine", "Heikkinen", "Koskinen")
MAX_CREW = 10_000
"""The phone numbers leave four digits to a driver's number in the crew."""


class Caller(Protocol):
    def call(self, method: str, path: str, **kwargs: Any) -> Any: ...


@dataclass(frozen=True, slots=True)
class CrewMember:
    """One simulated driver as the phone knows them: who, how to sign in, what they drive."""

    driver_id: str
    name: str
    phone: str
    pin: str
    device_id: str
    vehicle_id: str


def driver_name(index: int) -> str:
    first = NAMES[index % len(NAMES)]
    return f"{first} {SURNAMES[(index // len(NAMES)) % len(SURNAMES)]} ({index + 1})"


def phone_number(tag: str, index: int) -> str:
    """A valid Finnish mobile number, the same for the same crew tag and index.

    >>> phone_number("sim1", 7)
    '+3585007220007'
    """
    if not 0 <= index < MAX_CREW:
        raise ValueError(f"crew index {index} is outside 0..{MAX_CREW - 1}")
    crew_digits = int(hashlib.sha256(tag.encode()).hexdigest(), 16) % 10_000
    return f"+35850{crew_digits:04d}{index:04d}"


def enlist(
    api: Caller, *, size: int, capacity_parcels: int, tag: str | None = None, pins: bool = True
) -> list[CrewMember]:
    """`size` drivers with vehicles; with a `tag`, those of an earlier run under that tag are
    reused (and put back in service), otherwise a new crew is made. Without `pins` nobody
    gets a PIN (no sign-in: the integrator's path; hashing one costs the server ~0.15 s)."""
    reuse = tag is not None
    tag = tag or uuid.uuid4().hex[:6]
    drivers = {d["name"]: d for d in api.call("GET", "/api/v1/drivers")} if reuse else {}
    vehicles = {v["plate"]: v for v in api.call("GET", "/api/v1/vehicles")} if reuse else {}
    crew = []
    for index in range(size):
        name, phone = driver_name(index), phone_number(tag, index)
        device = f"sim-{tag}-{index:04d}"
        wanted = {"name": name, "phone": phone, "device_ids": [device], "active": True}
        driver = drivers.get(name)
        if driver is None:
            driver = api.call("POST", "/api/v1/drivers", json=wanted)
        elif any(driver[k] != v for k, v in wanted.items()):
            driver = api.call("PATCH", f"/api/v1/drivers/{driver['id']}", json=wanted)
        plate = f"S{tag[:3].upper()}-{index}"
        fleet = {"capacity_parcels": capacity_parcels, "active": True}
        vehicle = vehicles.get(plate)
        if vehicle is None:
            vehicle = api.call("POST", "/api/v1/vehicles", json={"plate": plate, **fleet})
        elif any(vehicle[k] != v for k, v in fleet.items()):
            vehicle = api.call("PATCH", f"/api/v1/vehicles/{vehicle['id']}", json=fleet)
        pin = f"{secrets.randbelow(10**6):06d}" if pins else ""
        if pin:
            api.call("PUT", f"/api/v1/drivers/{driver['id']}/pin", json={"pin": pin})
        crew.append(CrewMember(driver["id"], name, phone, pin, device, vehicle["id"]))
    return crew
