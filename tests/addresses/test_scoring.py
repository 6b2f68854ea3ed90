"""Ranking what the index found, on hand-made names and points."""

from lastmile.addresses.normalise import words
from lastmile.addresses.scoring import Query, rank
from lastmile.addresses.search import NameHit, PointRow
from lastmile.addresses.types import Precision


def _point(housenumber: str, lat: float, lon: float) -> PointRow:
    return PointRow(housenumber, int(housenumber), None, "", None, None, lat, lon)


def test_an_address_mapped_several_times_is_answered_by_its_middle_point() -> None:
    # A department store: its building, two shop entrances and one far-off loading bay.
    store = NameHit(1, "street", "Aleksanterinkatu", "aleksanterinkatu", 60.169, 24.944, 12)
    points = [
        _point("52", 60.1690, 24.9390),
        _point("52", 60.1682, 24.9416),
        _point("52", 60.1683, 24.9420),
        _point("52", 60.1681, 24.9423),
    ]
    query = Query.of(words("Aleksanterinkatu 52"))
    best = rank(query, [(1.0, store)], {1: points})[0]
    assert (best.lat, best.lon) == (60.1683, 24.9420)


def test_a_door_on_a_street_the_text_names_less_well_is_not_trusted() -> None:
    named = NameHit(1, "street", "Skillnadsgatan", "skillnadsgatan", 60.1658, 24.9439, 12)
    alike = NameHit(2, "street", "Nylandsgatan", "nylandsgatan", 60.1650, 24.9425, 8)
    query = Query.of(words("Skillnadsgatan 2"))
    found = rank(query, [(1.0, named), (0.81, alike)], {2: [_point("2", 60.16495, 24.9425)]})
    door = next(c for c in found if c.precision is Precision.ADDRESS)
    assert door.label == "Nylandsgatan 2"
    assert door.score < 0.8
    alone = rank(query, [(0.81, alike)], {2: [_point("2", 60.16495, 24.9425)]})[0]
    assert alone.score >= 0.8
