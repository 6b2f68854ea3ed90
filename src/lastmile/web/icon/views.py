"""Serve the icon every page links to, and the one browsers ask for unprompted."""

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

router = APIRouter(include_in_schema=False)

HERE = Path(__file__).parent
CACHE = "public, max-age=86400"


@router.get("/favicon.ico")
def favicon_ico() -> FileResponse:
    """A 32 x 32 PNG: every browser takes a PNG under the .ico name."""
    return FileResponse(
        HERE / "favicon.png", media_type="image/png", headers={"Cache-Control": CACHE}
    )


@router.get("/favicon.svg")
def favicon_svg() -> FileResponse:
    return FileResponse(
        HERE / "favicon.svg", media_type="image/svg+xml", headers={"Cache-Control": CACHE}
    )
