"""Per-driver refresh periods that drift apart instead of expiring together."""

import random

SPREAD = 0.25


def spread(seconds: float) -> float:
    """`seconds` give or take a quarter: a fleet whose caches were filled in the same few
    seconds (a shift start, a restart) then refreshes over a wide window, not in one burst."""
    return seconds * random.uniform(1 - SPREAD, 1 + SPREAD)
