"""`lastmile map ...`: import OpenStreetMap extracts as routable maps."""

from pathlib import Path
from typing import Annotated

import typer

from lastmile.errors import LastmileError

map_app = typer.Typer(help="Road maps: import OpenStreetMap extracts for routing.")

DataDir = Annotated[
    Path,
    typer.Option("--data-dir", envvar="LASTMILE_DATA_DIR", help="Lastmile's data directory."),
]


@map_app.command("import")
def import_map(
    pbf: Annotated[Path, typer.Argument(help="An OpenStreetMap extract, FILE.osm.pbf.")],
    data_dir: DataDir = Path("var"),
    name: Annotated[
        str | None, typer.Option(help="Map name; defaults to the file name before .osm.pbf.")
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option(min=1, help="Build threads; defaults to all cores.")
    ] = None,
) -> None:
    """Build routing tiles from PBF into DATA_DIR/maps/NAME/, and its address index."""
    map_name = name or pbf.name.removesuffix(".pbf").removesuffix(".osm")
    _build(pbf, data_dir, map_name, concurrency)


@map_app.command("default")
def default_map(data_dir: DataDir = Path("var")) -> None:
    """Fetch central Helsinki (© OpenStreetMap contributors, ODbL), build its tiles and its
    address index."""
    from lastmile.routing.maps import DEFAULT_MAP, ensure_default_map

    try:
        pbf = ensure_default_map(data_dir)
    except LastmileError as error:
        typer.echo(f"error: {error.detail}", err=True)
        raise typer.Exit(1) from error
    typer.echo(f"source: {pbf}")
    _build(pbf, data_dir, DEFAULT_MAP, None)


@map_app.command("list")
def list_maps(data_dir: DataDir = Path("var")) -> None:
    """List the maps whose tiles are built."""
    from lastmile.routing.maps import available_maps, map_dir
    from lastmile.routing.tiles import read_map_info

    for name in available_maps(data_dir):
        info = read_map_info(map_dir(data_dir, name))
        source = f"  from {info.source}, built {info.built_at:%Y-%m-%d %H:%M} UTC" if info else ""
        typer.echo(f"{name}{source}")


def _build(pbf: Path, data_dir: Path, name: str, concurrency: int | None) -> None:
    from lastmile.addresses.cli import build_index, describe
    from lastmile.progress import progress_bar
    from lastmile.routing.maps import map_dir
    from lastmile.routing.tiles import build_tiles, read_map_info

    with progress_bar(f"{name}: road tiles", total=2) as bar:
        try:
            extract = build_tiles(pbf, map_dir(data_dir, name), concurrency=concurrency)
        except LastmileError as error:
            typer.echo(f"error: {error.detail}", err=True)
            raise typer.Exit(1) from error
        info = read_map_info(extract.parent)
        took = f" in {info.build_s:.1f} s" if info else ""
        typer.echo(f"map {name!r} built{took}: {extract}")
        bar.update(completed=1, description=f"{name}: address index")
        try:
            summary = build_index(pbf, data_dir=data_dir, name=name)
        except LastmileError as error:
            typer.echo(f"error: {error.detail}", err=True)
            raise typer.Exit(1) from error
        bar.advance()
    typer.echo(describe(summary))
