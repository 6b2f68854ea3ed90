"""Monaco's road network, built once per session (shared with tests/routing)."""

from tests.routing.conftest import monaco_pbf, monaco_tiles

__all__ = ["monaco_pbf", "monaco_tiles"]
