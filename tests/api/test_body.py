import asyncio

from fastapi.testclient import TestClient
from starlette.types import Message
from tests.common import OrgHandle

from lastmile.api.body import replay


def test_oversized_body_is_413_problem(client: TestClient, org: OrgHandle) -> None:
    payload = b'{"shipments": [' + b" " * 6_000_000 + b"]}"
    response = client.post(
        "/api/v1/shipments/bulk",
        content=payload,
        headers={**org.headers, "content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert "5000000" in response.json()["detail"]


def test_chunked_oversized_body_is_refused_too(client: TestClient, org: OrgHandle) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(60):
            yield b" " * 100_000

    response = client.post(
        "/api/v1/shipments/bulk",
        content=chunks(),
        headers={**org.headers, "content-type": "application/json"},
    )
    assert response.status_code == 413


def test_truncated_json_is_400_naming_the_problem(client: TestClient, org: OrgHandle) -> None:
    response = client.post(
        "/api/v1/shipments",
        content=b'{"recipient": {"name": "A"',
        headers={**org.headers, "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["detail"]


def test_a_replayed_body_then_hands_on_the_clients_own_messages() -> None:
    later: list[Message] = [{"type": "http.disconnect"}]

    async def client_receive() -> Message:
        return later.pop()

    async def read_twice() -> tuple[Message, Message]:
        receive = replay(b'{"a": 1}', client_receive)
        return await receive(), await receive()

    first, second = asyncio.run(read_twice())
    assert first == {"type": "http.request", "body": b'{"a": 1}', "more_body": False}
    assert second == {"type": "http.disconnect"}
    assert later == []
