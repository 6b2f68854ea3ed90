"""What charging a status event costs an organisation without a rate card (the load test's and
most organisations' case), before and after `charge_event`'s early return, in one process.

On SQLite (a temporary file, migrated), one organisation with a hub: `SHIPMENTS` shipments are
made through the API and taken out for delivery, then delivered through the shipment events
API, in blocks alternating the current code with the previous one (the early check forced
true, so `charge_event` reads the timeline, the merchant and the hub as before, and finds no
card). Reported: `charge_event` alone per call (best of `PASSES` interleaved passes over every
shipment's delivered event), and the events API per delivered event (median of the blocks).

Run: `.venv/bin/python bench/charges.py`; prints markdown.
"""

import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._api import admin_client
from bench._databases import sqlite_engine
from fastapi.testclient import TestClient
from sqlalchemy import select

from lastmile.billing import charges
from lastmile.db import Database
from lastmile.shipments.models import Shipment, ShipmentEvent
from lastmile.shipments.status import Status

COMMAND = ".venv/bin/python bench/charges.py"
SHIPMENTS = 1200
BLOCK = 100
PASSES = 7


@contextmanager
def _before() -> Iterator[None]:
    """The previous code path: no early return, the full read for every event."""
    kept = charges._has_rate_cards
    charges._has_rate_cards = lambda session, org_id: True  # type: ignore[assignment]
    try:
        yield
    finally:
        charges._has_rate_cards = kept


def _shipments(client: TestClient, headers: dict[str, str]) -> list[str]:
    hub = {
        "code": "HEL1",
        "name": "Helsinki hub",
        "lat": 60.1719,
        "lon": 24.9414,
        "timezone": "Europe/Helsinki",
        "opening_hours": {"mon": [["08:00", "18:00"]]},
    }
    hub_id = client.post("/api/v1/hubs", json=hub, headers=headers).json()["id"]
    numbers: list[str] = []
    for start in range(0, SHIPMENTS, 500):
        rows = [
            {
                "recipient": {"name": f"Recipient {i}"},
                "address": {"text": f"Street {i}, Helsinki", "lat": 60.17, "lon": 24.94},
                "hub_id": hub_id,
            }
            for i in range(start, min(start + 500, SHIPMENTS))
        ]
        made = client.post("/api/v1/shipments/bulk", json={"shipments": rows}, headers=headers)
        numbers += [s["tracking_number"] for s in made.json()["shipments"]]
    for number in numbers:
        answer = client.post(
            f"/api/v1/shipments/{number}/events",
            json={"status": "out_for_delivery"},
            headers=headers,
        )
        if answer.status_code != 201:
            raise RuntimeError(f"out for delivery: {answer.status_code} {answer.text}")
    return numbers


def _deliver(client: TestClient, headers: dict[str, str], numbers: list[str]) -> float:
    """Seconds per delivered event through the events API."""
    started = time.perf_counter()
    for number in numbers:
        answer = client.post(
            f"/api/v1/shipments/{number}/events", json={"status": "delivered"}, headers=headers
        )
        if answer.status_code != 201:
            raise RuntimeError(f"delivered: {answer.status_code} {answer.text}")
    return (time.perf_counter() - started) / len(numbers)


def _charge_pass(database: Database) -> float:
    """Seconds per `charge_event` call over every delivered event, in one session."""
    with database.session() as session:
        pairs = session.execute(
            select(Shipment, ShipmentEvent)
            .join(ShipmentEvent, ShipmentEvent.shipment_id == Shipment.id)
            .where(ShipmentEvent.status == Status.DELIVERED)
        ).all()
        started = time.perf_counter()
        for shipment, event in pairs:
            if charges.charge_event(session=session, shipment=shipment, event=event):
                raise RuntimeError("a line was charged without a rate card")
        spent = time.perf_counter() - started
        session.rollback()
    return spent / len(pairs)


def main() -> None:
    began = time.perf_counter()
    with sqlite_engine() as engine, admin_client(engine) as (client, headers):
        database = Database(engine)
        numbers = _shipments(client, headers)
        api: dict[str, list[float]] = {"before": [], "after": []}
        for k, start in enumerate(range(0, len(numbers), BLOCK)):
            block = numbers[start : start + BLOCK]
            which = "before" if k % 2 == 0 else "after"
            if which == "before":
                with _before():
                    api[which].append(_deliver(client, headers, block))
            else:
                api[which].append(_deliver(client, headers, block))
        calls: dict[str, list[float]] = {"before": [], "after": []}
        for _ in range(PASSES):
            with _before():
                calls["before"].append(_charge_pass(database))
            calls["after"].append(_charge_pass(database))
    best = {which: min(times) * 1e6 for which, times in calls.items()}
    median = {which: statistics.median(times) * 1e3 for which, times in api.items()}
    print("## Charging a status event without a rate card\n")
    print(
        "Every status event goes through `billing.charges.charge_event` in its transaction. An"
        " organisation that never made a rate card (the load test's, and most organisations')"
        " has nothing to charge or reverse, so the call now returns after one indexed read"
        " instead of reading the timeline, the merchant and the hub. On SQLite (a temporary"
        f" file), {SHIPMENTS} shipments out for delivery are delivered through the events API"
        f" in blocks of {BLOCK}, alternating the previous code (the early check forced true)"
        " with the current one in the same process; then `charge_event` alone is timed over"
        f" every delivered event, {PASSES} interleaved passes each, best pass.\n"
    )
    print(f"Command: `{COMMAND}`\n")
    print("| path | before | after | after / before |")
    print("|---|---:|---:|---:|")
    print(
        f"| `charge_event` per delivered event (best of {PASSES}) | {best['before']:.0f} µs"
        f" | {best['after']:.0f} µs | {best['after'] / best['before']:.2f} |"
    )
    print(
        f"| events API per `delivered` (median of {len(api['after'])} blocks of {BLOCK})"
        f" | {median['before']:.2f} ms | {median['after']:.2f} ms"
        f" | {median['after'] / median['before']:.2f} |"
    )
    print(f"\nRan in {time.perf_counter() - began:.0f} s.")


if __name__ == "__main__":
    main()
