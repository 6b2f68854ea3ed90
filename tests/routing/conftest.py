import time
from pathlib import Path

import pytest
from tests.conftest import shared_data

from lastmile.routing.tiles import build_tiles
from lastmile.routing.valhalla import ValhallaNetwork


@pytest.fixture(scope="session")
def monaco_pbf() -> Path:
    return shared_data("osm/monaco.osm.pbf")


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
