import pytest
from hypothesis import given
from hypothesis import strategies as st

from lastmile.shipments import tracking_numbers as tn

bodies = st.text(alphabet=tn.ALPHABET, min_size=tn.LENGTH - 1, max_size=tn.LENGTH - 1)


def test_generated_numbers_are_valid_fixed_length_and_unambiguous() -> None:
    numbers = {tn.generate() for _ in range(500)}
    assert len(numbers) == 500
    for number in numbers:
        assert len(number) == tn.LENGTH
        assert not set(number) & set("01OIL")
        assert tn.validate(number) == number


@given(bodies, st.data())
def test_every_single_character_substitution_is_caught(body: str, data: st.DataObject) -> None:
    number = body + tn.check_character(body)
    position = data.draw(st.integers(0, tn.LENGTH - 1))
    replacement = data.draw(st.sampled_from(tn.ALPHABET).filter(lambda c: c != number[position]))
    typo = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(tn.TrackingNumberError, match="check character"):
        tn.validate(typo)


@given(bodies, st.data())
def test_every_adjacent_transposition_is_caught(body: str, data: st.DataObject) -> None:
    number = body + tn.check_character(body)
    i = data.draw(st.integers(0, tn.LENGTH - 2))
    if number[i] == number[i + 1]:
        return
    swapped = number[:i] + number[i + 1] + number[i] + number[i + 2 :]
    with pytest.raises(tn.TrackingNumberError, match="check character"):
        tn.validate(swapped)


def test_exhaustively_for_one_number() -> None:
    number = tn.generate()
    for i in range(tn.LENGTH):
        for ch in tn.ALPHABET:
            if ch != number[i]:
                with pytest.raises(tn.TrackingNumberError):
                    tn.validate(number[:i] + ch + number[i + 1 :])


@pytest.mark.parametrize("form", ["{}", "{l}", " {a}-{b} ", "{a} {b}", "{a}_{b}"])
def test_lookup_forms_normalise_case_spaces_and_dashes(form: str) -> None:
    number = tn.generate()
    text = form.format(number, l=number.lower(), a=number[:6].lower(), b=number[6:])
    assert tn.validate(text) == number


@pytest.mark.parametrize(
    ("text", "message"),
    [("ABC", "has 3 characters"), ("0" * tn.LENGTH, "contains '0'"), ("I" * 12, "contains 'I'")],
)
def test_malformed_numbers_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(tn.TrackingNumberError, match=message):
        tn.validate(text)
