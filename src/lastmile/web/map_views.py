"""HTTP routes: our road layer, for maps that cannot reach a tile server."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from lastmile.api.deps import SettingsDep
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.auth.deps import SESSION_COOKIE, Principal, resolve_principal
from lastmile.config import Settings
from lastmile.driver_auth import service as driver_service
from lastmile.errors import NotFound
from lastmile.routing import roads
from lastmile.routing.maps import DEFAULT_MAP, map_dir
from lastmile.routing.tiles import TILE_EXTRACT, BBox

router = APIRouter(tags=["map"], responses=COMMON_PROBLEMS)

CACHE_CONTROL = "private, max-age=3600"

_bearer = HTTPBearer(
    auto_error=False, description="An API key, or a driver session token from the driver app"
)
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="Web session cookie")


def _org_of_caller(
    request: Request,
    settings: SettingsDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> uuid.UUID:
    """The organisation of a signed-in dispatcher (cookie or API key) or driver (bearer)."""
    with request.app.state.db.session() as session:
        if bearer is not None:
            driver = driver_service.resolve_session(
                session=session,
                token=bearer.credentials,
                secret_key=settings.secret_key.get_secret_value(),
            )
            if driver is not None:
                session.commit()
                return driver.org_id
        principal: Principal = resolve_principal(request, session, settings, bearer, cookie)
        return principal.org_id


MapReaderDep = Annotated[uuid.UUID, Depends(_org_of_caller)]


def road_layer(settings: Settings) -> roads.RoadLayer:
    """The configured map's road layer; 404 naming the command when no map is imported."""
    name = settings.map_name or DEFAULT_MAP
    extract = map_dir(settings.data_dir, name) / TILE_EXTRACT
    if not extract.is_file():
        raise NotFound(
            f"map {name!r} has no road data: import it with "
            f"`lastmile map import FILE.osm.pbf --name {name}`"
        )
    return roads.cached_road_layer(extract)


async def roads_response(request: Request, settings: Settings, bbox: BBox, zoom: int) -> Response:
    """The GeoJSON answer with its ETag, or 304 when the client holds it already."""
    layer = await run_in_threadpool(road_layer, settings)
    tag = roads.etag(layer, bbox, zoom)
    headers = {"ETag": tag, "Cache-Control": CACHE_CONTROL, "Vary": "Authorization, Cookie"}
    if tag in {t.strip() for t in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    body = await run_in_threadpool(roads.roads_geojson, layer, bbox, zoom)
    return JSONResponse(body, headers=headers, media_type="application/geo+json")


@router.get(
    "/api/v1/map/roads",
    summary="Roads of the imported map in a box, as GeoJSON",
    responses={200: {"content": {"application/geo+json": {}}}, 304: {"description": "Unchanged"}},
)
async def get_roads(
    request: Request,
    settings: SettingsDep,
    _org: MapReaderDep,
    bbox: Annotated[str, Query(description="west,south,east,north in degrees", max_length=200)],
    zoom: Annotated[int, Query(ge=0, le=22, description="the map's zoom level")] = 15,
) -> Response:
    """For the driver app and the Control Tower when no tile server answers."""
    return await roads_response(request, settings, roads.parse_bbox(bbox), zoom)
