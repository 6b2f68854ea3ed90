from datetime import UTC, datetime
from pathlib import Path

import pytest

from lastmile.errors import InvalidInput
from lastmile.trips import TrackPoint
from lastmile.trips.readers import (
    parse_csv_track,
    parse_gpx_track,
    parse_timestamp,
    read_activity_csv,
    read_track,
)

GPX = """<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">
  <trk><name>morning</name><trkseg>
    <trkpt lat="52.5200" lon="13.4050"><ele>34</ele><time>2024-05-06T08:00:00Z</time></trkpt>
    <trkpt lat="52.5201" lon="13.4052"><time>2024-05-06T08:00:05Z</time></trkpt>
  </trkseg></trk>
</gpx>
"""


def csv_lines(*rows: str, header: str = "timestamp,lat,lon,accuracy_m,speed_mps") -> list[str]:
    return [header + "\n", *(row + "\n" for row in rows)]


def test_csv_reads_iso_and_epoch_times_and_optional_columns() -> None:
    points = parse_csv_track(
        csv_lines(
            "2024-05-06T10:00:00+02:00,52.52,13.405,8.5,0.4",
            "1714982405,52.5201,13.4052,,",
            "2024-05-06T08:00:10,52.5202,13.4054,12,3",
        )
    )

    assert points == [
        TrackPoint(datetime(2024, 5, 6, 8, 0, 0, tzinfo=UTC), 52.52, 13.405, 8.5, 0.4),
        TrackPoint(datetime(2024, 5, 6, 8, 0, 5, tzinfo=UTC), 52.5201, 13.4052, None, None),
        TrackPoint(datetime(2024, 5, 6, 8, 0, 10, tzinfo=UTC), 52.5202, 13.4054, 12.0, 3.0),
    ]


def test_csv_columns_in_any_order_without_optional_ones() -> None:
    points = parse_csv_track(["lon,lat,timestamp\n", "13.405,52.52,2024-05-06T08:00:00Z\n"])

    assert points == [TrackPoint(datetime(2024, 5, 6, 8, tzinfo=UTC), 52.52, 13.405)]


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ("2024-05-06T08:00:05Z,91.2,13.405,,", "row 3.lat", "'91.2' must be within -90..90"),
        ("2024-05-06T08:00:05Z,52.52,east,,", "row 3.lon", "'east' is not a number"),
        ("2024-05-06T08:00:05Z,,13.405,,", "row 3.lat", "row 3 has no `lat`"),
        ("yesterday,52.52,13.405,,", "row 3.timestamp", "neither ISO-8601 nor epoch"),
        ("nan,52.52,13.405,,", "row 3.timestamp", "neither ISO-8601 nor epoch"),
        ("2024-05-06T07:59:59Z,52.52,13.405,,", "row 3.timestamp", "time order"),
        ("2024-05-06T08:00:05Z,52.52,13.405,-3,", "row 3.accuracy_m", "must be within 0..100000"),
        ("2024-05-06T08:00:05Z,52.52,13.405,,inf", "row 3.speed_mps", "must be within 0..1000"),
    ],
)
def test_csv_bad_row_names_row_and_column(row: str, field: str, message: str) -> None:
    lines = csv_lines("2024-05-06T08:00:00Z,52.52,13.405,,", row)

    with pytest.raises(InvalidInput, match=message) as raised:
        parse_csv_track(lines)

    assert raised.value.field == field
    assert field in str(raised.value)


def test_csv_missing_column_is_named() -> None:
    with pytest.raises(InvalidInput, match="column missing") as raised:
        parse_csv_track(["timestamp,latitude,lon\n"])

    assert raised.value.field == "lat"


def test_gpx_reads_track_points() -> None:
    points = parse_gpx_track(GPX)

    assert points == [
        TrackPoint(datetime(2024, 5, 6, 8, 0, 0, tzinfo=UTC), 52.52, 13.405),
        TrackPoint(datetime(2024, 5, 6, 8, 0, 5, tzinfo=UTC), 52.5201, 13.4052),
    ]


def test_gpx_without_namespace() -> None:
    gpx = '<gpx><trk><trkseg><trkpt lat="1" lon="2"><time>1970-01-01T00:00:00Z</time></trkpt>'
    gpx += "</trkseg></trk></gpx>"

    assert parse_gpx_track(gpx) == [TrackPoint(datetime(1970, 1, 1, tzinfo=UTC), 1.0, 2.0)]


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('lat="52.5201"', 'lat="north"', "trkpt 2.lat"),
        ('lon="13.4052"', "", "trkpt 2.lon"),
        ("<time>2024-05-06T08:00:05Z</time>", "", "trkpt 2.time"),
        ("2024-05-06T08:00:05Z", "soon", "trkpt 2.time"),
    ],
)
def test_gpx_bad_point_names_it(old: str, new: str, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_gpx_track(GPX.replace(old, new))

    assert raised.value.field == field


def test_gpx_that_is_not_xml() -> None:
    with pytest.raises(InvalidInput, match="not valid XML"):
        parse_gpx_track("<gpx><trk>")


def test_read_track_chooses_by_extension(tmp_path: Path) -> None:
    (tmp_path / "a.CSV").write_text("".join(csv_lines("2024-05-06T08:00:00Z,52.52,13.405,,")))
    (tmp_path / "a.gpx").write_text(GPX)
    (tmp_path / "a.kml").write_text("<kml/>")

    assert len(read_track(tmp_path / "a.CSV")) == 1
    assert len(read_track(tmp_path / "a.gpx")) == 2
    with pytest.raises(InvalidInput, match=r"\.csv or \.gpx") as raised:
        read_track(tmp_path / "a.kml")
    assert raised.value.field == "input"


def test_binary_csv_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "track.csv"
    path.write_bytes(b"timestamp,lat,lon\n\xff\xfe\x00garbage\n")

    with pytest.raises(InvalidInput, match="not readable CSV"):
        read_track(path)


def test_activity_csv_projects_local_metres(tmp_path: Path) -> None:
    path = tmp_path / "trajectory_0000.csv"
    path.write_text(
        "timestamp,x,y,groundtruth\n"
        "1964-01-12 00:00:00.000000000,0.0,0.0,Driving\n"
        "1964-01-12 00:00:05.007000208,55.6,0.0,OnFoot\n"
    )

    points, labels = read_activity_csv(path, origin_lat=60.0, origin_lon=25.0)

    assert labels == ["Driving", "OnFoot"]
    assert (points[1].at - points[0].at).total_seconds() == pytest.approx(5.007)
    assert (round(points[1].lat, 6), round(points[1].lon, 4)) == (60.0, 25.001)


def test_parse_timestamp_keeps_offsets_and_assumes_utc_when_absent() -> None:
    assert parse_timestamp("2024-05-06T08:00:00") == datetime(2024, 5, 6, 8, tzinfo=UTC)
    assert parse_timestamp(" 0 ") == datetime(1970, 1, 1, tzinfo=UTC)
    assert parse_timestamp("2024-05-06T10:00:00+02:00").utcoffset() is not None
