"""`lastmile addresses ...`: build the embedded geocoder's index from an OpenStreetMap extract."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lastmile.errors import LastmileError

if TYPE_CHECKING:
    from lastmile.addresses.index import IndexSummary

addresses_app = typer.Typer(help="Addresses: the offline geocoder's index.")

DataDir = Annotated[
    Path,
    typer.Option("--data-dir", envvar="LASTMILE_DATA_DIR", help="Lastmile's data directory."),
]


@addresses_app.callback()
def addresses() -> None:
    """Addresses: the offline geocoder's index."""


@addresses_app.command("index")
def index(
    pbf: Annotated[Path, typer.Argument(help="An OpenStreetMap extract, FILE.osm.pbf.")],
    data_dir: DataDir = Path("var"),
    name: Annotated[
        str | None, typer.Option(help="Index name; defaults to the file name before .osm.pbf.")
    ] = None,
) -> None:
    """Index the addresses, streets, places and postcodes of PBF into the database."""
    index_name = name or pbf.name.removesuffix(".pbf").removesuffix(".osm")
    try:
        summary = build_index(pbf, data_dir=data_dir, name=index_name)
    except LastmileError as error:
        typer.echo(f"error: {error.detail}", err=True)
        raise typer.Exit(1) from error
    typer.echo(describe(summary))


def build_index(pbf: Path, *, data_dir: Path, name: str) -> "IndexSummary":
    """Index PBF as `name` into the database the settings name (`LASTMILE_DATABASE_URL`, or
    the SQLite file in `data_dir`), migrated first."""
    from lastmile.addresses.index import index_extract
    from lastmile.config import Settings
    from lastmile.db import Database
    from lastmile.db.migrate import upgrade

    settings = Settings(data_dir=data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    database = Database.from_url(settings.resolved_database_url)
    try:
        upgrade(database.engine)
        with database.session(writes=True) as session:
            summary = index_extract(session=session, path=pbf, map_name=name)
            session.commit()
    finally:
        database.engine.dispose()
    return summary


def describe(summary: "IndexSummary") -> str:
    """One line for the terminal."""
    return (
        f"address index {summary.map_name!r}: {summary.points} addresses, "
        f"{summary.names} streets, places and postcodes ({summary.skipped} addresses "
        f"without a street or a readable number left out) in {summary.took_s:.1f} s"
    )
