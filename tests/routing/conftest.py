from pathlib import Path

import pytest

from lastmile.routing.valhalla import ValhallaNetwork


@pytest.fixture(scope="session")
def monaco(monaco_tiles: Path) -> ValhallaNetwork:
    return ValhallaNetwork(monaco_tiles)
