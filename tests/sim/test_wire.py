import json
from datetime import UTC, datetime

import pytest

from lastmile.ingest.protocols.native import MAX_FIXES, decode_native
from lastmile.ingest.protocols.osmand import decode_osmand_request
from lastmile.sim.driver import Action
from lastmile.sim.gps import SimFix, Upload
from lastmile.sim.wire import PhoneRequest, action_request, upload_requests, wire_time_s

T0 = 1_700_000_000.25
NOW = datetime.fromtimestamp(T0 + 7200.0, UTC)


def _fix(k: int) -> SimFix:
    return SimFix(
        at_s=T0 + 5.0 * k + 0.123456,
        lat=60.17 + k * 1e-5,
        lon=24.94,
        accuracy_m=6.0,
        speed_mps=7.5,
        heading_deg=90.0 if k % 2 else None,
        moving=True,
        true_lat=60.17,
        true_lon=24.94,
        battery_pct=max(5.0, 88.5 - k),
    )


def _decoded(request: PhoneRequest):  # type: ignore[no-untyped-def]
    body = json.dumps(request.json).encode() if request.json is not None else b""
    if request.path == "/api/v1/fixes":
        return decode_native(body, now=NOW)
    content_type = "application/json" if request.json is not None else None
    return decode_osmand_request(
        request.params or {}, content_type, body, now=NOW, max_future_s=300.0
    )


@pytest.mark.parametrize(
    ("protocol", "count"), [("native", 1), ("native", 3), ("osmand", 1), ("osmand", 4)]
)
def test_what_the_server_reads_is_what_the_phone_took(protocol: str, count: int) -> None:
    fixes = tuple(_fix(k) for k in range(count))
    upload = Upload(T0 + 60.0, "phone-1", protocol, fixes)  # type: ignore[arg-type]

    (request,) = upload_requests(upload)
    decoded = _decoded(request)

    assert [f.device_id for f in decoded] == ["phone-1"] * count
    assert [wire_time_s(f.at.isoformat()) for f in decoded] == list(request.fix_times_s)
    assert [(f.lat, f.lon) for f in decoded] == [
        pytest.approx((s.lat, s.lon), abs=1e-7) for s in fixes
    ]
    assert [f.speed_mps for f in decoded] == [pytest.approx(7.5, abs=0.01)] * count
    assert [f.battery_pct for f in decoded] == [pytest.approx(s.battery_pct) for s in fixes]
    assert request.api_key == (protocol == "native")


def test_the_driver_apps_batches_go_to_its_endpoint_with_the_session() -> None:
    native = Upload(T0 + 60.0, "install-1", "native", (_fix(0), _fix(5)))
    osmand = Upload(T0 + 60.0, "tracker-1", "osmand", (_fix(0),))

    (app,) = upload_requests(native, driver_app=True)
    (traccar,) = upload_requests(osmand, driver_app=True)

    assert (app.path, app.api_key, app.driver_session) == ("/api/v1/driver/fixes", False, True)
    assert app.json == upload_requests(native)[0].json
    assert (traccar.path, traccar.api_key, traccar.driver_session) == (
        "/ingest/osmand",
        False,
        False,
    )


def test_osmand_single_fix_goes_in_the_query_with_whole_seconds() -> None:
    (request,) = upload_requests(Upload(T0, "p", "osmand", (_fix(0),)))

    assert request.json is None
    assert request.params is not None
    assert request.params["timestamp"] == str(int(T0))
    assert request.fix_times_s == (float(int(T0)),)


def test_a_long_native_backlog_is_split_into_batches_the_api_takes() -> None:
    fixes = tuple(_fix(k) for k in range(MAX_FIXES + 5))

    requests = upload_requests(Upload(T0, "p", "native", fixes))

    assert [len(r.fix_times_s) for r in requests] == [MAX_FIXES, 5]
    assert [len(_decoded(r)) for r in requests] == [MAX_FIXES, 5]


def test_leaving_the_hub_starts_the_route_and_a_delivery_is_a_shipment_event() -> None:
    depart = action_request(Action(T0, "depart", "route-1"))
    delivered = action_request(
        Action(T0 + 600.0, "delivered", "route-1", "TN1", lat=60.2, lon=24.9)
    )
    failed = action_request(Action(T0 + 900.0, "attempted", "route-1", "TN2", reason="no_answer"))

    assert depart.path == "/api/v1/routes/route-1/start"
    assert delivered.path == "/api/v1/shipments/TN1/events"
    assert delivered.json == {
        "status": "delivered",
        "at": datetime.fromtimestamp(T0 + 600.0, UTC).isoformat(),
        "location": {"lat": 60.2, "lon": 24.9},
    }
    assert failed.json is not None
    assert failed.json["reason"] == "no_answer"
    assert all(r.api_key for r in (depart, delivered, failed))
