"""Fixtures for tests that need the address index: the tiny extract (testkit/osm.py), read once
per module and stored in the test's rolled-back transaction. Import both names into a test
module to use them."""

import pytest
from sqlalchemy.orm import Session
from testkit.osm import write_tiny_extract

from lastmile.addresses.extract import Extract, read_extract
from lastmile.addresses.index import store


@pytest.fixture(scope="module")
def tiny_extract(tmp_path_factory: pytest.TempPathFactory) -> Extract:
    return read_extract(write_tiny_extract(tmp_path_factory.mktemp("osm") / "tiny.osm.pbf"))


@pytest.fixture
def indexed(session: Session, tiny_extract: Extract) -> None:
    store(session=session, extract=tiny_extract, map_name="tiny", source="tiny.osm.pbf")
