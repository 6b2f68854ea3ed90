"""Stop detection on real delivery tracks: our segmentation against a speed threshold.

Data: the Amazon "GPS-ordered activity labels" chunks in `$LASTMILE_SHARED_DATA/gps/
amazon_activity/` (default `../shared/data` beside the repository). Every fix is
labelled `Driving` or `OnFoot`; OnFoot (walking to the door, and halts in the vehicle)
counts as stopped. Both methods are tuned on the even-numbered chunks and scored per
fix on the odd-numbered ones, which are never looked at while tuning.

Run: `.venv/bin/python bench/stops.py` from the repository root; prints markdown.
"""

import itertools
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from lastmile.geo import haversine_m
from lastmile.trips.readers import read_activity_csv
from lastmile.trips.segmentation import (
    SegmentationConfig,
    TrackPoint,
    label_points,
    segment_track,
)

COMMAND = ".venv/bin/python bench/stops.py"
REPO = Path(__file__).resolve().parents[1]
ORIGIN_LAT, ORIGIN_LON = 52.52, 13.405
STOPPED_LABEL = "OnFoot"
BASELINE_THRESHOLDS_MPS = [round(0.1 * i, 1) for i in range(1, 61)]
GRID: dict[str, list[float]] = {
    "window_s": [20, 30, 40, 60],
    "radius_m": [10, 15, 20, 25, 30],
    "outlier_fraction": [0.0, 0.2, 0.34],
    "drift_speed_mps": [0.0, 0.3, 0.5, 0.8],
    "min_dwell_s": [5, 10, 20, 30, 60],
    "merge_gap_s": [0, 10, 20, 40],
    "max_extent_m": [30, 50, 100, 1000],
}
MIN_DWELL_SWEEP_S = [5, 10, 20, 30, 45, 60, 90]

Chunk = tuple[list[TrackPoint], list[bool]]


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float

    def row(self, method: str) -> str:
        return f"| {method} | {self.precision:.3f} | {self.recall:.3f} | {self.f1:.3f} |"


def data_dir() -> Path:
    shared = Path(os.environ.get("LASTMILE_SHARED_DATA", REPO.parent / "shared" / "data"))
    return shared / "gps" / "amazon_activity"


def load(folder: Path) -> list[Chunk]:
    chunks = []
    for path in sorted(folder.glob("*.csv")):
        points, labels = read_activity_csv(path, origin_lat=ORIGIN_LAT, origin_lon=ORIGIN_LON)
        chunks.append((points, [label == STOPPED_LABEL for label in labels]))
    return chunks


def score(predict: Callable[[list[TrackPoint]], list[bool]], chunks: Sequence[Chunk]) -> Scores:
    tp = fp = fn = 0
    for points, truth in chunks:
        for stopped, is_stopped in zip(predict(points), truth, strict=True):
            tp += stopped and is_stopped
            fp += stopped and not is_stopped
            fn += is_stopped and not stopped
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1)


def speed_threshold(threshold_mps: float) -> Callable[[list[TrackPoint]], list[bool]]:
    """Stopped when the speed from the previous fix (the next one, for the first) is low."""

    def predict(points: list[TrackPoint]) -> list[bool]:
        speeds = [
            haversine_m(a.lat, a.lon, b.lat, b.lon) / max((b.at - a.at).total_seconds(), 1e-3)
            for a, b in itertools.pairwise(points)
        ]
        speeds = speeds[:1] + speeds
        return [speed < threshold_mps for speed in speeds]

    return predict


def segmentation(config: SegmentationConfig) -> Callable[[list[TrackPoint]], list[bool]]:
    def predict(points: list[TrackPoint]) -> list[bool]:
        segments = segment_track(points, config=config)
        return [kind == "stop" for kind in label_points(points, segments)]

    return predict


def tune_segmentation(chunks: Sequence[Chunk]) -> tuple[SegmentationConfig, Scores]:
    """Coordinate descent over GRID from the defaults, keeping strict improvements of F1."""
    config = SegmentationConfig()
    best = score(segmentation(config), chunks)
    for _ in range(3):
        improved = False
        for name, values in GRID.items():
            for value in values:
                candidate = replace(config, **{name: value})
                scores = score(segmentation(candidate), chunks)
                if scores.f1 > best.f1 + 1e-4:
                    config, best, improved = candidate, scores, True
        if not improved:
            break
    return config, best


def main() -> int:
    folder = data_dir()
    print("## Stop detection\n")
    print(f"Command: `{COMMAND}`\n")
    if not folder.is_dir():
        print(f"Skipped: the data folder `{folder}` is absent (set `LASTMILE_SHARED_DATA`).")
        return 0
    started = time.perf_counter()
    chunks = load(folder)
    tune, held_out = chunks[0::2], chunks[1::2]
    fixes = sum(len(points) for points, _ in held_out)
    stopped = sum(sum(truth) for _, truth in held_out)

    threshold_mps = max(BASELINE_THRESHOLDS_MPS, key=lambda t: score(speed_threshold(t), tune).f1)
    config, tuned_f1 = tune_segmentation(tune)
    baseline = score(speed_threshold(threshold_mps), held_out)
    ours = score(segmentation(config), held_out)
    defaults = score(segmentation(SegmentationConfig()), held_out)
    short_dwell = score(segmentation(SegmentationConfig(min_dwell_s=20)), held_out)

    print(
        f"Data: `{folder}`, {len(chunks)} chunks of real delivery driving (Amazon GPS-ordered "
        f"activity labels, CC-BY-4.0). Tuned on the {len(tune)} even-numbered chunks, scored on "
        f"the {len(held_out)} odd-numbered ones: {fixes} fixes, {stopped} of them labelled "
        f"`{STOPPED_LABEL}` (stopped). Per-fix precision, recall and F1 of *stopped*.\n"
    )
    print("| method (held-out half) | precision | recall | F1 |")
    print("|---|---|---|---|")
    print(baseline.row(f"speed < {threshold_mps} m/s between consecutive fixes (tuned)"))
    print(ours.row("`segment_track`, tuned parameters"))
    print(defaults.row("`segment_track`, default parameters (min dwell 60 s)"))
    print(short_dwell.row("`segment_track`, default parameters but min dwell 20 s"))
    tuned = {name: getattr(config, name) for name in GRID}
    print(f"\nTuned parameters (F1 {tuned_f1.f1:.3f} on the tuning half): `{tuned}`\n")

    print("Minimum dwell on the held-out half, other parameters as tuned:\n")
    print("| min_dwell_s | precision | recall | F1 |")
    print("|---|---|---|---|")
    for min_dwell_s in MIN_DWELL_SWEEP_S:
        sweep = score(segmentation(replace(config, min_dwell_s=min_dwell_s)), held_out)
        print(sweep.row(str(min_dwell_s)))
    print(f"\nRan in {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
