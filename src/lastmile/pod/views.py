"""HTTP routes: staff see the proofs of a delivery (`driver.proof_views` takes them in)."""

import uuid

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import select

from lastmile.api.deps import SessionDep, SettingsDep
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.auth.deps import PrincipalDep
from lastmile.errors import NotFound
from lastmile.pod.models import Proof
from lastmile.pod.schemas import ProofOut
from lastmile.pod.stores import open_blob_store
from lastmile.shipments.service import get_shipment

router = APIRouter(tags=["proof of delivery"], responses=COMMON_PROBLEMS)


@router.get("/api/v1/shipments/{tracking_number}/proofs", tags=["proof of delivery"])
def shipment_proofs(
    tracking_number: str, session: SessionDep, principal: PrincipalDep
) -> list[ProofOut]:
    """Every proof recorded for the shipment, in the order taken."""
    shipment = get_shipment(
        session=session, org_id=principal.org_id, tracking_number=tracking_number
    )
    query = (
        select(Proof)
        .where(Proof.org_id == principal.org_id, Proof.shipment_id == shipment.id)
        .order_by(Proof.at, Proof.id)
    )
    return [ProofOut.of(p) for p in session.scalars(query)]


@router.get(
    "/api/v1/proofs/{proof_id}/image",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}},
)
def proof_image(
    proof_id: uuid.UUID, session: SessionDep, settings: SettingsDep, principal: PrincipalDep
) -> Response:
    proof = session.scalar(
        select(Proof).where(Proof.org_id == principal.org_id, Proof.id == proof_id)
    )
    if proof is None or proof.blob_key is None or proof.content_type is None:
        raise NotFound(f"no proof image {proof_id}")
    data = open_blob_store(settings).get(proof.blob_key)
    return Response(
        content=data,
        media_type=proof.content_type,
        headers={"Cache-Control": "private, max-age=86400"},
    )
