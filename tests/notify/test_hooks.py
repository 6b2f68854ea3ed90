"""ETA updates: "arriving" once per round despite wobble, "delayed" once per broken promise."""

import uuid
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from testkit.databases import selects_sent
from tests.common import OrgHandle, create_shipment, post_event

from lastmile.db import Database
from lastmile.notify.hooks import eta_updated, etas_updated
from lastmile.notify.models import OutboxMessage
from lastmile.notify.subscriptions import subscribe
from lastmile.shipments.models import Shipment
from lastmile.types import StopEta

WINDOW_END = datetime.fromisoformat("2026-11-24T12:00:00+02:00")


def _eta(shipment: dict[str, Any], *, eta: datetime, stops_away: int, now: datetime) -> StopEta:
    return StopEta(
        route_id=uuid.uuid4(),
        stop_id=uuid.uuid4(),
        shipment_id=uuid.UUID(shipment["id"]),
        eta=eta,
        window_start=eta - timedelta(minutes=10),
        window_end=eta + timedelta(minutes=10),
        stops_away=stops_away,
        computed_at=now,
        gps_age_s=5.0,
    )


def _events(session: Session, shipment: dict[str, Any]) -> list[tuple[str, str]]:
    query = (
        select(OutboxMessage.event, OutboxMessage.channel)
        .where(OutboxMessage.shipment_id == uuid.UUID(shipment["id"]))
        .order_by(OutboxMessage.created_at)
    )
    return [(event, channel.value) for event, channel in session.execute(query)]


def _out(client: TestClient, org: OrgHandle) -> dict[str, Any]:
    shipment = create_shipment(client, org)
    post_event(client, org, shipment["tracking_number"], status="out_for_delivery")
    return shipment


def test_arriving_is_sent_once_although_the_eta_wobbles_around_the_threshold(
    client: TestClient, org: OrgHandle, session: Session
) -> None:
    shipment = _out(client, org)
    now = WINDOW_END - timedelta(hours=1)
    for minutes in (40, 14, 16, 13, 17, 12):  # default rule: 15 minutes
        eta = _eta(shipment, eta=now + timedelta(minutes=minutes), stops_away=5, now=now)
        eta_updated(session, org_id=org.org_id, eta=eta)
    arriving = [e for e in _events(session, shipment) if e[0] == "arriving"]
    assert arriving == [("arriving", "sms")]


def test_arriving_by_stops_away_and_again_on_the_next_round(
    client: TestClient, org: OrgHandle, session: Session
) -> None:
    shipment = _out(client, org)
    now = WINDOW_END - timedelta(hours=2)
    far_in_time = now + timedelta(minutes=50)
    eta_updated(
        session, org_id=org.org_id, eta=_eta(shipment, eta=far_in_time, stops_away=3, now=now)
    )
    assert [e for e in _events(session, shipment) if e[0] == "arriving"] == []
    eta_updated(
        session, org_id=org.org_id, eta=_eta(shipment, eta=far_in_time, stops_away=2, now=now)
    )
    assert [e for e in _events(session, shipment) if e[0] == "arriving"] == [("arriving", "sms")]

    session.commit()
    post_event(client, org, shipment["tracking_number"], status="attempted", reason="closed")
    post_event(client, org, shipment["tracking_number"], status="out_for_delivery")
    eta_updated(
        session, org_id=org.org_id, eta=_eta(shipment, eta=far_in_time, stops_away=1, now=now)
    )
    assert [e for e in _events(session, shipment) if e[0] == "arriving"] == [
        ("arriving", "sms"),
        ("arriving", "sms"),
    ]


def test_a_driver_marking_arriving_and_the_eta_share_one_message(
    client: TestClient, org: OrgHandle, session: Session
) -> None:
    shipment = _out(client, org)
    post_event(client, org, shipment["tracking_number"], status="arriving")
    now = WINDOW_END - timedelta(hours=1)
    eta_updated(session, org_id=org.org_id, eta=_eta(shipment, eta=now, stops_away=0, now=now))
    assert [e for e in _events(session, shipment) if e[0] == "arriving"] == [("arriving", "sms")]


def test_delayed_once_per_promise_and_again_past_the_new_one(
    client: TestClient, org: OrgHandle, session: Session
) -> None:
    shipment = _out(client, org)
    now = WINDOW_END - timedelta(hours=3)

    def update(eta: datetime) -> None:
        eta_updated(session, org_id=org.org_id, eta=_eta(shipment, eta=eta, stops_away=9, now=now))

    update(WINDOW_END - timedelta(minutes=5))
    assert _delays(session, shipment) == []
    update(WINDOW_END + timedelta(minutes=20))
    update(WINDOW_END + timedelta(minutes=5))
    update(WINDOW_END + timedelta(minutes=25))  # within the window we announced (+30)
    assert len(_delays(session, shipment)) == 1
    first = _delays(session, shipment)[0]
    assert datetime.fromisoformat(first["new_window_end"]) == WINDOW_END + timedelta(minutes=30)

    update(WINDOW_END + timedelta(minutes=45))
    delays = _delays(session, shipment)
    assert len(delays) == 2
    assert datetime.fromisoformat(delays[1]["promised_end"]) == WINDOW_END + timedelta(minutes=30)


def _delays(session: Session, shipment: dict[str, Any]) -> list[dict[str, Any]]:
    query = (
        select(OutboxMessage.context)
        .where(
            OutboxMessage.shipment_id == uuid.UUID(shipment["id"]),
            OutboxMessage.event == "delayed",
            OutboxMessage.channel == "sms",
        )
        .order_by(OutboxMessage.created_at)
    )
    return list(session.scalars(query))


def test_no_eta_message_once_delivered_or_for_another_organisation(
    client: TestClient, org: OrgHandle, other_org: OrgHandle, session: Session
) -> None:
    shipment = _out(client, org)
    now = WINDOW_END
    late = _eta(shipment, eta=now + timedelta(hours=1), stops_away=0, now=now)
    eta_updated(session, org_id=other_org.org_id, eta=late)
    assert [e for e in _events(session, shipment) if e[0] != "out_for_delivery"] == []

    session.commit()
    post_event(client, org, shipment["tracking_number"], status="delivered")
    eta_updated(session, org_id=org.org_id, eta=late)
    assert {e[0] for e in _events(session, shipment)} == {"out_for_delivery", "delivered"}


def test_a_batch_of_etas_queues_per_shipment_in_a_fixed_number_of_queries(
    client: TestClient, org: OrgHandle, db: Database, session: Session
) -> None:
    now = WINDOW_END - timedelta(hours=2)
    near, far, late = (_out(client, org) for _ in range(3))
    batch = [
        _eta(near, eta=now + timedelta(minutes=50), stops_away=1, now=now),
        _eta(far, eta=now + timedelta(minutes=50), stops_away=4, now=now),
        _eta(late, eta=WINDOW_END + timedelta(minutes=40), stops_away=5, now=now),
    ]

    def caused() -> list[list[tuple[str, str]]]:
        return [
            sorted(e for e in _events(session, shipment) if e[0] != "out_for_delivery")
            for shipment in (near, far, late)
        ]

    etas_updated(session, org_id=org.org_id, etas=batch)
    assert caused() == [[("arriving", "sms")], [], [("delayed", "email"), ("delayed", "sms")]]

    with selects_sent(db.engine) as one:
        etas_updated(session, org_id=org.org_id, etas=batch[:1])
    with selects_sent(db.engine) as three:
        etas_updated(session, org_id=org.org_id, etas=batch)
    assert len(three) == len(one)
    assert caused() == [[("arriving", "sms")], [], [("delayed", "email"), ("delayed", "sms")]]


def test_a_browser_subscribing_after_the_arriving_sms_still_gets_the_arriving_push(
    client: TestClient, org: OrgHandle, session: Session
) -> None:
    shipment = _out(client, org)
    now = WINDOW_END - timedelta(hours=1)
    near = _eta(shipment, eta=now + timedelta(minutes=50), stops_away=1, now=now)
    etas_updated(session, org_id=org.org_id, etas=[near])
    row = session.get(Shipment, uuid.UUID(shipment["id"]))
    assert row is not None
    subscribe(
        session=session, shipment=row, endpoint="https://push.example/1", p256dh="k", auth="a"
    )
    etas_updated(session, org_id=org.org_id, etas=[near])
    etas_updated(session, org_id=org.org_id, etas=[near])
    arriving = [e for e in _events(session, shipment) if e[0] == "arriving"]
    assert sorted(arriving) == [("arriving", "push"), ("arriving", "sms")]
