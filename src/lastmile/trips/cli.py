"""`lastmile trips ...`: segment recorded tracks from the command line."""

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from lastmile.errors import InvalidInput
from lastmile.trips.types import Segment, SegmentationConfig

trips_app = typer.Typer(no_args_is_help=True)


@trips_app.callback()
def trips() -> None:
    """Stops, moves and trip summaries from GPS tracks."""


def segment_json(segment: Segment) -> dict[str, Any]:
    return {
        "kind": segment.kind,
        "start": segment.start.isoformat(),
        "end": segment.end.isoformat(),
        "lat": round(segment.lat, 7),
        "lon": round(segment.lon, 7),
        "duration_s": round(segment.duration_s, 3),
        "distance_m": round(segment.distance_m, 1),
    }


@trips_app.command()
def detect(
    input_path: Annotated[
        Path,
        typer.Option(
            "--input",
            exists=True,
            dir_okay=False,
            readable=True,
            help="Track file: .csv (timestamp, lat, lon[, accuracy_m, speed_mps]) or .gpx.",
        ),
    ],
    min_dwell_s: Annotated[
        float, typer.Option("--min-dwell-s", help="Shortest stationary time reported as a stop.")
    ] = SegmentationConfig().min_dwell_s,
) -> None:
    """Print the track's stops and moves, one JSON object per line."""
    from lastmile.trips.readers import read_track
    from lastmile.trips.segmentation import segment_track

    try:
        config = SegmentationConfig(min_dwell_s=min_dwell_s)
        points = read_track(input_path)
    except InvalidInput as error:
        typer.echo(f"error: {input_path}: {error.detail}", err=True)
        raise typer.Exit(1) from None
    for segment in segment_track(points, config=config):
        typer.echo(json.dumps(segment_json(segment)))
