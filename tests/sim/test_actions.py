"""The simulated driver app keeps working when its session ends under it (someone signed the
driver out everywhere, a dispatcher reset the PIN): it signs in again at once."""

import asyncio
import itertools

import httpx

from lastmile.sim.actions import DriverAppActions
from lastmile.sim.crew import CrewMember
from lastmile.sim.wire import PhoneRequest

MEMBER = CrewMember(
    driver_id="d-1",
    name="Aino Virtanen (1)",
    phone="+358401000001",
    pin="4821",
    device_id="phone-1",
    vehicle_id="v-1",
)
UPLOAD = PhoneRequest("/api/v1/fixes", json={"device_id": "phone-1", "fixes": []})


class _DriverServer:
    """Just enough of the driver API: sessions by token, and the fixes endpoint behind them."""

    def __init__(self) -> None:
        self.live: set[str] = set()
        self.calls: list[str] = []
        self._tokens = (f"token-{n}" for n in itertools.count(1))

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(f"{request.method} {request.url.path}")
        if request.url.path == "/api/v1/driver/session":
            token = next(self._tokens)
            self.live.add(token)
            return httpx.Response(201, json={"token": token})
        if request.headers.get("Authorization", "").removeprefix("Bearer ") not in self.live:
            return httpx.Response(401, json={"detail": "the driver session has expired"})
        if request.url.path == "/api/v1/driver/settings":
            return httpx.Response(200, json={"failure_reasons": [], "proof_rules": {}})
        return httpx.Response(200, json={"accepted": 0})


def _upload_twice_with_the_session_ended_between(server: _DriverServer) -> list[int]:
    actions = DriverAppActions(api_key="key", crew={MEMBER.driver_id: MEMBER})

    async def run() -> list[int]:
        transport = httpx.MockTransport(server.handle)
        async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
            first = await actions.upload(client, UPLOAD, MEMBER.device_id)
            server.live.clear()  # signed out everywhere, from another phone
            second = await actions.upload(client, UPLOAD, MEMBER.device_id)
            return [first.status_code, second.status_code]

    return asyncio.run(run())


def test_a_refused_session_is_replaced_by_a_new_sign_in_before_the_next_upload_is_answered() -> (
    None
):
    server = _DriverServer()

    answers = _upload_twice_with_the_session_ended_between(server)

    assert answers == [200, 200]
    assert server.calls == [
        "POST /api/v1/driver/session",
        "GET /api/v1/driver/settings",
        "POST /api/v1/driver/fixes",
        "POST /api/v1/driver/fixes",  # refused: 401
        "POST /api/v1/driver/session",
        "GET /api/v1/driver/settings",
        "POST /api/v1/driver/fixes",
    ]
    assert server.live == {"token-2"}
