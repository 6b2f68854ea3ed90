"""The embedded geocoder on the bundled Helsinki map (`lastmile map default`): the Finnish
and Swedish ways couriers write its addresses, and the texts no geocoder can fix."""

from lastmile.addresses.extract import Extract
from lastmile.addresses.geocoder import IndexGeocoder
from lastmile.addresses.quality import ReasonCode, assess
from lastmile.addresses.types import Precision
from lastmile.geo import haversine_m


def _metres_from_door(extract: Extract, street: str, number: str, lat: float, lon: float) -> float:
    """How far (lat, lon) is from the nearest point the map gives `street number`."""
    doors = [
        (a.lat, a.lon) for a in extract.addresses if (a.street, a.housenumber) == (street, number)
    ]
    assert doors, f"{street} {number} is not on the map"
    return min(haversine_m(lat, lon, *door) for door in doors)


def test_done_when_a_street_and_number_finds_the_door_with_a_good_score(
    helsinki: IndexGeocoder, helsinki_extract: Extract
) -> None:
    text = "Mannerheimintie 1, Helsinki"
    found = helsinki.geocode(text)
    quality = assess(text, found)
    assert found[0].precision is Precision.ADDRESS
    assert found[0].label == "Mannerheimintie 1"
    assert quality.point is not None
    assert _metres_from_door(helsinki_extract, "Mannerheimintie", "1", *quality.point) < 1
    assert quality.score >= 90, quality
    assert not quality.needs_attention


def test_done_when_a_street_without_a_number_is_flagged_no_house_number(
    helsinki: IndexGeocoder,
) -> None:
    text = "Mannerheimintie, Helsinki"
    quality = assess(text, helsinki.geocode(text))
    assert [r.code for r in quality.reasons] == [ReasonCode.NO_HOUSE_NUMBER]
    assert "Mannerheimintie" in quality.reasons[0].message
    assert quality.point is None


WRITTEN_AS_COURIERS_SEE_IT = [
    ("Mannerheimint. 12", "Mannerheimintie", "12"),
    ("Lönnrotink. 5 B 7", "Lönnrotinkatu", "5"),
    ("Fredrikink 41, 00120 Helsinki", "Fredrikinkatu", "41"),
    ("Alvar Aallon k. 3", "Alvar Aallon katu", "3"),
    ("Mannerheimintie 12 as 7", "Mannerheimintie", "12"),
    ("Mannerheimintie 12 as. 7, Helsinki", "Mannerheimintie", "12"),
    ("Bulevardi 9 A 3", "Bulevardi", "9"),
    ("00100 Helsinki, Mannerheimintie 12", "Mannerheimintie", "12"),
    ("12 Mannerheimintie", "Mannerheimintie", "12"),
    ("LONNROTINKATU 5 HELSINKI", "Lönnrotinkatu", "5"),
    ("Mannerheimvägen 12, Helsingfors", "Mannerheimintie", "12"),
    ("Högbergsgatan 34, 00130 Helsingfors", "Korkeavuorenkatu", "34"),
    ("Aleksanterinkatu 52", "Aleksanterinkatu", "52"),
]


def test_finnish_and_swedish_ways_of_writing_find_the_door(
    helsinki: IndexGeocoder, helsinki_extract: Extract
) -> None:
    wrong = []
    for text, street, number in WRITTEN_AS_COURIERS_SEE_IT:
        quality = assess(text, helsinki.geocode(text))
        point = quality.point
        if point is None or _metres_from_door(helsinki_extract, street, number, *point) > 50:
            wrong.append((text, quality))
    assert not wrong


UNFIXABLE = [
    ("Skillnadsgatan 2", "its number is on Nylandsgatan, not on Skillnadsgatan"),
    ("Lönnrotin puistikko 11, Helsinki", "11 is on Lönnrotinkatu, not on the puistikko"),
    ("Mannerheimintie 250, Helsinki", "no such number on the map"),
    ("Kuusenrinteenkuja 5, Helsinki", "no such street"),
    ("xkqvd jhwu 12", "nonsense"),
]


def test_texts_no_geocoder_can_fix_are_flagged(helsinki: IndexGeocoder) -> None:
    trusted = []
    for text, why in UNFIXABLE:
        quality = assess(text, helsinki.geocode(text))
        if not quality.needs_attention or quality.point is not None:
            trusted.append((text, why, quality))
    assert not trusted
