"""A driver's whole day through the API: sign in, shift, route, proofs, COD, fail, cash."""

import uuid
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.common import OrgHandle
from tests.driver_app import STOPS, image_bytes, make_driver_day, set_rules, sign_in

from lastmile.config import Settings
from lastmile.db import Database
from lastmile.pod.current import delivery_code, delivery_proof, read_photo
from lastmile.shipments.models import ShipmentEvent


def _code(db: Database, org: OrgHandle, shipment_id: str) -> str | None:
    with db.session() as session:
        return delivery_code(session, org_id=org.org_id, shipment_id=uuid.UUID(shipment_id))


def test_a_full_driver_day(
    client: TestClient, db: Database, org: OrgHandle, settings: Settings
) -> None:
    set_rules(
        client, org, photos=1, signature=True, recipient_name=True, code=True, scan_parcels=True
    )
    day = sign_in(client, make_driver_day(client, db, org))
    h = day.headers

    shift = client.post(
        "/api/v1/driver/shift/start",
        json=day.action(vehicle_id=day.vehicle_id, odometer_km=1200.5),
        headers=h,
    )
    assert shift.status_code == 201, shift.text
    assert shift.json()["vehicle_id"] == day.vehicle_id

    route = client.get(
        "/api/v1/driver/route", params={"lat": STOPS[0][0], "lon": STOPS[0][1]}, headers=h
    ).json()
    assert route["id"] == day.route_id
    assert route["status"] == "planned"
    assert [s["id"] for s in route["stops"]] == day.stop_ids
    first = route["stops"][0]
    assert first["inside_geofence"] is True
    assert route["stops"][1]["inside_geofence"] is False
    assert first["parcels"] == [
        {"barcode": f"{day.tracking_numbers[0]}-1", "scanned": False},
        {"barcode": f"{day.tracking_numbers[0]}-2", "scanned": False},
    ]
    assert first["instructions"] == "Door code 0"
    cod = route["stops"][1]["cod"]
    assert (Decimal(cod["amount"]), cod["currency"], cod["paid"]) == (Decimal("49.9"), "EUR", False)
    assert route["progress"] == {"total": 3, "delivered": 0, "failed": 0, "remaining": 3}

    assert _code(db, org, day.shipment_ids[0]) is None
    started = client.post("/api/v1/driver/route/start", json=day.action(), headers=h)
    assert started.status_code == 200, started.text
    code = _code(db, org, day.shipment_ids[0])
    assert code is not None
    assert len(code) == 6

    path = client.get("/api/v1/driver/route/path", params={"lat": 60.16, "lon": 24.92}, headers=h)
    assert path.status_code == 200, path.text
    assert path.json()["stop_id"] == day.stop_ids[0]
    assert path.json()["source"] == "straight_line"
    assert path.json()["distance_m"] > 500

    stop = day.stop_ids[0]
    arrived = client.post(f"/api/v1/driver/stops/{stop}/arrive", json=day.action(), headers=h)
    assert arrived.status_code == 200, arrived.text
    assert arrived.json()["shipment_status"] == "arriving"

    early = client.post(f"/api/v1/driver/stops/{stop}/deliver", json=day.action(), headers=h)
    assert early.status_code == 422
    assert early.json()["type"].endswith("missing-proof")
    for needed in ("photo", "signature", "recipient_name", "code", "scan"):
        assert needed in early.json()["detail"]

    photo = client.post(
        f"/api/v1/driver/stops/{stop}/images",
        data={"action": __import__("json").dumps(day.action()), "kind": "photo"},
        files={"file": ("door.jpg", image_bytes("JPEG"), "image/jpeg")},
        headers=h,
    )
    assert photo.status_code == 201, photo.text
    signature = client.post(
        f"/api/v1/driver/stops/{stop}/images",
        data={"action": __import__("json").dumps(day.action()), "kind": "signature"},
        files={"file": ("sig.png", image_bytes("PNG"), "image/png")},
        headers=h,
    )
    assert signature.status_code == 201, signature.text
    assert (
        client.post(
            f"/api/v1/driver/stops/{stop}/recipient", json=day.action(name="Aino"), headers=h
        ).status_code
        == 201
    )
    wrong = client.post(
        f"/api/v1/driver/stops/{stop}/code", json=day.action(code="x" + code[1:]), headers=h
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "code"
    assert (
        client.post(
            f"/api/v1/driver/stops/{stop}/code", json=day.action(code=code), headers=h
        ).status_code
        == 201
    )
    for n in (1, 2):
        scan = client.post(
            f"/api/v1/driver/stops/{stop}/scans",
            json=day.action(barcode=f"{day.tracking_numbers[0]}-{n}"),
            headers=h,
        )
        assert scan.status_code == 201, scan.text

    delivered = client.post(f"/api/v1/driver/stops/{stop}/deliver", json=day.action(), headers=h)
    assert delivered.status_code == 200, delivered.text
    assert delivered.json()["stop"]["status"] == "completed"
    assert delivered.json()["shipment_status"] == "delivered"
    assert _code(db, org, day.shipment_ids[0]) is None

    with db.session() as session:
        proof = delivery_proof(
            session, org_id=org.org_id, shipment_id=uuid.UUID(day.shipment_ids[0])
        )
        assert proof is not None
        assert proof.recipient_name == "Aino"
        assert len(proof.photo_keys) == 1
        assert read_photo(settings, proof.photo_keys[0]) == image_bytes("JPEG")
        events = list(
            session.scalars(
                select(ShipmentEvent)
                .where(ShipmentEvent.shipment_id == uuid.UUID(day.shipment_ids[0]))
                .order_by(ShipmentEvent.id)
            )
        )
        assert [e.status for e in events][-3:] == ["out_for_delivery", "arriving", "delivered"]
        assert events[-1].actor == f"driver:{day.driver_id}"
        assert events[-1].lat == STOPS[0][0]

    cod_stop = day.stop_ids[1]
    set_rules(client, org)
    unpaid = client.post(f"/api/v1/driver/stops/{cod_stop}/deliver", json=day.action(), headers=h)
    assert unpaid.status_code == 422
    assert "payment" in unpaid.json()["detail"]
    wrong_amount = client.post(
        f"/api/v1/driver/stops/{cod_stop}/payment",
        json=day.action(amount="40", currency="EUR", method="cash"),
        headers=h,
    )
    assert wrong_amount.status_code == 422
    assert wrong_amount.json()["errors"][0]["field"] == "amount"
    paid = client.post(
        f"/api/v1/driver/stops/{cod_stop}/payment",
        json=day.action(amount="49.90", currency="EUR", method="cash"),
        headers=h,
    )
    assert paid.status_code == 201, paid.text
    assert (
        client.post(
            f"/api/v1/driver/stops/{cod_stop}/deliver", json=day.action(), headers=h
        ).status_code
        == 200
    )

    reasons = client.get("/api/v1/driver/settings", headers=h).json()["failure_reasons"]
    assert "not_home" in [r["code"] for r in reasons]
    bad_reason = client.post(
        f"/api/v1/driver/stops/{day.stop_ids[2]}/fail", json=day.action(reason="bored"), headers=h
    )
    assert bad_reason.status_code == 422
    assert bad_reason.json()["errors"][0]["field"] == "reason"
    failed = client.post(
        f"/api/v1/driver/stops/{day.stop_ids[2]}/fail",
        json=day.action(reason="not_home", note="nobody answered"),
        headers=h,
    )
    assert failed.status_code == 200, failed.text
    assert failed.json()["shipment_status"] == "attempted"
    assert failed.json()["route_status"] == "completed"

    route = client.get("/api/v1/driver/route", headers=h).json()
    assert route["progress"] == {"total": 3, "delivered": 2, "failed": 1, "remaining": 0}
    assert route["next_stop_id"] is None

    ended = client.post("/api/v1/driver/shift/end", json=day.action(odometer_km=1250.0), headers=h)
    assert ended.status_code == 200, ended.text
    assert ended.json()["odometer_end_km"] == 1250.0
    cash = client.get("/api/v1/driver/cash", headers=h).json()
    assert {k: Decimal(v) for k, v in cash["to_hand_over"].items()} == {"EUR": Decimal("49.9")}
    assert list(cash["shift_collected"]) == ["cash"]
    assert Decimal(cash["shift_collected"]["cash"]["EUR"]) == Decimal("49.9")

    too_much = client.post(
        f"/api/v1/drivers/{day.driver_id}/cash/handovers",
        json={"amount": "50", "currency": "EUR"},
        headers=org.headers,
    )
    assert too_much.status_code == 422
    handed = client.post(
        f"/api/v1/drivers/{day.driver_id}/cash/handovers",
        json={"amount": "49.90", "currency": "EUR"},
        headers=org.headers,
    )
    assert handed.status_code == 201, handed.text
    ledger = client.get(f"/api/v1/drivers/{day.driver_id}/cash", headers=org.headers).json()
    assert ledger["balance"] == {}
    assert [e["kind"] for e in ledger["entries"]] == ["collected", "handed_over"]
    assert (
        Decimal(client.get("/api/v1/driver/cash", headers=h).json()["to_hand_over"].get("EUR", "0"))
        == 0
    )

    proofs = client.get(
        f"/api/v1/shipments/{day.tracking_numbers[0]}/proofs", headers=org.headers
    ).json()
    assert sorted(p["kind"] for p in proofs) == [
        "code",
        "photo",
        "recipient_name",
        "scan",
        "scan",
        "signature",
    ]
    image = next(p for p in proofs if p["kind"] == "signature")
    fetched = client.get(image["url"], headers=org.headers)
    assert fetched.status_code == 200
    assert fetched.headers["content-type"] == "image/png"
    assert fetched.content == image_bytes("PNG")
