"""Bulk-create 1,000 shipments in one request, on SQLite and PostgreSQL.

The baseline inserts the same rows with a bare SQLAlchemy Core executemany in the same
process, with no HTTP, no validation and no events: the ratio shows what the API costs.
"""

import statistics
import sys
import time
import uuid
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._api import admin_client
from bench._databases import postgres_engine, sqlite_engine
from sqlalchemy import Engine, insert

from lastmile.auth import service as auth
from lastmile.db import Database
from lastmile.shipments.models import Shipment
from lastmile.shipments.tracking_numbers import generate

ROWS = 1000
REPEATS = 5


def _rows(run: int) -> list[dict[str, object]]:
    return [
        {
            "reference": f"R{run}-{i}",
            "recipient": {"name": f"Recipient {i}", "phone": "+358401234567"},
            "address": {"text": f"Street {i}, Helsinki", "lat": 60.17, "lon": 24.94},
            "window": {"start": "2026-11-24T10:00:00Z", "end": "2026-11-24T12:00:00Z"},
            "parcel_count": 1 + i % 3,
            "weight_kg": 1.5,
            "cod": {"amount": "19.90", "currency": "EUR"},
        }
        for i in range(ROWS)
    ]


def _api_seconds(engine: Engine) -> list[float]:
    timings = []
    with admin_client(engine) as (client, headers):
        for run in range(REPEATS):
            body = {"shipments": _rows(run)}
            started = time.perf_counter()
            response = client.post("/api/v1/shipments/bulk", json=body, headers=headers)
            timings.append(time.perf_counter() - started)
            if response.status_code != 200 or response.json()["created"] != ROWS:
                raise RuntimeError(f"bulk create failed: {response.status_code} {response.text}")
    return timings


def _baseline_seconds(engine: Engine) -> list[float]:
    database = Database(engine)
    with database.session() as session:
        org = auth.create_organization(session=session, name="baseline")
        session.commit()
        org_id = org.id
    timings = []
    for run in range(REPEATS):
        now = datetime.now(UTC)
        rows = [
            {
                "id": uuid.uuid4(),
                "org_id": org_id,
                "tracking_number": generate(),
                "tracking_token": uuid.uuid4().hex,
                "reference": f"B{run}-{i}",
                "status": "created",
                "recipient_name": f"Recipient {i}",
                "address_text": "Street",
                "lat": 60.17,
                "lon": 24.94,
                "delivery_date": now.date(),
                "created_at": now,
                "updated_at": now,
                "service_time_s": 120,
                "parcel_count": 1,
            }
            for i in range(ROWS)
        ]
        started = time.perf_counter()
        with engine.begin() as connection:
            connection.execute(insert(Shipment), rows)
        timings.append(time.perf_counter() - started)
    return timings


def _measure(name: str, engine_context: AbstractContextManager[Engine | None]) -> str:
    with engine_context as engine:
        if engine is None:
            return f"| {name} | not reachable | | | |"
        api = _api_seconds(engine)
        base = _baseline_seconds(engine)
    api_s, base_s = statistics.median(api), statistics.median(base)
    return (
        f"| {name} | {api_s:.3f} s | {min(api):.3f} s | {base_s:.3f} s | {api_s / base_s:.1f} x |"
    )


def main() -> None:
    lines = [
        "## Bulk shipment creation",
        "",
        f"`{ROWS}` shipments in one `POST /api/v1/shipments/bulk` (validation, tracking numbers,",
        "creation events, one transaction), through the ASGI app in process. Target: < 2 s.",
        f"Median and best of {REPEATS}; the baseline is a bare Core `executemany` of the same",
        "rows (no HTTP, no validation, no events).",
        "",
        "Command: `.venv/bin/python bench/shipments.py`",
        "",
        "| database | API median | API best | baseline median | API / baseline |",
        "|---|---|---|---|---|",
        _measure("SQLite (WAL)", sqlite_engine()),
        _measure("PostgreSQL 15", postgres_engine()),
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
