"""Stops, moves and driving time from GPS tracks: batch, streaming and per-day summaries."""

from lastmile.trips.segmentation import StopDetector, label_points, segment_track
from lastmile.trips.summary import DaySummary, KnownPlace, summarise_day, summarise_days
from lastmile.trips.types import Segment, SegmentationConfig, SegmentKind, TrackPoint

__all__ = [
    "DaySummary",
    "KnownPlace",
    "Segment",
    "SegmentKind",
    "SegmentationConfig",
    "StopDetector",
    "TrackPoint",
    "label_points",
    "segment_track",
    "summarise_day",
    "summarise_days",
]
