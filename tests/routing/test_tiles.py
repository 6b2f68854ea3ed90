from pathlib import Path

import pytest

from lastmile.errors import InvalidInput
from lastmile.routing.tiles import (
    MAP_INFO,
    BBox,
    TileBuildError,
    build_tiles,
    pbf_bbox,
    read_map_info,
)


def test_header_bbox_of_the_monaco_extract(monaco_pbf: Path) -> None:
    assert pbf_bbox(monaco_pbf) == BBox(min_lat=43.71, min_lon=7.349, max_lat=43.77, max_lon=7.491)


def test_a_file_that_is_not_a_pbf_is_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.osm.pbf"
    text.write_text("<osm version='0.6'></osm>\n" * 10)
    with pytest.raises(ValueError, match="blob header"):
        pbf_bbox(text)
    with pytest.raises(InvalidInput, match="not an OSM PBF file"):
        build_tiles(text, tmp_path / "maps" / "notes")


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        build_tiles(tmp_path / "absent.osm.pbf", tmp_path / "maps" / "absent")


def test_built_map_records_its_source(monaco_tiles: Path, monaco_pbf: Path) -> None:
    assert monaco_tiles.name == "tiles.tar"
    assert sorted(p.name for p in monaco_tiles.parent.iterdir()) == [MAP_INFO, "tiles.tar"]
    info = read_map_info(monaco_tiles.parent)
    assert info is not None
    assert info.name == "monaco"
    assert info.source == monaco_pbf.name
    assert len(info.source_sha256) == 64
    assert info.bbox is not None
    assert info.bbox.centre == pytest.approx((43.74, 7.42))
    assert info.build_s > 0


def test_failed_build_leaves_no_map_behind(monaco_pbf: Path, tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.osm.pbf"
    truncated.write_bytes(monaco_pbf.read_bytes()[:300_000])
    maps = tmp_path / "maps"
    with pytest.raises(TileBuildError, match="valhalla_build_tiles") as failure:
        build_tiles(truncated, maps / "truncated")
    assert "EOF" in failure.value.detail
    assert list(maps.iterdir()) == []


def test_read_map_info_of_a_folder_without_one(tmp_path: Path) -> None:
    assert read_map_info(tmp_path) is None
