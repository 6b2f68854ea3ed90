from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from lastmile.addresses.cli import addresses_app
from lastmile.addresses.geocoder import IndexGeocoder
from lastmile.addresses.models import AddressMap
from lastmile.db import Database

runner = CliRunner()


def test_index_builds_into_the_data_dirs_database_and_replaces_on_rerun(
    tiny_pbf: Path, tmp_path: Path
) -> None:
    args = ["index", str(tiny_pbf), "--data-dir", str(tmp_path)]
    for _ in range(2):
        result = runner.invoke(addresses_app, args, env={"LASTMILE_DATABASE_URL": ""})
        assert result.exit_code == 0, result.output
        assert "address index 'tiny': 10 addresses" in result.output
    database = Database.from_url(f"sqlite:///{tmp_path / 'lastmile.db'}")
    with database.session() as session:
        assert session.scalars(select(AddressMap.name)).all() == ["tiny"]
        assert IndexGeocoder(session).geocode("Baker St 221b")[0].label == "Baker Street 221b"
    database.engine.dispose()


def test_a_file_that_is_no_extract_fails_with_a_message(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.osm.pbf"
    bogus.write_bytes(b"not a pbf")
    result = runner.invoke(addresses_app, ["index", str(bogus), "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "not a readable OSM file" in result.output
    missing = runner.invoke(addresses_app, ["index", str(tmp_path / "nowhere.osm.pbf")])
    assert missing.exit_code == 1
    assert "does not exist" in missing.output
