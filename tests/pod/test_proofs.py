"""Proof uploads: types, sizes, barcodes, codes; the rules are enforced at delivery."""

import json

from fastapi.testclient import TestClient
from tests.common import OrgHandle
from tests.driver_app import DriverDay, image_bytes, make_driver_day, set_rules, sign_in

from lastmile.config import Settings
from lastmile.db import Database


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
