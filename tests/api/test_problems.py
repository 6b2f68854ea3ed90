import pytest
from fastapi.testclient import TestClient

from lastmile.errors import field_errors, field_path


@pytest.mark.parametrize(
    ("loc", "path"),
    [
        (("body", "recipient", "phone"), "recipient.phone"),
        (("body", "shipments", 3, "lat"), "shipments[3].lat"),
        (("query", "limit"), "limit"),
        (("body",), "body"),
        ((), "body"),
    ],
)
def test_field_paths(loc: tuple[str | int, ...], path: str) -> None:
    assert field_path(loc) == path


def test_messages_carry_the_value_at_fault() -> None:
    raw = [
        {"loc": ("body", "lat"), "msg": "Input should be less than or equal to 90", "input": 91.2}
    ]
    assert field_errors(raw)[0].message == "is 91.2: input should be less than or equal to 90"


def test_unknown_route_and_wrong_method_are_problems(client: TestClient) -> None:
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert "/api/v1/nothing-here" in missing.json()["detail"]
    wrong = client.delete("/api/v1/shipments")
    assert wrong.status_code == 405
    assert wrong.json()["status"] == 405


def test_query_parameters_are_named(client: TestClient, org) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/shipments?limit=0", headers=org.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "limit"
