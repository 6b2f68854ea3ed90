"""History files: the backtest CSV (one row per visit), and LaDe pickups converted into it."""

import csv
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import TextIO

from lastmile.errors import InvalidInput
from lastmile.eta.learning import Visit, VisitedRoute
from lastmile.eta.model import Stop

REQUIRED = ("route_id", "stop_id", "lat", "lon", "arrived_at")
COLUMNS = (
    *REQUIRED,
    "route_start_at",
    "depot_lat",
    "depot_lon",
    "window_start",
    "window_end",
    "service_s",
    "driver_id",
    "kind",
)
"""`driver_id` (else the route is its own driver) and `kind` (of address) are our additions."""


def _time(value: str, field: str) -> datetime:
    try:
        at = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(field, f"{value!r} is not an ISO-8601 time") from exc
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _optional_time(value: str | None, field: str) -> datetime | None:
    return _time(value, field) if value else None


def read_routes(path: Path) -> list[VisitedRoute]:
    """Routes of a backtest CSV, visits in file order; errors name the line and column."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or ())]
        if missing:
            raise InvalidInput(str(path), f"missing columns: {', '.join(missing)}")
        visits: dict[str, list[Visit]] = defaultdict(list)
        drivers: dict[str, str] = {}
        for line, row in enumerate(reader, start=2):
            where = f"{path.name}:{line}"
            try:
                lat, lon = float(row["lat"]), float(row["lon"])
                service = float(row["service_s"]) if row.get("service_s") else None
            except ValueError as exc:
                raise InvalidInput(f"{where}.lat/lon/service_s", str(exc)) from exc
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise InvalidInput(f"{where}.lat", f"({lat}, {lon}) is not on the globe")
            route_id = row["route_id"]
            drivers.setdefault(route_id, row.get("driver_id") or route_id)
            stop = Stop(
                stop_id=row["stop_id"],
                lat=lat,
                lon=lon,
                window_start=_optional_time(row.get("window_start"), f"{where}.window_start"),
                window_end=_optional_time(row.get("window_end"), f"{where}.window_end"),
                kind=row.get("kind") or "",
                service_s=service,
            )
            arrived = _time(row["arrived_at"], f"{where}.arrived_at")
            visits[route_id].append(Visit(stop, arrived, service))
    return [VisitedRoute(route_id, drivers[route_id], v) for route_id, v in visits.items()]


LADE_TZ = timezone(timedelta(hours=8))
LADE_YEAR = 2022


def _lade_time(value: str) -> str:
    at = datetime.strptime(f"{LADE_YEAR}-{value}", "%Y-%m-%d %H:%M:%S").replace(tzinfo=LADE_TZ)
    return at.isoformat()


def lade_rows(handle: TextIO) -> Iterator[dict[str, str]]:
    """LaDe pickups → backtest rows: a route is a courier's day, visits by actual pickup time."""
    by_route: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in csv.DictReader(handle):
        if row.get("pickup_time"):
            by_route[f"{row['courier_id']}-{row['ds']}"].append(row)
    for route_id, rows in by_route.items():
        rows.sort(key=lambda r: (r["pickup_time"], r["order_id"]))
        for row in rows:
            yield {
                "route_id": route_id,
                "stop_id": row["order_id"],
                "lat": row["lat"],
                "lon": row["lng"],
                "arrived_at": _lade_time(row["pickup_time"]),
                "window_start": _lade_time(row["time_window_start"]),
                "window_end": _lade_time(row["time_window_end"]),
                "driver_id": f"{row['source_city']}-{row['courier_id']}",
                "kind": row["aoi_type"],
            }


def is_test_driver(driver_id: str, *, test_share: float, seed: int = 0) -> bool:
    """Stable split by driver: for one seed, a courier always lands on the same side."""
    return (zlib.crc32(f"{seed}:{driver_id}".encode()) % 1000) < test_share * 1000


def write_rows(path: Path, rows: Iterable[dict[str, str]]) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def split_by_driver(
    rows: Sequence[dict[str, str]], *, test_share: float, seed: int = 0
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    train: list[dict[str, str]] = []
    test: list[dict[str, str]] = []
    for row in rows:
        driver = row.get("driver_id") or row["route_id"]
        (test if is_test_driver(driver, test_share=test_share, seed=seed) else train).append(row)
    return train, test
