import pytest
from hypothesis import given
from hypothesis import strategies as st

from lastmile.addresses.normalise import (
    HouseNumber,
    house_numbers,
    key,
    parse_house_number,
    words,
)


@pytest.mark.parametrize(
    ("short", "full"),
    [
        ("Mäkelänk.", "Makelankatu"),
        ("Baker St", "Baker Street"),
        ("Bd des Moulins", "Boulevard des Moulins"),
        ("Av. de la Costa", "Avenue de la Costa"),
        ("BLVD. MOULINS", "boulevard des moulins"),
        ("Rond-Point Ste-Dévote", "Rond Point Sainte Devote"),
        ("Mannerheimint.", "Mannerheimintie"),
        ("Kaivopuistot.", "Kaivopuistotie"),
        ("Ateneumink.", "Ateneuminkatu"),
        ("Liisankj.", "Liisankuja"),
    ],
)
def test_short_and_full_forms_have_one_key(short: str, full: str) -> None:
    assert key(short) == key(full)


def test_saint_before_a_name_and_street_after_one() -> None:
    assert words("St Roman") == ["saint", "roman"]
    assert words("Baker St") == ["baker", "street"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mäkelänkatu 12 B 7", [HouseNumber(12, "b"), HouseNumber(7)]),
        ("12-14 Baker Street", [HouseNumber(12, "", 14)]),
        ("4bis rue de la Colle", [HouseNumber(4, "bis")]),
        ("4 bis rue de la Colle", [HouseNumber(4, "bis")]),
        ("Mannerheimintie, 00100 Helsinki", []),
        ("Mannerheimintie, flat 3", []),
        ("Apt 4, 12 Baker Street", [HouseNumber(12)]),
        ("Mannerheimintie 5 as. 7", [HouseNumber(5)]),
    ],
)
def test_house_numbers_with_letters_ranges_and_flats(
    text: str, expected: list[HouseNumber]
) -> None:
    assert house_numbers(words(text)) == expected


@given(st.text(max_size=300))
def test_any_text_reads_as_words_and_house_numbers_that_fit_a_column(text: str) -> None:
    parts = words(text)
    assert all(p and p == p.lower() for p in parts)
    for number in house_numbers(parts, max_digits=6):
        assert 0 <= number.number < 1_000_000
        assert number.number_to is None or number.number < number.number_to < 1_000_000


def test_an_osm_house_number_may_have_more_digits_than_a_text_number() -> None:
    assert parse_house_number("1234") == HouseNumber(1234)
    assert house_numbers(words("Main Street 1234")) == []
    assert parse_house_number("1-99999999999") is None


def test_a_t_with_a_full_stop_after_anything_but_a_genitive_is_no_road() -> None:
    assert words("Albert. 2") == ["albert", "2"]
