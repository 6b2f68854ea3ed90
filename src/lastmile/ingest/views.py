"""HTTP ingestion: our driver app's batches, Traccar Client (OsmAnd) and OwnTracks."""

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field

from lastmile.api.deps import SessionDep
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.auth import service as auth
from lastmile.auth.deps import PrincipalDep
from lastmile.auth.models import ApiKey
from lastmile.db import utcnow
from lastmile.errors import InvalidInput, MalformedRequest, NotFound, Unauthenticated
from lastmile.ingest.pipeline import Ingestor
from lastmile.ingest.protocols.native import NativeBatch, fixes_from_batch
from lastmile.ingest.protocols.osmand import decode_osmand_request
from lastmile.ingest.protocols.owntracks import decode_owntracks, owntracks_http_identity

router = APIRouter(tags=["ingest"], responses=COMMON_PROBLEMS)
_ID_FIELDS = {"id", "deviceid", "device_id"}


async def _ingestor(request: Request) -> Ingestor:
    """Async so that FastAPI does not hop to a thread for it on the hot path."""
    ingestor: Ingestor = request.app.state.ingestor
    return ingestor


IngestorDep = Annotated[Ingestor, Depends(_ingestor)]


class IngestAck(BaseModel):
    accepted: int = Field(description="Fixes that moved the live position")
    late: int = Field(description="Older fixes kept for history only")
    rejected: dict[str, int] = Field(description="Fixes refused by the pipeline, by reason")


@router.post("/api/v1/fixes")
async def post_fixes(
    batch: NativeBatch, request: Request, principal: PrincipalDep, ingestor: IngestorDep
) -> IngestAck:
    """Up to 1,000 fixes of one device; answered once they are durably stored."""
    settings = request.app.state.settings
    fixes = fixes_from_batch(batch, now=utcnow(), max_future_s=settings.ingest_max_future_s)
    owner = await ingestor.devices.owner(batch.device_id)
    if owner.org_id != principal.org_id:
        raise NotFound(f"device {batch.device_id!r} is not registered to any driver")
    result = await ingestor.ingest(fixes, owner=owner)
    return IngestAck(**result.as_dict())


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
async def osmand(request: Request, ingestor: IngestorDep) -> PlainTextResponse:
    """Traccar Client and other OsmAnd-protocol trackers: query string, form or JSON body."""
    max_future_s = request.app.state.settings.ingest_max_future_s
    body = await request.body()
    try:
        fixes = decode_osmand_request(
            request.query_params,
            request.headers.get("content-type"),
            body,
            now=utcnow(),
            max_future_s=max_future_s,
        )
    except InvalidInput as error:
        if error.field in _ID_FIELDS:
            raise MalformedRequest(error.detail, errors=error.errors) from None
        raise
    await ingestor.ingest_device(fixes)
    return PlainTextResponse("")


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
async def owntracks(
    request: Request, key: Annotated[ApiKey, Depends(_owntracks_key)], ingestor: IngestorDep
) -> Response:
    """OwnTracks in HTTP mode; the reply is `[]` (no friends' positions to share back)."""
    user, device = owntracks_http_identity(
        headers=request.headers, query=dict(request.query_params)
    )
    max_future_s = request.app.state.settings.ingest_max_future_s
    fix = decode_owntracks(
        await request.body(), user=user, device=device, now=utcnow(), max_future_s=max_future_s
    )
    if fix is not None:
        owner = await ingestor.devices.owner(fix.device_id)
        if owner.org_id != key.org_id:
            raise NotFound(f"device {fix.device_id!r} is not registered to any driver")
        await ingestor.ingest([fix], owner=owner)
    return JSONResponse([])
