"""What a driver does (start the shift, leave, arrive, deliver, fail) and how the phone sends
it, including its GPS uploads. The runner takes one `DriverActions`:

- `DriverAppActions` does what the driver app (the PWA at `/driver`, `docs/DRIVER_API.md`)
  does: the driver signs in with phone and PIN, starts a shift with their vehicle, starts the
  route, arrives at, delivers or fails each stop (each an action with its own `action_id`,
  the phone's time and position), uploads proofs the organisation's rules ask for, and ends
  the shift back at the hub. A recipient who pays at the door pays in cash before the
  delivery (`sim.cash`); at the end of each shift the hub counts the driver's cash (the staff
  API's hand-over), and once the last shift ended it counts the day, which raises the
  discrepancy alert of a driver short. Native phones post their fixes to
  `/api/v1/driver/fixes` with the driver's token; a Traccar Client (OsmAnd) phone posts to
  `/ingest/osmand` as it would, while its driver still works the route in the app. A failed
  parcel brought back is scanned in at the hub: a shipment event with the API key.
- `ShipmentEventActions` is the integrator's path: the routes and shipment-events APIs with an
  API key, fixes to `/api/v1/fixes`; nobody signs in or starts a shift. The load test uses it.
"""

import json
import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import httpx

from lastmile.sim.cash import HANDOVER_NOTE, CashCount, CashHabits
from lastmile.sim.crew import CrewMember
from lastmile.sim.driver import Action, DriverDay, PlannedRoute
from lastmile.sim.incidents import at
from lastmile.sim.wire import PhoneRequest, action_request

ACTION_IDS = uuid.UUID("6f9d3c1e-52a4-4b7e-9a0d-2c51f0e8b7a4")
"""The namespace of the actions' ids: the same action of the same route always has the same
id, so a demo resumed after a restart replays what was done (the server answers it again)
instead of doing it twice."""
APP_REASONS = {"recipient_absent": "not_home", "access_denied": "no_access"}
"""The simulator's failure reasons in the default codes of the driver app's settings."""
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f80f00000101000518d84e0000000049454e44ae426082"
)
"""A 1 x 1 PNG: the photo or signature a simulated driver takes when the rules ask for one."""


class DriverActions(Protocol):
    def script(self, day: DriverDay) -> list[Action]:
        """The day's actions as this way of working sends them, in time order."""
        ...

    async def perform(self, client: httpx.AsyncClient, action: Action) -> httpx.Response:
        """Send one action; the response tells whether the server took it."""
        ...

    async def upload(
        self, client: httpx.AsyncClient, request: PhoneRequest, device_id: str
    ) -> httpx.Response:
        """Send one of a phone's GPS uploads."""
        ...


class ShipmentEventActions:
    """Driver actions through the routes and shipment-events APIs, with an API key."""

    def __init__(self, api_key: str) -> None:
        self.headers = {"Authorization": f"Bearer {api_key}"}

    def script(self, day: DriverDay) -> list[Action]:
        return day.actions

    async def perform(self, client: httpx.AsyncClient, action: Action) -> httpx.Response:
        request = action_request(action)
        return await client.post(request.path, json=request.json, headers=self.headers)

    async def upload(
        self, client: httpx.AsyncClient, request: PhoneRequest, device_id: str
    ) -> httpx.Response:
        return await client.post(
            request.path,
            json=request.json,
            params=request.params,
            headers=self.headers if request.api_key else None,
        )


@dataclass
class _Phone:
    """What the app on one driver's phone holds: its session and today's route."""

    member: CrewMember
    token: str | None = None
    reasons: list[str] = field(default_factory=list)
    rules: dict[str, Any] = field(default_factory=dict)
    stop_ids: dict[str, str] = field(default_factory=dict)
    parcels: dict[str, list[str]] = field(default_factory=dict)
    cod: dict[str, dict[str, Any]] = field(default_factory=dict)
    """What the recipient pays at the door, by tracking number (the route's `cod`)."""


class DriverAppActions:
    """Driver actions as the driver app sends them, signed in as each driver (see the module)."""

    def __init__(
        self,
        *,
        api_key: str,
        crew: Mapping[str, CrewMember],
        timezone: str = "Europe/Helsinki",
        cash: CashHabits = CashHabits(),
    ) -> None:
        self.staff = {"Authorization": f"Bearer {api_key}"}
        self._phones = {driver_id: _Phone(member) for driver_id, member in crew.items()}
        self._by_device = {m.device_id: m.driver_id for m in crew.values()}
        self._routes: dict[str, PlannedRoute] = {}
        self._ended: set[str] = set()
        self._zone = ZoneInfo(timezone)
        self._habits = cash
        self.cash: dict[str, CashCount] = defaultdict(CashCount)
        """Each driver's cash by id, as paid at the doors and counted at the hub."""

    def script(self, day: DriverDay) -> list[Action]:
        """The shift around the day, and "arrived" when the driver is at the door (the day's
        "arriving" is a notice a few minutes ahead, which the app does not send)."""
        route = day.route
        self._routes[route.route_id] = route
        arrivals = {t.tracking_number: t.start.timestamp() for t in day.truth if t.kind == "stop"}
        stops = {s.tracking_number: s for s in route.stops}
        hub_lat, hub_lon = route.hub
        actions = [Action(day.start_s, "shift_start", route.route_id, lat=hub_lat, lon=hub_lon)]
        for action in day.actions:
            number = action.tracking_number
            if action.kind == "arriving" and number in arrivals and number in stops:
                where = stops[number]
                action = Action(
                    arrivals[number], "arrived", route.route_id, number, None, where.lat, where.lon
                )
            actions.append(action)
        actions.append(Action(day.end_s, "shift_end", route.route_id, lat=hub_lat, lon=hub_lon))
        return sorted(actions, key=lambda a: a.at_s)

    async def perform(self, client: httpx.AsyncClient, action: Action) -> httpx.Response:
        route = self._routes[action.route_id]
        if action.kind == "returned_to_hub":
            request = action_request(action)
            return await client.post(request.path, json=request.json, headers=self.staff)
        phone = self._phones[route.driver_id]
        body = self._action(action, route)
        if action.kind == "shift_start":
            body["vehicle_id"] = phone.member.vehicle_id
            return await self._send(client, phone, "/api/v1/driver/shift/start", json=body)
        if action.kind == "shift_end":
            ended = await self._send(client, phone, "/api/v1/driver/shift/end", json=body)
            if not ended.is_success:
                return ended
            return await self._count_cash(client, phone, action) or ended
        if action.kind == "depart":
            started = await self._send(client, phone, "/api/v1/driver/route/start", json=body)
            if started.is_success:
                self._learn(phone, started.json())
            return started
        number = action.tracking_number or ""
        if number not in phone.stop_ids:
            known = await self._send(client, phone, "/api/v1/driver/route", method="GET")
            if not known.is_success:
                return known
            self._learn(phone, known.json())
        stop = f"/api/v1/driver/stops/{phone.stop_ids.get(number, 'unknown')}"
        if action.kind in ("arriving", "arrived"):
            return await self._send(client, phone, f"{stop}/arrive", json=body)
        if action.kind == "attempted":
            reason = APP_REASONS.get(action.reason or "", action.reason or "")
            if phone.reasons and reason not in phone.reasons:
                reason = phone.reasons[0]
            body |= {"reason": reason, "note": f"simulated: {action.reason}"}
            return await self._send(client, phone, f"{stop}/fail", json=body)
        refused = (
            await self._prove(client, action, route, phone) if number in phone.stop_ids else None
        )
        if refused is not None:
            return refused
        return await self._send(client, phone, f"{stop}/deliver", json=body)

    async def upload(
        self, client: httpx.AsyncClient, request: PhoneRequest, device_id: str
    ) -> httpx.Response:
        """The app's batches go with the driver's token; Traccar Client's as they are."""
        if request.path != "/api/v1/fixes":
            return await client.post(request.path, json=request.json, params=request.params)
        phone = self._phones[self._by_device[device_id]]
        return await self._send(client, phone, "/api/v1/driver/fixes", json=request.json)

    def _action(self, action: Action, route: PlannedRoute, *extra: str) -> dict[str, Any]:
        """The fields every driver write carries: its id, the phone's time and position."""
        lat, lon = route.hub
        if action.lat is not None and action.lon is not None:
            lat, lon = action.lat, action.lon
        key = "/".join((action.route_id, action.kind, action.tracking_number or "", *extra))
        return {
            "action_id": str(uuid.uuid5(ACTION_IDS, key)),
            "at": at(action.at_s).isoformat(),
            "position": {"lat": lat, "lon": lon, "accuracy_m": 8.0},
        }

    async def _prove(
        self, client: httpx.AsyncClient, action: Action, route: PlannedRoute, phone: _Phone
    ) -> httpx.Response | None:
        """Send what the organisation's proof rules ask for before a delivery; the refusal
        when one is refused. A one-time code is the customer's to read out: not simulated."""
        rules, number = phone.rules, action.tracking_number or ""
        stop = f"/api/v1/driver/stops/{phone.stop_ids[number]}"
        images = [("photo", k) for k in range(int(rules.get("photos", 0)))]
        images += [("signature", 0)] if rules.get("signature") else []
        sends: list[tuple[str, dict[str, Any]]] = []
        for kind, k in images:
            form = {"kind": kind, "action": json.dumps(self._action(action, route, f"{kind}{k}"))}
            files = {"file": (f"{kind}.png", TINY_PNG, "image/png")}
            sends.append((f"{stop}/images", {"data": form, "files": files}))
        if rules.get("recipient_name"):
            body = self._action(action, route, "recipient") | {"name": "Simulated recipient"}
            sends.append((f"{stop}/recipient", {"json": body}))
        cod = phone.cod.get(number)
        if cod is not None and not cod["paid"]:
            body = self._action(action, route, "payment")
            body |= {"amount": cod["amount"], "currency": cod["currency"], "method": "cash"}
            sends.append((f"{stop}/payment", {"json": body}))
        if rules.get("scan_parcels"):
            for barcode in phone.parcels.get(number, []):
                body = self._action(action, route, barcode) | {"barcode": barcode, "typed": False}
                sends.append((f"{stop}/scans", {"json": body}))
        for path, kwargs in sends:
            answer = await self._send(client, phone, path, **kwargs)
            if not answer.is_success:
                return answer
            if path.endswith("/payment"):
                self.cash[phone.member.driver_id].collected += Decimal(answer.json()["amount"])
        return None

    async def _count_cash(
        self, client: httpx.AsyncClient, phone: _Phone, action: Action
    ) -> httpx.Response | None:
        """The hub counts the cash of the shift that just ended (once: a replayed end finds
        the count on the driver's ledger), and the day once every shift ended; the refusal
        when a step is refused."""
        driver_id = phone.member.driver_id
        day = datetime.fromtimestamp(action.at_s, self._zone).date()
        note = f"{HANDOVER_NOTE}{action.route_id}"
        summary = await self._send(client, phone, "/api/v1/driver/cash", method="GET")
        ledger = await client.get(f"/api/v1/drivers/{driver_id}/cash", headers=self.staff)
        for answer in (summary, ledger):
            if not answer.is_success:
                return answer
        counted = any(entry["note"] == note for entry in ledger.json()["entries"])
        collected = {} if counted else summary.json()["shift_collected"].get("cash", {})
        for currency, amount in collected.items():
            handed = self._habits.handed_over(
                collected=Decimal(amount), driver_id=driver_id, day=day, driver_ids=self._phones
            )
            if handed <= 0:
                continue
            answer = await client.post(
                f"/api/v1/drivers/{driver_id}/cash/handovers",
                json={"amount": str(handed), "currency": currency, "note": note},
                headers=self.staff,
            )
            if not answer.is_success:
                return answer
            self.cash[driver_id].handed_over += handed
        self._ended.add(action.route_id)
        if self._ended >= set(self._routes):
            checked = await client.post(
                "/api/v1/billing/cod/checks", json={"day": day.isoformat()}, headers=self.staff
            )
            if not checked.is_success:
                return checked
        return None

    async def _signed_in(self, client: httpx.AsyncClient, phone: _Phone) -> httpx.Response | None:
        """Sign in with phone and PIN and read the organisation's app settings; the refusal
        when that fails."""
        member = phone.member
        answer = await client.post(
            "/api/v1/driver/session", json={"phone": member.phone, "pin": member.pin}
        )
        if not answer.is_success:
            return answer
        phone.token = str(answer.json()["token"])
        settings = await client.get("/api/v1/driver/settings", headers=_bearer(phone.token))
        if not settings.is_success:
            return settings
        found = settings.json()
        phone.reasons = [r["code"] for r in found["failure_reasons"]]
        phone.rules = found["proof_rules"]
        return None

    async def _send(
        self,
        client: httpx.AsyncClient,
        phone: _Phone,
        path: str,
        *,
        method: str = "POST",
        **kwargs: Any,
    ) -> httpx.Response:
        """A driver call; signs in first, and again once when the session has ended (401)."""
        for attempt in range(2):
            if phone.token is None or attempt:
                refused = await self._signed_in(client, phone)
                if refused is not None:
                    return refused
            assert phone.token is not None
            answer = await client.request(method, path, headers=_bearer(phone.token), **kwargs)
            if answer.status_code != 401:
                return answer
        return answer

    @staticmethod
    def _learn(phone: _Phone, route: dict[str, Any]) -> None:
        for stop in route["stops"]:
            phone.stop_ids[stop["tracking_number"]] = stop["id"]
            phone.parcels[stop["tracking_number"]] = [p["barcode"] for p in stop["parcels"]]
            if stop.get("cod"):
                phone.cod[stop["tracking_number"]] = stop["cod"]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
