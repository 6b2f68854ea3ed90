"""Every driver write is applied once per `action_id`, however often the app replays it."""

import json
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.common import DISPATCHER_EMAIL, DISPATCHER_PASSWORD, OrgHandle, make_dispatcher
from tests.driver_app import DriverDay, image_bytes, make_driver_day, set_rules, sign_in
from tests.sign_in import sign_in as staff_sign_in

from lastmile.app import create_app
from lastmile.chat.models import ChatMessage
from lastmile.config import Settings
from lastmile.db import Database
from lastmile.payments.models import CashLedgerEntry
from lastmile.pod.models import Proof
from lastmile.shipments.models import ShipmentEvent


def _started(client: TestClient, db: Database, org: OrgHandle) -> DriverDay:
    day = sign_in(client, make_driver_day(client, db, org))
    response = client.post("/api/v1/driver/route/start", json=day.action(), headers=day.headers)
    assert response.status_code == 200, response.text
    return day


def _count(db: Database, query: object) -> int:
    with db.session() as session:
        return int(session.scalar(query) or 0)  # type: ignore[call-overload]


def test_a_replayed_arrival_answers_the_first_answer_and_applies_once(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = _started(client, db, org)
    body = day.action()
    url = f"/api/v1/driver/stops/{day.stop_ids[0]}/arrive"
    first = client.post(url, json=body, headers=day.headers)
    again = client.post(url, json=body, headers=day.headers)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    arriving = select(func.count()).where(
        ShipmentEvent.shipment_id == uuid.UUID(day.shipment_ids[0]),
        ShipmentEvent.status == "arriving",
    )
    assert _count(db, arriving) == 1


def test_reusing_an_action_id_for_another_request_is_a_conflict(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = _started(client, db, org)
    body = day.action()
    arrive = client.post(
        f"/api/v1/driver/stops/{day.stop_ids[0]}/arrive", json=body, headers=day.headers
    )
    assert arrive.status_code == 200
    other = client.post(
        f"/api/v1/driver/stops/{day.stop_ids[1]}/arrive", json=body, headers=day.headers
    )
    assert other.status_code == 409
    assert str(body["action_id"]) in other.json()["detail"]
    changed = dict(body, at=day.action()["at"])
    assert (
        client.post(
            f"/api/v1/driver/stops/{day.stop_ids[0]}/arrive", json=changed, headers=day.headers
        ).status_code
        == 409
    )


def test_replayed_payment_photo_and_message_count_once(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = _started(client, db, org)
    pay = day.action(amount="49.90", currency="EUR", method="cash")
    photo = json.dumps(day.action())
    message = day.action(body="Running late")
    for _ in range(3):
        paid = client.post(
            f"/api/v1/driver/stops/{day.stop_ids[1]}/payment", json=pay, headers=day.headers
        )
        assert paid.status_code == 201, paid.text
        sent = client.post(
            f"/api/v1/driver/stops/{day.stop_ids[1]}/images",
            data={"action": photo},
            files={"file": ("p.jpg", image_bytes(), "image/jpeg")},
            headers=day.headers,
        )
        assert sent.status_code == 201, sent.text
        chat = client.post("/api/v1/driver/messages", json=message, headers=day.headers)
        assert chat.status_code == 201, chat.text
    assert _count(db, select(func.count()).select_from(CashLedgerEntry)) == 1
    assert _count(db, select(func.count()).select_from(Proof)) == 1
    assert _count(db, select(func.count()).select_from(ChatMessage)) == 1


def test_a_replay_hours_later_on_a_new_server_process_still_answers_once(
    client: TestClient, db: Database, org: OrgHandle, settings: Settings
) -> None:
    day = _started(client, db, org)
    set_rules(client, org)
    body = day.action(reason="not_home")
    url = f"/api/v1/driver/stops/{day.stop_ids[0]}/fail"
    first = client.post(url, json=body, headers=day.headers)
    assert first.status_code == 200, first.text
    with TestClient(create_app(settings, database=db)) as restarted:
        again = restarted.post(url, json=body, headers=day.headers)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"


def test_a_failed_action_is_not_recorded_and_runs_again_on_replay(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    day = _started(client, db, org)
    set_rules(client, org, recipient_name=True)
    body = day.action()
    url = f"/api/v1/driver/stops/{day.stop_ids[0]}/deliver"
    assert client.post(url, json=body, headers=day.headers).status_code == 422
    named = client.post(
        f"/api/v1/driver/stops/{day.stop_ids[0]}/recipient",
        json=day.action(name="Aino"),
        headers=day.headers,
    )
    assert named.status_code == 201
    replay = client.post(url, json=body, headers=day.headers)
    assert replay.status_code == 200, replay.text
    assert replay.json()["stop"]["status"] == "completed"


def test_the_driver_reads_who_wrote_by_name(
    client: TestClient, db: Database, org: OrgHandle
) -> None:
    """A dispatcher signed in is their name; an integration's API key is "Dispatch"."""
    day = sign_in(client, make_driver_day(client, db, org))
    make_dispatcher(db, org)
    url = f"/api/v1/drivers/{day.driver_id}/messages"
    assert client.post(url, json={"body": "From the key"}, headers=org.headers).is_success
    assert (
        staff_sign_in(
            client, DISPATCHER_EMAIL, DISPATCHER_PASSWORD, follow_redirects=False
        ).status_code
        == 303
    )
    csrf = {"X-CSRF-Token": client.cookies["lastmile_csrf"]}
    assert client.post(url, json={"body": "From Dana"}, headers=csrf).is_success

    thread = client.get("/api/v1/driver/messages", headers=day.headers).json()
    assert [(m["author"], m["body"]) for m in thread] == [
        ("Dispatch", "From the key"),
        ("Dana Dispatcher", "From Dana"),
    ]
