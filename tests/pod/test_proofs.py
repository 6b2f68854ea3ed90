"""Proof uploads: types, sizes, barcodes, codes; the rules are enforced at delivery."""

import hashlib
import json
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.common import OrgHandle
from tests.driver_app import DriverDay, image_bytes, make_driver_day, set_rules, sign_in

from lastmile.alerts.models import Alert
from lastmile.config import Settings
from lastmile.db import Database
from lastmile.fleet.models import Driver
from lastmile.pod.current import delivery_code


def _started(client: TestClient, db: Database, org: OrgHandle) -> DriverDay:
    day = sign_in(client, make_driver_day(client, db, org, cod_on=None))
    assert (
        client.post(
            "/api/v1/driver/route/start", json=day.action(), headers=day.headers
        ).status_code
        == 200
    )
    return day


def _upload(
    client: TestClient, day: DriverDay, data: bytes, kind: str = "photo", name: str = "f"
) -> tuple[int, dict[str, object]]:
    response = client.post(
        f"/api/v1/driver/stops/{day.stop_ids[0]}/images",
        data={"action": json.dumps(day.action()), "kind": kind},
        files={"file": (name, data, "application/octet-stream")},
        headers=day.headers,
    )
    return response.status_code, response.json()


def test_only_jpeg_png_and_webp_images_are_taken(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = _started(client, db, org)
    for kind in ("JPEG", "PNG", "WEBP"):
        status, body = _upload(client, day, image_bytes(kind))
        assert status == 201, body
        assert body["content_type"] == f"image/{kind.lower()}"
    status, body = _upload(client, day, image_bytes("GIF"))
    assert status == 422
    assert body["errors"] == [{"field": "file", "message": "is not a JPEG, PNG or WebP image"}]
    status, body = _upload(client, day, image_bytes("JPEG"), kind="signature")
    assert status == 422
    assert "a signature is a PNG" in str(body["detail"])


def test_an_image_over_the_limit_is_refused(
    client: TestClient, db: Database, org: OrgHandle, settings: Settings
) -> None:
    day = _started(client, db, org)
    settings.pod_max_photo_bytes = 2000
    status, body = _upload(client, day, image_bytes("PNG", size=(400, 400)) + b"x" * 3000)
    assert status == 413
    assert "at most 2000 bytes" in str(body["detail"])


def test_the_action_of_an_upload_is_validated(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = _started(client, db, org)
    response = client.post(
        f"/api/v1/driver/stops/{day.stop_ids[0]}/images",
        data={"action": json.dumps({"action_id": "nope", "at": day.action()["at"]})},
        files={"file": ("p.jpg", image_bytes(), "image/jpeg")},
        headers=day.headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "action.action_id"


def test_a_barcode_of_another_stop_is_refused(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = _started(client, db, org)
    response = client.post(
        f"/api/v1/driver/stops/{day.stop_ids[0]}/scans",
        json=day.action(barcode=f"{day.tracking_numbers[1]}-1"),
        headers=day.headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "barcode"


def test_five_wrong_codes_lock_the_stops_code(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    set_rules(client, org, code=True)
    day = _started(client, db, org)
    url = f"/api/v1/driver/stops/{day.stop_ids[0]}/code"
    for left in (4, 3, 2, 1, 0):
        wrong = client.post(url, json=day.action(code="abcdef"), headers=day.headers)
        assert wrong.status_code == 422
        assert f"({left} attempts left)" in wrong.json()["detail"]
    assert client.post(url, json=day.action(code="abcdef"), headers=day.headers).status_code == 429


def test_delivery_names_every_missing_proof_and_then_succeeds(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    set_rules(client, org, photos=2, scan_parcels=True)
    day = _started(client, db, org)
    url = f"/api/v1/driver/stops/{day.stop_ids[0]}/deliver"
    refused = client.post(url, json=day.action(), headers=day.headers)
    assert refused.status_code == 422
    tn = day.tracking_numbers[0]
    assert refused.json()["detail"] == (
        f"this delivery still needs: photo (0 of 2), scan ({tn}-1, {tn}-2)"
    )
    _upload(client, day, image_bytes())
    _upload(client, day, image_bytes("PNG"))
    for n in (1, 2):
        client.post(
            f"/api/v1/driver/stops/{day.stop_ids[0]}/scans",
            json=day.action(barcode=f"{tn.lower()}-{n}", typed=True),
            headers=day.headers,
        )
    done = client.post(url, json=day.action(), headers=day.headers)
    assert done.status_code == 200, done.text
    late = _upload(client, day, image_bytes())
    assert late[0] == 409


def test_the_phone_gets_an_offline_check_of_the_code_never_the_code(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    set_rules(client, org, code=True)
    day = _started(client, db, org)
    route = client.get("/api/v1/driver/route", headers=day.headers).json()
    with db.session() as session:
        code = delivery_code(session, org_id=org.org_id, shipment_id=uuid.UUID(day.shipment_ids[0]))
    assert code is not None
    assert code not in json.dumps(route)
    checks = [stop["code_check"] for stop in route["stops"]]
    assert len({check["salt_hex"] for check in checks}) == len(checks)  # a salt per stop
    check = checks[0]
    salt = bytes.fromhex(check["salt_hex"])
    derived = hashlib.pbkdf2_hmac("sha256", code.encode(), salt, check["iterations"]).hex()
    assert derived == check["pbkdf2_hex"]
    wrong = "000000" if code != "000000" else "111111"
    assert (
        hashlib.pbkdf2_hmac("sha256", wrong.encode(), salt, check["iterations"]).hex()
        != (check["pbkdf2_hex"])
    )


def test_a_refused_code_raises_a_dispatcher_alert_naming_driver_and_order(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    set_rules(client, org, code=True)
    day = _started(client, db, org)
    url = f"/api/v1/driver/stops/{day.stop_ids[0]}/code"
    wrong = client.post(url, json=day.action(code="abcdef"), headers=day.headers)
    assert wrong.status_code == 422
    with db.session() as session:
        alerts = session.scalars(select(Alert).where(Alert.org_id == org.org_id)).all()
        driver = session.get_one(Driver, uuid.UUID(day.driver_id))
        assert [a.kind for a in alerts] == ["delivery_code_refused"]
        assert alerts[0].driver_id == driver.id
        assert alerts[0].shipment_id == uuid.UUID(day.shipment_ids[0])
        assert driver.name in alerts[0].title
        assert day.tracking_numbers[0] in alerts[0].title
