"""Read tracks from files: CSV, GPX, and the local-metre CSV of the Amazon activity data set.

An error names the place at fault as `row N.column` (CSV rows are numbered as lines of
the file, the header being row 1, so N is the line an editor shows) or `trkpt N.name`
(the N-th track point of a GPX file). A timestamp without a UTC offset is taken as UTC.
"""

import csv
import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from lastmile.errors import InvalidInput
from lastmile.geo import from_local_m
from lastmile.trips.types import TrackPoint

CSV_REQUIRED = ("timestamp", "lat", "lon")
ACTIVITY_REQUIRED = ("timestamp", "x", "y", "groundtruth")

type Row = dict[str, str | None]


def parse_timestamp(text: str) -> datetime:
    """An ISO-8601 timestamp or epoch seconds, as a UTC-aware datetime.

    >>> parse_timestamp("2024-05-01T08:00:00+02:00").isoformat()
    '2024-05-01T06:00:00+00:00'
    >>> parse_timestamp("1714543200").isoformat()
    '2024-05-01T06:00:00+00:00'
    """
    text = text.strip()
    try:
        epoch_s = float(text)
    except ValueError:
        at = datetime.fromisoformat(text)
        return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    if not math.isfinite(epoch_s):
        raise ValueError(f"{text!r} is not a finite number of seconds")
    return datetime.fromtimestamp(epoch_s, UTC)


def _required(row: Row, column: str, where: str) -> str:
    value = (row.get(column) or "").strip()
    if not value:
        raise InvalidInput(f"{where}.{column}", f"{where} has no `{column}`")
    return value


def _number(text: str, name: str, where: str, low: float, high: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InvalidInput(f"{where}.{name}", f"{text!r} is not a number") from None
    if not (math.isfinite(value) and low <= value <= high):
        raise InvalidInput(f"{where}.{name}", f"{text!r} must be within {low:g}..{high:g}")
    return value


def _optional(row: Row, column: str, where: str, high: float) -> float | None:
    text = (row.get(column) or "").strip()
    return _number(text, column, where, 0.0, high) if text else None


def _time(text: str, name: str, where: str, previous: datetime | None) -> datetime:
    try:
        at = parse_timestamp(text)
    except (ValueError, OverflowError, OSError):
        raise InvalidInput(
            f"{where}.{name}", f"{text!r} is neither ISO-8601 nor epoch seconds"
        ) from None
    if previous is not None and at < previous:
        raise InvalidInput(
            f"{where}.{name}",
            f"{text!r} is before the previous one, {previous.isoformat()}: "
            "a track must be in time order",
        )
    return at


def _rows(lines: Iterable[str], required: tuple[str, ...]) -> Iterator[tuple[str, Row]]:
    reader = csv.DictReader(lines)
    try:
        header = reader.fieldnames or []
        missing = [c for c in required if c not in header]
        if missing:
            found = ", ".join(header) or "nothing"
            raise InvalidInput(missing[0], f"column missing from the header (found: {found})")
        for row in reader:
            yield f"row {reader.line_num}", row
    except (csv.Error, UnicodeDecodeError) as error:
        raise InvalidInput(f"row {reader.line_num + 1}", f"is not readable CSV: {error}") from None


def parse_csv_track(lines: Iterable[str]) -> list[TrackPoint]:
    """Columns `timestamp`, `lat`, `lon`, optional `accuracy_m` and `speed_mps`."""
    points: list[TrackPoint] = []
    previous: datetime | None = None
    for where, row in _rows(lines, CSV_REQUIRED):
        at = _time(_required(row, "timestamp", where), "timestamp", where, previous)
        points.append(
            TrackPoint(
                at=at,
                lat=_number(_required(row, "lat", where), "lat", where, -90.0, 90.0),
                lon=_number(_required(row, "lon", where), "lon", where, -180.0, 180.0),
                accuracy_m=_optional(row, "accuracy_m", where, 100_000.0),
                speed_mps=_optional(row, "speed_mps", where, 1_000.0),
            )
        )
        previous = at
    return points


def read_csv_track(path: Path) -> list[TrackPoint]:
    with path.open(newline="", encoding="utf-8") as stream:
        return parse_csv_track(stream)


def _local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


def parse_gpx_track(text: str | bytes) -> list[TrackPoint]:
    """Every `trkpt` (lat, lon attributes and a `time` child) of every track, in file order."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        raise InvalidInput("gpx", f"is not valid XML: {error}") from None
    points: list[TrackPoint] = []
    previous: datetime | None = None
    trkpts = (e for e in root.iter() if _local_name(e.tag) == "trkpt")
    for number, element in enumerate(trkpts, start=1):
        where = f"trkpt {number}"
        times = [child.text or "" for child in element if _local_name(child.tag) == "time"]
        if not times:
            raise InvalidInput(f"{where}.time", f"{where} has no `time`")
        at = _time(times[0], "time", where, previous)
        points.append(
            TrackPoint(
                at=at,
                lat=_number(element.get("lat", ""), "lat", where, -90.0, 90.0),
                lon=_number(element.get("lon", ""), "lon", where, -180.0, 180.0),
            )
        )
        previous = at
    return points


def read_gpx_track(path: Path) -> list[TrackPoint]:
    return parse_gpx_track(path.read_bytes())


def read_track(path: Path) -> list[TrackPoint]:
    """Read a `.csv` or `.gpx` track, chosen by the file's extension."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv_track(path)
    if suffix == ".gpx":
        return read_gpx_track(path)
    raise InvalidInput("input", f"{path.name!r} must end in .csv or .gpx")


def read_activity_csv(
    path: Path, *, origin_lat: float, origin_lon: float
) -> tuple[list[TrackPoint], list[str]]:
    """A labelled track with `x`, `y` in metres east and north of `origin`, and its labels."""
    points: list[TrackPoint] = []
    labels: list[str] = []
    previous: datetime | None = None
    with path.open(newline="", encoding="utf-8") as stream:
        for where, row in _rows(stream, ACTIVITY_REQUIRED):
            at = _time(_required(row, "timestamp", where), "timestamp", where, previous)
            east_m = _number(_required(row, "x", where), "x", where, -1e7, 1e7)
            north_m = _number(_required(row, "y", where), "y", where, -1e7, 1e7)
            lat, lon = from_local_m(east_m, north_m, origin_lat=origin_lat, origin_lon=origin_lon)
            points.append(TrackPoint(at=at, lat=lat, lon=lon))
            labels.append(_required(row, "groundtruth", where))
            previous = at
    return points, labels
