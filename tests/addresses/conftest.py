from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from testkit.osm import write_tiny_extract

from lastmile.addresses.extract import Extract, read_extract
from lastmile.addresses.geocoder import IndexGeocoder
from lastmile.addresses.index import store


@pytest.fixture(scope="session")
def tiny_pbf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_extract(tmp_path_factory.mktemp("osm") / "tiny.osm.pbf")


@pytest.fixture(scope="session")
def tiny_extract(tiny_pbf: Path) -> Extract:
    return read_extract(tiny_pbf)


@pytest.fixture(scope="session")
def monaco_extract(monaco_pbf: Path) -> Extract:
    return read_extract(monaco_pbf)


@pytest.fixture
def tiny(session: Session, tiny_extract: Extract) -> IndexGeocoder:
    """The embedded geocoder on the tiny extract, indexed inside the test's transaction."""
    store(session=session, extract=tiny_extract, map_name="tiny", source="tiny.osm.pbf")
    return IndexGeocoder(session)


@pytest.fixture
def monaco(session: Session, monaco_extract: Extract) -> IndexGeocoder:
    store(session=session, extract=monaco_extract, map_name="monaco", source="monaco.osm.pbf")
    return IndexGeocoder(session)


@pytest.fixture(scope="session")
def helsinki_extract(helsinki_pbf: Path) -> Extract:
    return read_extract(helsinki_pbf)


@pytest.fixture
def helsinki(session: Session, helsinki_extract: Extract) -> IndexGeocoder:
    """The embedded geocoder on the bundled Helsinki map, indexed inside the test's
    transaction."""
    store(session=session, extract=helsinki_extract, map_name="helsinki", source="helsinki")
    return IndexGeocoder(session)
