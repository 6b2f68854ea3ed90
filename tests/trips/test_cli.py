import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from typer.testing import CliRunner

from lastmile.trips import TrackPoint
from lastmile.trips.cli import trips_app

type MakeTrack = Callable[..., list[TrackPoint]]

runner = CliRunner()
KEYS = ["kind", "start", "end", "lat", "lon", "duration_s", "distance_m"]


def write_csv(path: Path, points: list[TrackPoint]) -> Path:
    rows = [f"{p.at.isoformat()},{p.lat:.7f},{p.lon:.7f}" for p in points]
    path.write_text("timestamp,lat,lon\n" + "\n".join(rows) + "\n")
    return path


def write_gpx(path: Path, points: list[TrackPoint]) -> Path:
    trkpts = "".join(
        f'<trkpt lat="{p.lat:.7f}" lon="{p.lon:.7f}"><time>{p.at.isoformat()}</time></trkpt>'
        for p in points
    )
    path.write_text(
        f'<gpx xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>{trkpts}</trkseg></trk></gpx>'
    )
    return path


def detect(*args: str) -> list[dict[str, object]]:
    result = runner.invoke(trips_app, ["detect", *args])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_detect_prints_one_json_object_per_segment(tmp_path: Path, track: MakeTrack) -> None:
    points = track([("move", 60, 10.0), ("stop", 120), ("move", 60, 10.0)], jitter_m=5.0)
    path = write_csv(tmp_path / "trace.csv", points)

    lines = detect("--input", str(path))

    assert [line["kind"] for line in lines] == ["move", "stop", "move"]
    for line in lines:
        assert list(line) == KEYS
        start, end = (datetime.fromisoformat(str(line[k])) for k in ("start", "end"))
        assert start.utcoffset() is not None
        assert line["duration_s"] == (end - start).total_seconds()
        assert all(isinstance(line[k], float) for k in ("lat", "lon", "duration_s", "distance_m"))
    assert lines[0]["end"] == lines[1]["start"]


def test_detect_reads_gpx_like_csv(tmp_path: Path, track: MakeTrack) -> None:
    points = track([("move", 60, 10.0), ("stop", 120), ("move", 60, 10.0)])

    from_csv = detect("--input", str(write_csv(tmp_path / "t.csv", points)))
    from_gpx = detect("--input", str(write_gpx(tmp_path / "t.gpx", points)))

    assert from_csv == from_gpx


def test_min_dwell_option(tmp_path: Path, track: MakeTrack) -> None:
    points = track([("move", 60, 10.0), ("stop", 60), ("move", 60, 10.0)])
    path = write_csv(tmp_path / "t.csv", points)

    assert [line["kind"] for line in detect("--input", str(path))] == ["move", "stop", "move"]
    assert [line["kind"] for line in detect("--input", str(path), "--min-dwell-s", "60")] == [
        "move"
    ]


def test_bad_row_is_reported_and_exits_non_zero(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "timestamp,lat,lon\n2024-05-06T08:00:00Z,52.5,13.4\n2024-05-06T08:00:05Z,95,13.4\n"
    )

    result = runner.invoke(trips_app, ["detect", "--input", str(path)])

    assert result.exit_code == 1
    assert result.stdout == ""
    assert "row 3.lat" in result.stderr


def test_bad_min_dwell_and_unknown_extension(tmp_path: Path) -> None:
    path = tmp_path / "t.kml"
    path.write_text("<kml/>")
    csv = write_csv(tmp_path / "t.csv", [])

    unknown = runner.invoke(trips_app, ["detect", "--input", str(path)])
    negative = runner.invoke(trips_app, ["detect", "--input", str(csv), "--min-dwell-s", "-5"])

    assert unknown.exit_code == 1
    assert ".csv or .gpx" in unknown.stderr
    assert negative.exit_code == 1
    assert "min_dwell_s" in negative.stderr


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(trips_app, ["detect", "--input", str(tmp_path / "nope.csv")])

    assert result.exit_code == 2
