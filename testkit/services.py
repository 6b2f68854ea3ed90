"""Whether the real services (PostgreSQL, Redis, Mosquitto, Chromium, reference data) must be
there: under CI (`LASTMILE_REQUIRE_SERVICES=1`) a missing one fails, elsewhere it skips."""

import os

import pytest

REQUIRE_SERVICES = os.environ.get("LASTMILE_REQUIRE_SERVICES") == "1"


def service_unavailable(what: str) -> None:
    """Skip when a real service is missing, unless CI demands it (then fail)."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is unreachable and LASTMILE_REQUIRE_SERVICES=1 requires it")
    pytest.skip(f"{what} is unreachable (set LASTMILE_REQUIRE_SERVICES=1 to fail instead)")
