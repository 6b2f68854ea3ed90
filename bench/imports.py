"""Import 10,000 orders from one CSV file, as the Control Tower does: the preview (read,
map, check every row), then the import itself (all or nothing, through the bulk create
path), on SQLite and PostgreSQL.

The file is written the way a Finnish merchant's spreadsheet exports it: semicolons,
Finnish headers, day.month.year dates, times with a dot, decimal commas.
"""

import sys
import time
from contextlib import AbstractContextManager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._api import admin_client
from bench._databases import postgres_engine, sqlite_engine
from sqlalchemy import Engine

from lastmile.shipments.schemas import MAX_BULK_ROWS

ROWS = 10_000
TARGET_S = 30.0
HEADER = (
    "Tilausnumero;Vastaanottaja;Puhelin;Osoite;Postinumero;Kaupunki;Toimituspäivä;Alkaen;Asti;"
    "Kollit;Paino;Jälkivaatimus;Lisätiedot\n"
)


def _csv() -> bytes:
    lines = [HEADER]
    for i in range(ROWS):
        hour = 8 + i % 8
        cod = f"{19 + i % 30},90" if i % 5 == 0 else ""
        lines.append(
            f"T-{i};Vastaanottaja {i};+35840{1000000 + i};Mannerheimintie {1 + i % 200};"
            f"00100;Helsinki;8.12.2026;{hour}.00;{hour + 2}.00;{1 + i % 3};{1 + i % 7},5;{cod};"
            f"Ovikoodi {i % 100}\n"
        )
    return "".join(lines).encode()


def _bulk_bodies(hub_id: str) -> list[dict[str, object]]:
    """The same orders as the CSV, as JSON bodies of POST /api/v1/shipments/bulk."""
    bodies: list[dict[str, object]] = []
    for i in range(ROWS):
        hour = 8 + i % 8
        body: dict[str, object] = {
            "reference": f"B-{i}",
            "recipient": {"name": f"Vastaanottaja {i}", "phone": f"+35840{1000000 + i}"},
            "address": {"text": f"Mannerheimintie {1 + i % 200}, 00100 Helsinki"},
            "hub_id": hub_id,
            "delivery_date": "2026-12-08",
            "window": {
                "start": f"2026-12-08T{hour:02d}:00:00+02:00",
                "end": f"2026-12-08T{hour + 2:02d}:00:00+02:00",
            },
            "parcel_count": 1 + i % 3,
            "weight_kg": 1.5 + i % 7,
            "instructions": f"Ovikoodi {i % 100}",
        }
        if i % 5 == 0:
            body["cod"] = {"amount": f"{19 + i % 30}.90", "currency": "EUR"}
        bodies.append(body)
    return bodies


def _run(engine: Engine, content: bytes) -> tuple[float, float, float]:
    files = {"file": ("orders.csv", content, "text/csv")}
    with admin_client(engine) as (client, headers):
        hub = client.post(
            "/api/v1/hubs",
            json={
                "code": "HEL1",
                "name": "Helsinki hub",
                "lat": 60.17,
                "lon": 24.94,
                "timezone": "Europe/Helsinki",
            },
            headers=headers,
        ).json()
        form = {"hub_id": hub["id"]}
        started = time.perf_counter()
        preview = client.post("/api/v1/imports/preview", files=files, data=form, headers=headers)
        preview_s = time.perf_counter() - started
        if preview.status_code != 200 or preview.json()["valid_rows"] != ROWS:
            raise RuntimeError(f"preview failed: {preview.status_code} {preview.text[:500]}")
        started = time.perf_counter()
        done = client.post(
            "/api/v1/imports",
            files=files,
            data={**form, "mode": "all_or_nothing"},
            headers=headers,
        )
        import_s = time.perf_counter() - started
        if done.status_code != 200 or done.json()["created"] != ROWS:
            raise RuntimeError(f"import failed: {done.status_code} {done.text[:500]}")
        bodies = _bulk_bodies(hub["id"])
        started = time.perf_counter()
        for at in range(0, ROWS, MAX_BULK_ROWS):
            bulk = client.post(
                "/api/v1/shipments/bulk",
                json={"shipments": bodies[at : at + MAX_BULK_ROWS]},
                headers=headers,
            )
            if bulk.status_code != 200 or bulk.json()["failed"]:
                raise RuntimeError(f"bulk create failed: {bulk.status_code} {bulk.text[:500]}")
        bulk_s = time.perf_counter() - started
    return preview_s, import_s, bulk_s


def _measure(
    name: str, engine_context: AbstractContextManager[Engine | None], content: bytes
) -> str:
    with engine_context as engine:
        if engine is None:
            return f"| {name} | not reachable | | | | |"
        preview_s, import_s, bulk_s = _run(engine, content)
    verdict = "yes" if preview_s + import_s < TARGET_S else "**no**"
    return (
        f"| {name} | {preview_s:.1f} s | {import_s:.1f} s | {bulk_s:.1f} s"
        f" | {import_s / bulk_s:.2f} x | {verdict} |"
    )


def main() -> None:
    content = _csv()
    lines = [
        "## Order import from a CSV file",
        "",
        f"`{ROWS:,}` orders in one {len(content) / 1e6:.1f} MB CSV (semicolons, Finnish headers",
        "and numbers, time windows in the hub's clock), posted as the Control Tower posts it:",
        "`POST /api/v1/imports/preview` (read, guess the mapping, check every row), then",
        "`POST /api/v1/imports` all or nothing (read again, bulk create, creation events, one",
        "transaction), through the ASGI app in process.",
        f"Target: preview + import < {TARGET_S:.0f} s. The baseline is the same orders as",
        f"JSON in {ROWS // MAX_BULK_ROWS} `POST /api/v1/shipments/bulk` of {MAX_BULK_ROWS:,}",
        "(the path the import calls); the ratio is what reading the file adds.",
        "",
        "Command: `.venv/bin/python bench/imports.py`",
        "",
        "| database | preview | import | bulk JSON baseline | import / baseline | under target |",
        "|---|---|---|---|---|---|",
        _measure("SQLite (WAL)", sqlite_engine(), content),
        _measure("PostgreSQL 15", postgres_engine(), content),
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
