"""The running mean of delivery points, its outliers and when it is used."""

from datetime import UTC, datetime

from sqlalchemy.orm import Session
from tests.common import OrgHandle

from lastmile.addresses.learned import learn_delivery, learned_points
from lastmile.geo import from_local_m, haversine_m

AT = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
TEXT = "Mäkelänkatu 12 B, Helsinki"


def _at(east_m: float, north_m: float) -> tuple[float, float]:
    return from_local_m(east_m, north_m, origin_lat=60.1951, origin_lon=24.9525)


def test_the_mean_averages_near_points_and_counts_outliers(
    session: Session, org: OrgHandle, other_org: OrgHandle
) -> None:
    for east_m in (0.0, 20.0):
        learn_delivery(
            session=session, org_id=org.org_id, address_text=TEXT, position=_at(east_m, 0), at=AT
        )
    far = learn_delivery(
        session=session, org_id=org.org_id, address_text=TEXT, position=_at(500, 0), at=AT
    )
    assert far is not None
    assert (far.count, far.outliers) == (2, 1)
    found = learned_points(session=session, org_id=org.org_id, texts=["makelankatu 12 b helsinki"])
    (learned,) = found.values()
    assert haversine_m(learned.lat, learned.lon, *_at(10, 0)) < 0.5
    assert learned_points(session=session, org_id=other_org.org_id, texts=[TEXT]) == {}


def test_one_delivery_is_not_enough_and_a_street_is_never_learned(
    session: Session, org: OrgHandle
) -> None:
    learn_delivery(session=session, org_id=org.org_id, address_text=TEXT, position=_at(0, 0), at=AT)
    assert learned_points(session=session, org_id=org.org_id, texts=[TEXT]) == {}
    street = learn_delivery(
        session=session, org_id=org.org_id, address_text="Mäkelänkatu", position=_at(0, 0), at=AT
    )
    assert street is None


def test_outliers_that_outnumber_the_mean_start_it_again(session: Session, org: OrgHandle) -> None:
    learn_delivery(session=session, org_id=org.org_id, address_text=TEXT, position=_at(0, 0), at=AT)
    for _ in range(2):
        moved = learn_delivery(
            session=session, org_id=org.org_id, address_text=TEXT, position=_at(0, 400), at=AT
        )
    assert moved is not None
    assert (moved.count, moved.outliers) == (1, 0)
    assert haversine_m(moved.lat, moved.lon, *_at(0, 400)) < 0.5


def test_a_proof_far_from_the_shipment_teaches_nothing(session: Session, org: OrgHandle) -> None:
    learned = learn_delivery(
        session=session,
        org_id=org.org_id,
        address_text=TEXT,
        position=_at(0, 5000),
        at=AT,
        expected=_at(0, 0),
    )
    assert learned is None


def test_one_delivery_confirmed_at_the_door_is_enough_until_the_mean_starts_again(
    session: Session, org: OrgHandle
) -> None:
    learn_delivery(
        session=session,
        org_id=org.org_id,
        address_text=TEXT,
        position=_at(0, 0),
        at=AT,
        confirmed=True,
    )
    (learned,) = learned_points(session=session, org_id=org.org_id, texts=[TEXT]).values()
    assert (learned.count, learned.confirmed) == (1, 1)
    for _ in range(2):  # two unconfirmed deliveries 400 m off: the mean starts again there
        moved = learn_delivery(
            session=session, org_id=org.org_id, address_text=TEXT, position=_at(0, 400), at=AT
        )
    assert moved is not None
    assert (moved.count, moved.confirmed, moved.outliers) == (1, 0, 0)
    assert learned_points(session=session, org_id=org.org_id, texts=[TEXT]) == {}
