"""Build a Valhalla tile extract from an OpenStreetMap .osm.pbf, offline, into a map directory.

A map directory holds `tiles.tar` (what `ValhallaNetwork` loads) and `map.json`
(`MapInfo`: where the tiles came from and the area they cover).
"""

import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import valhalla

from lastmile.errors import InvalidInput
from lastmile.routing.network import LatLon, RoutingError

TILE_EXTRACT: Final = "tiles.tar"
MAP_INFO: Final = "map.json"
_OUTPUT_TAIL_LINES: Final = 25


class TileBuildError(RoutingError):
    """valhalla_build_tiles or valhalla_build_extract failed; the detail ends with its output."""

    title = "Map import failed"
    slug = "map-import-failed"


@dataclass(frozen=True, slots=True)
class BBox:
    """An area in degrees."""

    min_lat: float
    min_lon: float
    max_lat: float
    max_lon: float

    @property
    def centre(self) -> LatLon:
        """The middle of the box; on a small city extract, a fair reference point.

        >>> BBox(60.0, 24.0, 61.0, 25.0).centre
        (60.5, 24.5)
        """
        return (self.min_lat + self.max_lat) / 2, (self.min_lon + self.max_lon) / 2


@dataclass(frozen=True, slots=True)
class MapInfo:
    """What `map.json` records about a built map."""

    name: str
    source: str
    source_sha256: str
    bbox: BBox | None
    built_at: datetime
    build_s: float
    valhalla_version: str


def build_tiles(pbf: Path, out_dir: Path, *, concurrency: int | None = None) -> Path:
    """Build `out_dir/tiles.tar` and `out_dir/map.json` from `pbf`; return the extract's path.

    The build happens in a sibling temporary directory that replaces `out_dir` only
    once complete, so a failed build never leaves a half-built map behind.
    """
    pbf = pbf.resolve()
    if not pbf.is_file():
        raise InvalidInput("pbf", f"{pbf} does not exist")
    try:
        bbox = pbf_bbox(pbf)
    except ValueError as error:
        raise InvalidInput("pbf", f"{pbf} is not an OSM PBF file: {error}") from error
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.building-", dir=out_dir.parent))
    work.chmod(0o755)
    try:
        config_path = work / "build.json"
        config_path.write_text(json.dumps(_build_config(work, concurrency)))
        started = time.perf_counter()
        bin_dir = Path(valhalla.__file__).parent / "bin"
        _run([str(bin_dir / "valhalla_build_tiles"), "-c", str(config_path), str(pbf)])
        extract = "valhalla.valhalla_build_extract"
        _run([sys.executable, "-m", extract, "-c", str(config_path), "--overwrite"])
        info = MapInfo(
            name=out_dir.name,
            source=pbf.name,
            source_sha256=_sha256(pbf),
            bbox=bbox,
            built_at=datetime.now(UTC),
            build_s=round(time.perf_counter() - started, 3),
            valhalla_version=valhalla.__version__,
        )
        shutil.rmtree(work / "tiles")
        config_path.unlink()
        write_map_info(work, info)
        _swap_in(work, out_dir)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return out_dir / TILE_EXTRACT


def write_map_info(map_dir: Path, info: MapInfo) -> None:
    """Write `map.json`."""
    data = asdict(info)
    data["built_at"] = info.built_at.isoformat()
    (map_dir / MAP_INFO).write_text(json.dumps(data, indent=2) + "\n")


def read_map_info(map_dir: Path) -> MapInfo | None:
    """Read `map.json`, or None for a map directory without one."""
    path = map_dir / MAP_INFO
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    bbox = data.get("bbox")
    return MapInfo(
        name=data["name"],
        source=data["source"],
        source_sha256=data["source_sha256"],
        bbox=BBox(**bbox) if bbox else None,
        built_at=datetime.fromisoformat(data["built_at"]),
        build_s=float(data["build_s"]),
        valhalla_version=data["valhalla_version"],
    )


def pbf_bbox(pbf: Path) -> BBox | None:
    """The bounding box in an OSM PBF file's header, or None when the header has none.

    Raises ValueError when the file does not start with an OSM PBF header block.
    """
    with pbf.open("rb") as handle:
        (header_size,) = struct.unpack(">I", _read_exactly(handle.read, 4))
        if header_size > 64 * 1024:
            raise ValueError(f"blob header of {header_size} bytes exceeds 64 KiB")
        blob_header = dict(_protobuf_fields(_read_exactly(handle.read, header_size)))
        blob_size = blob_header.get(3)
        if blob_header.get(1) != b"OSMHeader" or not isinstance(blob_size, int):
            raise ValueError("first blob is not an OSMHeader")
        if blob_size > 32 * 1024 * 1024:
            raise ValueError(f"header blob of {blob_size} bytes exceeds 32 MiB")
        blob = dict(_protobuf_fields(_read_exactly(handle.read, blob_size)))
    raw, compressed = blob.get(1), blob.get(3)
    if isinstance(raw, bytes):
        header_block = raw
    elif isinstance(compressed, bytes):
        header_block = zlib.decompress(compressed)
    else:
        raise ValueError("header blob is neither raw nor zlib-compressed")
    for number, value in _protobuf_fields(header_block):
        if number == 1 and isinstance(value, bytes):
            box = {k: _unzigzag(v) / 1e9 for k, v in _protobuf_fields(value) if isinstance(v, int)}
            return BBox(min_lat=box[4], min_lon=box[1], max_lat=box[3], max_lon=box[2])
    return None


def _read_exactly(read: Any, size: int) -> bytes:
    data: bytes = read(size)
    if len(data) != size:
        raise ValueError(f"file ends after {len(data)} of {size} expected bytes")
    return data


def _protobuf_fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    # Just enough of the protobuf wire format for the OSM PBF header.
    position = 0
    while position < len(data):
        key, position = _varint(data, position)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, position = _varint(data, position)
            yield number, value
        elif wire_type == 2:
            size, position = _varint(data, position)
            yield number, data[position : position + size]
            position += size
        elif wire_type in (1, 5):
            position += 8 if wire_type == 1 else 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire_type}")


def _varint(data: bytes, position: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if position >= len(data):
            raise ValueError("truncated varint")
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, position


def _unzigzag(value: int) -> int:
    return (value >> 1) ^ -(value & 1)


def _build_config(work: Path, concurrency: int | None) -> dict[str, Any]:
    config: dict[str, Any] = valhalla.get_config(tile_extract="", tile_dir="", verbose=True)
    mjolnir = config["mjolnir"]
    mjolnir["tile_dir"] = str(work / "tiles")
    mjolnir["tile_extract"] = str(work / TILE_EXTRACT)
    # No admin, time-zone, elevation or transit data offline: empty paths skip them.
    for key in ("admin", "timezone", "landmarks", "traffic_extract", "transit_dir"):
        mjolnir[key] = ""
    config["additional_data"]["elevation"] = ""
    config["logging"]["color"] = False
    if concurrency is not None:
        mjolnir["concurrency"] = concurrency
    return config


def _run(command: list[str]) -> None:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip().splitlines()[-_OUTPUT_TAIL_LINES:]
        raise TileBuildError(
            f"{Path(command[0]).name} {' '.join(command[1:])} exited with {done.returncode}:\n"
            + "\n".join(output)
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _swap_in(built: Path, out_dir: Path) -> None:
    if not out_dir.exists():
        built.rename(out_dir)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
    out_dir.rename(old / out_dir.name)
    built.rename(out_dir)
    shutil.rmtree(old)
