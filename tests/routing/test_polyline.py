import pytest
from hypothesis import given
from hypothesis import strategies as st

from lastmile.routing.polyline import decode, encode

GOOGLE_POINTS = [(38.5, -120.2), (40.7, -120.95), (43.252, -126.453)]
GOOGLE_POLYLINE = "_p~iF~ps|U_ulLnnqC_mqNvxq`@"


def test_google_documentation_vector_encodes() -> None:
    assert encode(GOOGLE_POINTS, precision=5) == GOOGLE_POLYLINE


def test_google_documentation_vector_decodes() -> None:
    assert decode(GOOGLE_POLYLINE, precision=5) == GOOGLE_POINTS


def test_precision_6_keeps_a_micro_degree() -> None:
    points = [(43.738292, 7.424531), (43.731356, 7.419556)]
    assert decode(encode(points, precision=6), precision=6) == points


def test_empty() -> None:
    assert encode([]) == ""
    assert decode("") == []


@pytest.mark.parametrize("bad", ["_p~iF~ps|U_", "_p~iF", "_p~iF~ps|U\x7f?"])
def test_truncated_or_foreign_input_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="polyline"):
        decode(bad, precision=5)


latitudes = st.floats(min_value=-90, max_value=90, allow_nan=False)
longitudes = st.floats(min_value=-180, max_value=180, allow_nan=False)
tracks = st.lists(st.tuples(latitudes, longitudes), max_size=50)


@given(points=tracks, precision=st.sampled_from([5, 6]))
def test_round_trip_within_the_precision(points: list[tuple[float, float]], precision: int) -> None:
    decoded = decode(encode(points, precision=precision), precision=precision)
    assert len(decoded) == len(points)
    half_step = 0.5 / 10**precision + 1e-12
    for (lat, lon), (lat2, lon2) in zip(points, decoded, strict=True):
        assert abs(lat - lat2) <= half_step
        assert abs(lon - lon2) <= half_step


@given(points=tracks)
def test_decoded_points_encode_back_identically(points: list[tuple[float, float]]) -> None:
    text = encode(points, precision=6)
    assert encode(decode(text, precision=6), precision=6) == text
