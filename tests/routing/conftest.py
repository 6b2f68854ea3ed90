import os
import time
from pathlib import Path

import pytest

from lastmile.routing.tiles import build_tiles
from lastmile.routing.valhalla import ValhallaNetwork

SHARED_OSM = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "osm"
MONACO_PBF = SHARED_OSM / "monaco.osm.pbf"


def _require_monaco() -> Path:
    if MONACO_PBF.is_file():
        return MONACO_PBF
    reason = f"Monaco extract not found at {MONACO_PBF} (shared reference data)"
    if os.environ.get("LASTMILE_REQUIRE_SERVICES"):
        pytest.fail(f"{reason}, and LASTMILE_REQUIRE_SERVICES is set")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def monaco_pbf() -> Path:
    return _require_monaco()


@pytest.fixture(scope="session")
def monaco_tiles(monaco_pbf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Monaco built once per session: `<data_dir>/maps/monaco/tiles.tar`."""
    data_dir = tmp_path_factory.mktemp("data")
    started = time.perf_counter()
    extract = build_tiles(monaco_pbf, data_dir / "maps" / "monaco")
    print(f"\nMonaco tiles built in {time.perf_counter() - started:.2f} s")
    return extract


@pytest.fixture(scope="session")
def monaco(monaco_tiles: Path) -> ValhallaNetwork:
    return ValhallaNetwork(monaco_tiles)
