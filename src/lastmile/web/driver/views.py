"""`/driver`: the app shell, its web app manifest and its service worker."""

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from lastmile.api.deps import SettingsDep

router = APIRouter(include_in_schema=False)

STATIC = Path(__file__).parent / "static"
SHARED_STATIC = Path(__file__).parent.parent / "maps" / "static"
SCOPE = "/driver/"


@cache
def shell_version() -> str:
    """A digest of the static files: the worker's cache name changes whenever they do."""
    digest = hashlib.sha256()
    for path in [*sorted(STATIC.rglob("*")), *sorted(SHARED_STATIC.rglob("*"))]:
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@router.get("/driver")
def driver_root() -> RedirectResponse:
    return RedirectResponse(SCOPE, status_code=308)


@router.get(SCOPE, response_class=HTMLResponse)
def driver_app(request: Request, settings: SettingsDep) -> Response:
    return request.app.state.templates.TemplateResponse(  # type: ignore[no-any-return]
        request,
        "driver/app.html",
        {
            "version": shell_version(),
            "tile_url": settings.map_tile_url or "",
            "geofence_m": settings.driver_geofence_m,
            "calls": settings.call_masking != "off",
        },
        headers={"Cache-Control": "no-cache", "Referrer-Policy": "no-referrer"},
    )


@router.get("/driver/manifest.webmanifest")
def manifest() -> JSONResponse:
    body: dict[str, Any] = {
        "name": "Lastmile Driver",
        "short_name": "Driver",
        "description": "Today's route, proof of delivery, cash and chat for Lastmile drivers",
        "start_url": SCOPE,
        "scope": SCOPE,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#0b3d91",
        "icons": [
            {"src": "/static/driver/icon-192.png", "sizes": "192x192", "type": "image/png"},
            {"src": "/static/driver/icon-512.png", "sizes": "512x512", "type": "image/png"},
            {"src": "/static/driver/icon.svg", "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return JSONResponse(body, media_type="application/manifest+json")


@router.get("/driver/sw.js")
def service_worker() -> FileResponse:
    """Served from /driver/ so that its scope covers the app; never cached by HTTP."""
    return FileResponse(
        STATIC / "sw.js",
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": SCOPE},
    )
