"""HTTP ingestion: our driver app's batches (with an API key or a driver session), Traccar
Client (OsmAnd) and OwnTracks; each route is thin around `ingest.ways_in`."""

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field

from lastmile.api.deps import SessionDep
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.auth import service as auth
from lastmile.auth.deps import Principal, PrincipalDep
from lastmile.auth.models import ApiKey
from lastmile.driver_auth.deps import DriverDep, DriverPrincipal
from lastmile.errors import Unauthenticated
from lastmile.ingest.protocols.native import NativeBatch
from lastmile.ingest.protocols.owntracks import owntracks_http_identity
from lastmile.ingest.ways_in import ingest_native, ingest_osmand, ingest_owntracks

router = APIRouter(tags=["ingest"], responses=COMMON_PROBLEMS)


class IngestAck(BaseModel):
    accepted: int = Field(description="Fixes that moved the live position")
    late: int = Field(description="Older fixes kept for history only")
    rejected: dict[str, int] = Field(description="Fixes refused by the pipeline, by reason")


async def _native(
    batch: NativeBatch, caller: Principal | DriverPrincipal, request: Request
) -> IngestAck:
    """The one body of both native endpoints: they differ only in who the caller is."""
    result = await ingest_native(
        batch,
        caller=caller,
        ingestor=request.app.state.ingestor,
        max_future_s=request.app.state.settings.ingest_max_future_s,
    )
    return IngestAck(**result.as_dict())


@router.post("/api/v1/fixes")
async def post_fixes(batch: NativeBatch, request: Request, principal: PrincipalDep) -> IngestAck:
    """Up to 1,000 fixes of one registered device of the API key's organisation; answered
    once they are durably stored."""
    return await _native(batch, principal, request)


@router.post("/api/v1/driver/fixes", tags=["driver app"])
async def post_driver_fixes(batch: NativeBatch, request: Request, driver: DriverDep) -> IngestAck:
    """The driver app's GPS batch (as `POST /api/v1/fixes`), stored as the signed-in driver's
    track; `device_id` names the phone's app install."""
    return await _native(batch, driver, request)


_OSMAND_OK: dict[int | str, dict[str, Any]] = {
    200: {"description": "Stored", "content": {"text/plain": {}}}
}


@router.get(
    "/ingest/osmand",
    operation_id="osmand_get",
    response_class=PlainTextResponse,
    responses=_OSMAND_OK,
)
@router.post(
    "/ingest/osmand",
    operation_id="osmand_post",
    response_class=PlainTextResponse,
    responses=_OSMAND_OK,
)
@router.put(
    "/ingest/osmand",
    operation_id="osmand_put",
    response_class=PlainTextResponse,
    responses=_OSMAND_OK,
)
async def osmand(request: Request) -> PlainTextResponse:
    """Traccar Client and other OsmAnd-protocol trackers: query string, form or JSON body."""
    await ingest_osmand(
        request.query_params,
        request.headers.get("content-type"),
        await request.body(),
        ingestor=request.app.state.ingestor,
        max_future_s=request.app.state.settings.ingest_max_future_s,
        limiter=request.app.state.rate_limiter,
    )
    return PlainTextResponse("")  # an unknown device's too: ids cannot be probed


def _basic_password(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise Unauthenticated(
            "OwnTracks needs HTTP Basic auth: any user name, an API key as password"
        )
    try:
        _, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthenticated("the Basic authorization header is not valid base64") from None
    return password


def _owntracks_key(request: Request, session: SessionDep) -> ApiKey:
    """The API key sent as the Basic auth password; sync, so FastAPI runs it in a thread."""
    key = auth.authenticate_api_key(session=session, key=_basic_password(request))
    if key is None:
        raise Unauthenticated("the API key in the Basic auth password is unknown or revoked")
    session.commit()
    return key


@router.post("/ingest/owntracks", responses={200: {"description": "Stored: `[]`"}})
async def owntracks(request: Request, key: Annotated[ApiKey, Depends(_owntracks_key)]) -> Response:
    """OwnTracks in HTTP mode; the reply is `[]` (no friends' positions to share back)."""
    user, device = owntracks_http_identity(
        headers=request.headers, query=dict(request.query_params)
    )
    await ingest_owntracks(
        await request.body(),
        user=user,
        device=device,
        caller=Principal(org_id=key.org_id, role=key.role, actor=f"api-key:{key.name}"),
        ingestor=request.app.state.ingestor,
        max_future_s=request.app.state.settings.ingest_max_future_s,
    )
    return JSONResponse([])
