"""What a simulated phone sends, as requests: pure, so any HTTP client can carry them.

The runner sends them with httpx; the load test (`bench/load.py`) with a leaner client, so
the load generator is not the bottleneck on the machine it shares with the server.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lastmile.ingest.protocols.native import MAX_FIXES
from lastmile.ingest.protocols.osmand import MPS_PER_KNOT
from lastmile.sim.driver import Action
from lastmile.sim.gps import SimFix, Upload
from lastmile.sim.incidents import at

NATIVE_PATH = "/api/v1/fixes"
DRIVER_APP_PATH = "/api/v1/driver/fixes"


@dataclass(frozen=True, slots=True)
class PhoneRequest:
    """One POST: a JSON body or query parameters; `api_key` says whether it needs the key,
    `driver_session` whether it needs the signed-in driver's session token."""

    path: str
    json: dict[str, Any] | None = None
    params: dict[str, str] | None = None
    api_key: bool = False
    driver_session: bool = False
    fix_times_s: tuple[float, ...] = ()
    """Each fix's time as the server reads it (OsmAnd's query carries whole seconds)."""


def upload_requests(upload: Upload, *, driver_app: bool = False) -> list[PhoneRequest]:
    """The requests one upload takes: native batches of at most `MAX_FIXES` (the driver app's,
    to its endpoint with the driver's session, when `driver_app`; else with the API key),
    OsmAnd's query for a single fix, or the JSON list Traccar Client 9+ sends for what it
    stored offline."""
    if upload.protocol == "native":
        return [
            PhoneRequest(
                DRIVER_APP_PATH if driver_app else NATIVE_PATH,
                json={"device_id": upload.device_id, "fixes": [_native(f) for f in chunk]},
                api_key=not driver_app,
                driver_session=driver_app,
                fix_times_s=tuple(_sent(f.at_s) for f in chunk),
            )
            for chunk in (
                upload.fixes[start : start + MAX_FIXES]
                for start in range(0, len(upload.fixes), MAX_FIXES)
            )
        ]
    if len(upload.fixes) == 1:
        fix = upload.fixes[0]
        return [
            PhoneRequest(
                "/ingest/osmand",
                params=_osmand(upload.device_id, fix),
                fix_times_s=(_sent(int(fix.at_s)),),
            )
        ]
    body = {"device_id": upload.device_id, "location": [_osmand_json(f) for f in upload.fixes]}
    return [
        PhoneRequest(
            "/ingest/osmand", json=body, fix_times_s=tuple(_sent(f.at_s) for f in upload.fixes)
        )
    ]


def action_request(action: Action) -> PhoneRequest:
    """Leaving the hub starts the route; everything else is an event on the stop's shipment.

    Shifts and the arrival at the door exist only in the driver app (`DriverAppActions`).
    """
    if action.kind in ("shift_start", "shift_end", "arrived"):
        raise ValueError(f"a {action.kind!r} action has no shipment event: send it from the app")
    when = at(action.at_s).isoformat()
    if action.kind == "depart":
        return PhoneRequest(
            f"/api/v1/routes/{action.route_id}/start", json={"at": when}, api_key=True
        )
    body: dict[str, Any] = {"status": action.kind, "at": when}
    if action.reason:
        body["reason"] = action.reason
    if action.lat is not None and action.lon is not None:
        body["location"] = {"lat": action.lat, "lon": action.lon}
    return PhoneRequest(
        f"/api/v1/shipments/{action.tracking_number}/events", json=body, api_key=True
    )


def wire_time_s(text: str) -> float:
    """A fix time as the server echoes it, to match against `PhoneRequest.fix_times_s`."""
    return round(datetime.fromisoformat(text).timestamp(), 3)


def _sent(at_s: float) -> float:
    """`wire_time_s` of the time as sent: to the microsecond, as ISO-8601 carries it."""
    return round(at(at_s).timestamp(), 3)


def _native(fix: SimFix) -> dict[str, Any]:
    body: dict[str, Any] = {
        "at": at(fix.at_s).isoformat(),
        "lat": round(fix.lat, 7),
        "lon": round(fix.lon, 7),
        "accuracy_m": fix.accuracy_m,
        "speed_mps": fix.speed_mps,
        "moving": fix.moving,
    }
    if fix.heading_deg is not None:
        body["heading_deg"] = fix.heading_deg
    if fix.battery_pct is not None:
        body["battery_pct"] = fix.battery_pct
    return body


def _osmand_json(fix: SimFix) -> dict[str, Any]:
    return {
        "timestamp": at(fix.at_s).isoformat(),
        "coords": {
            "latitude": round(fix.lat, 7),
            "longitude": round(fix.lon, 7),
            "accuracy": fix.accuracy_m,
            "speed": fix.speed_mps,
            "heading": fix.heading_deg if fix.heading_deg is not None else -1,
        },
        "is_moving": fix.moving,
        "battery": {"level": -1 if fix.battery_pct is None else round(fix.battery_pct / 100, 3)},
    }


def _osmand(device_id: str, fix: SimFix) -> dict[str, str]:
    params = {
        "id": device_id,
        "timestamp": str(int(fix.at_s)),
        "lat": f"{fix.lat:.7f}",
        "lon": f"{fix.lon:.7f}",
        "accuracy": f"{fix.accuracy_m}",
        "speed": f"{fix.speed_mps / MPS_PER_KNOT:.2f}",
    }
    if fix.heading_deg is not None:
        params["bearing"] = f"{fix.heading_deg}"
    if fix.battery_pct is not None:
        params["batt"] = f"{fix.battery_pct}"
    return params
