"""GPS ingestion: protocol decoders (`protocols/`) and the per-driver fix pipeline."""

from lastmile.ingest.filters import (
    DEFAULT_MAX_ACCURACY_M,
    DEFAULT_MAX_SPEED_MPS,
    AccuracyFilter,
    Dedupe,
    OrderGuard,
    SpeedFilter,
)
from lastmile.ingest.pipeline import Handler
from lastmile.ingest.smoothing import Smooth


def standard_handlers(
    *,
    max_accuracy_m: float = DEFAULT_MAX_ACCURACY_M,
    max_speed_mps: float = DEFAULT_MAX_SPEED_MPS,
) -> list[Handler]:
    """The pure stages in order: dedupe → order → accuracy → speed → smooth.

    Append persistence, motion, ETA and publishing handlers after these; leave a stage
    out of the list to switch it off.
    """
    return [
        Dedupe(),
        OrderGuard(),
        AccuracyFilter(max_accuracy_m=max_accuracy_m),
        SpeedFilter(max_speed_mps=max_speed_mps),
        Smooth(),
    ]
