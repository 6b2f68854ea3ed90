import pytest

from lastmile.addresses.normalise import HouseNumber, house_numbers, key, words


@pytest.mark.parametrize(
    ("short", "full"),
    [
        ("Mäkelänk.", "Makelankatu"),
        ("Baker St", "Baker Street"),
        ("Bd des Moulins", "Boulevard des Moulins"),
        ("Av. de la Costa", "Avenue de la Costa"),
        ("BLVD. MOULINS", "boulevard des moulins"),
        ("Rond-Point Ste-Dévote", "Rond Point Sainte Devote"),
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
