from fastapi.testclient import TestClient
from tests.common import OrgHandle

from lastmile.addresses.geocoder import IndexGeocoder


def test_geocode_answers_candidates_best_first(
    client: TestClient, org: OrgHandle, tiny: IndexGeocoder
) -> None:
    response = client.get("/api/v1/geocode", params={"q": "makelank. 12b"}, headers=org.headers)
    assert response.status_code == 200, response.text
    best = response.json()["candidates"][0]
    assert best["label"] == "Mäkelänkatu 12 B"
    assert best["precision"] == "address"
    assert best["matched"]["housenumber"] == "12 B"
    assert 0.8 <= best["score"] <= 1
    assert response.json()["maps"] == ["tiny"]


def test_reverse_answers_the_nearest_address_or_404(
    client: TestClient, org: OrgHandle, tiny: IndexGeocoder
) -> None:
    near = client.get(
        "/api/v1/geocode/reverse", params={"lat": 60.17405, "lon": 24.93405}, headers=org.headers
    )
    assert near.status_code == 200, near.text
    assert near.json()["label"] == "Mannerheimintie 5"
    far = client.get(
        "/api/v1/geocode/reverse", params={"lat": 10.0, "lon": 10.0}, headers=org.headers
    )
    assert far.status_code == 404
    assert far.headers["content-type"] == "application/problem+json"


def test_bad_input_is_a_problem_naming_the_field(
    client: TestClient, org: OrgHandle, tiny: IndexGeocoder
) -> None:
    cases = [
        ("/api/v1/geocode/reverse", {"lat": 91, "lon": 0}, "lat"),
        ("/api/v1/geocode/reverse", {"lat": 60}, "lon"),
        ("/api/v1/geocode", {"q": ""}, "q"),
        ("/api/v1/geocode", {"q": "   "}, "q"),
        ("/api/v1/geocode", {"q": "x" * 501}, "q"),
        ("/api/v1/geocode", {"q": "Mannerheimintie", "near_lat": 60}, "near_lon"),
    ]
    for path, params, field in cases:
        response = client.get(path, params=params, headers=org.headers)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert field in str(response.json()["errors"]), (params, response.json())


def test_staff_only(client: TestClient, tiny: IndexGeocoder) -> None:
    assert client.get("/api/v1/geocode", params={"q": "Mannerheimintie"}).status_code == 401


def test_without_an_index_the_answer_says_how_to_build_one(
    client: TestClient, org: OrgHandle
) -> None:
    response = client.get("/api/v1/geocode", params={"q": "Mannerheimintie"}, headers=org.headers)
    assert response.status_code == 200
    assert response.json()["candidates"] == []
    assert response.json()["maps"] == []
    assert "lastmile addresses index" in response.json()["note"]
    reverse = client.get(
        "/api/v1/geocode/reverse", params={"lat": 60.17, "lon": 24.93}, headers=org.headers
    )
    assert reverse.status_code == 404
    assert "lastmile addresses index" in reverse.json()["detail"]
