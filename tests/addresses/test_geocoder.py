"""The embedded geocoder on a tiny hand-written extract and on the Monaco extract."""

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from testkit.osm import ADDRESSES, BUILDING

from lastmile.addresses.extract import Extract
from lastmile.addresses.geocoder import IndexGeocoder
from lastmile.addresses.index import store
from lastmile.addresses.models import AddressMap
from lastmile.addresses.types import Near, Precision
from lastmile.geo import haversine_m


def _at(street: str, number: str) -> tuple[float, float]:
    for s, n, lat, lon in [*ADDRESSES, BUILDING]:
        if (s, n) == (street, number):
            return lat, lon
    raise AssertionError(f"no {street} {number} in the tiny extract")


@pytest.mark.parametrize(
    ("text", "street", "number"),
    [
        ("Mäkelänkatu 12 B", "Mäkelänkatu", "12 B"),
        ("makelankatu 12b", "Mäkelänkatu", "12 B"),
        ("Mäkelänk. 12 B 7, 00510 Helsinki", "Mäkelänkatu", "12 B"),
        ("Mäkleänkatu 12 A", "Mäkelänkatu", "12 A"),
        ("12 A MÄKELÄNKATU", "Mäkelänkatu", "12 A"),
        ("Mäkelänkatu 21", "Mäkelänkatu", "20-22"),
        ("221b Baker St, London", "Baker Street", "221b"),
        ("Baker Street 221 B", "Baker Street", "221b"),
        ("12 Bd des Moulins", "Boulevard des Moulins", "12"),
        ("Moulins boulevard 12", "Boulevard des Moulins", "12"),
        ("Mannerheimin tie 1", "Mannerheimintie", "1"),
        ("Mannerheimintie 3", "Mannerheimintie", "3"),
    ],
)
def test_text_finds_the_door_despite_typos_abbreviations_and_order(
    tiny: IndexGeocoder, text: str, street: str, number: str
) -> None:
    best = tiny.geocode(text)[0]
    assert best.precision is Precision.ADDRESS, best
    assert best.matched.street == street
    assert haversine_m(best.lat, best.lon, *_at(street, number)) < 1
    assert best.score >= 0.8, best


def test_a_letter_the_map_does_not_have_still_finds_the_number_less_surely(
    tiny: IndexGeocoder,
) -> None:
    best = tiny.geocode("Mäkelänkatu 12")[0]
    assert best.precision is Precision.ADDRESS
    assert best.matched.housenumber in {"12 A", "12 B"}
    assert best.score < tiny.geocode("Mäkelänkatu 12 A")[0].score


def test_without_a_house_number_the_street_is_found_at_street_precision(
    tiny: IndexGeocoder,
) -> None:
    best = tiny.geocode("Mannerheimintie, Helsinki")[0]
    assert best.precision is Precision.STREET
    assert best.matched.street == "Mannerheimintie"
    assert not best.house_number_given
    assert best.score < 0.8


def test_a_number_the_street_does_not_have_answers_the_street(tiny: IndexGeocoder) -> None:
    best = tiny.geocode("Mannerheimintie 99")[0]
    assert best.precision is Precision.STREET
    assert best.house_number_given


def test_a_place_is_found(tiny: IndexGeocoder) -> None:
    best = tiny.geocode("Kallio")[0]
    assert best.precision is Precision.PLACE
    assert best.matched.place == "Kallio"


def test_nonsense_finds_nothing_confident(tiny: IndexGeocoder) -> None:
    assert all(c.score < 0.5 for c in tiny.geocode("asdf qwerty"))


def test_many_texts_in_one_call_answer_as_one_at_a_time(tiny: IndexGeocoder) -> None:
    texts = ["Mäkelänkatu 12 B", "asdf", "221b Baker Street", "Mannerheimintie"]
    assert tiny.geocode_many(texts) == [tiny.geocode(t) for t in texts]


def test_near_breaks_ties_without_changing_the_best(tiny: IndexGeocoder) -> None:
    best = tiny.geocode("Mannerheimintie 5", near=Near(60.17, 24.93))[0]
    assert best.matched.housenumber == "5"


def test_reverse_finds_the_nearest_address(tiny: IndexGeocoder) -> None:
    found = tiny.reverse(60.17405, 24.93405)
    assert found is not None
    assert found.label == "Mannerheimintie 5"
    assert tiny.reverse(61.5, 25.5) is None


def test_reindexing_a_map_replaces_it(
    tiny: IndexGeocoder, session: Session, tiny_extract: Extract
) -> None:
    before = tiny.geocode("Baker Street 221b")
    store(session=session, extract=tiny_extract, map_name="tiny", source="again")
    assert tiny.geocode("Baker Street 221b") == before
    assert session.scalars(select(AddressMap.source)).all() == ["again"]


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("17 Avenue de l'Annonciade, 98000 Monaco", "Avenue de l'Annonciade 17"),
        ("17 av annonciade", "Avenue de l'Annonciade 17"),
        ("Quai Antoine 1er 6", "Quai Antoine 1er 6"),
        ("126 av du 3 septembre", "Avenue du 3 Septembre 126"),
        ("avenue albert II 11", "Avenue Albert II 11"),
        ("rue de la colle 4 bis", "Rue de la Colle 4bis"),
    ],
)
def test_monaco_addresses(monaco: IndexGeocoder, text: str, label: str) -> None:
    best = monaco.geocode(text)[0]
    assert best.label == label
    assert best.precision is Precision.ADDRESS


def test_monaco_street_without_diacritics(monaco: IndexGeocoder) -> None:
    assert monaco.geocode("avenue des spelugues")[0].matched.street == "Avenue des Spélugues"


def test_any_text_is_answered_without_an_error(tiny: IndexGeocoder) -> None:
    texts = [
        "",
        "!!!",
        "9" * 40,
        "12-99999999999 Baker St",
        "ääää öö 0",
        "Mannerheimintie " + "x" * 400,
        "flat flat 3 3 3",
        "%_' OR 1=1 --",
    ]
    for found in tiny.geocode_many(texts):
        assert all(0 <= c.score <= 1 for c in found)


def test_a_streets_swedish_name_finds_its_doors_and_reverse_names_it_as_mapped(
    tiny: IndexGeocoder,
) -> None:
    best = tiny.geocode("Mannerheimvägen 5, Helsingfors")[0]
    assert best.label == "Mannerheimvägen 5"
    assert haversine_m(best.lat, best.lon, *_at("Mannerheimintie", "5")) < 1
    assert best.score >= 0.8
    reverse = tiny.reverse(*_at("Mannerheimintie", "5"))
    assert reverse is not None
    assert reverse.label == "Mannerheimintie 5"
