from pathlib import Path

from typer.testing import CliRunner

from lastmile.routing.cli import map_app
from lastmile.routing.maps import map_dir

runner = CliRunner()


def test_import_builds_tiles_into_the_data_dir_and_lists_them(
    monaco_pbf: Path, tmp_path: Path
) -> None:
    args = ["import", str(monaco_pbf), "--name", "mc-1", "--data-dir", str(tmp_path)]
    result = runner.invoke(map_app, args)
    assert result.exit_code == 0, result.output
    extract = map_dir(tmp_path, "mc-1") / "tiles.tar"
    assert extract.is_file()
    assert str(extract) in result.output.replace("\n", "")
    assert "address index 'mc-1':" in result.output

    listed = runner.invoke(map_app, ["list", "--data-dir", str(tmp_path)])
    assert listed.exit_code == 0
    assert listed.output.startswith("mc-1  from monaco.osm.pbf")


def test_import_of_a_missing_file_fails_with_a_message(tmp_path: Path) -> None:
    result = runner.invoke(map_app, ["import", str(tmp_path / "nowhere.osm.pbf")])
    assert result.exit_code == 1
    assert "does not exist" in result.output


def test_data_dir_comes_from_the_environment(tmp_path: Path) -> None:
    built = map_dir(tmp_path, "mc")
    built.mkdir(parents=True)
    (built / "tiles.tar").write_bytes(b"")
    result = runner.invoke(map_app, ["list"], env={"LASTMILE_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 0, result.output
    assert result.output == "mc\n"
