"""API shapes for proofs of delivery."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from lastmile.pod.models import Proof, ProofKind


class ProofOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    stop_id: uuid.UUID
    shipment_id: uuid.UUID
    driver_id: uuid.UUID
    kind: ProofKind
    value: str | None
    content_type: str | None
    size_bytes: int | None
    at: datetime
    lat: float | None
    lon: float | None
    accuracy_m: float | None
    recorded_at: datetime
    url: str | None = Field(default=None, description="Where staff fetch a photo or signature")

    @classmethod
    def of(cls, proof: Proof) -> "ProofOut":
        out = cls.model_validate(proof)
        if proof.blob_key is not None:
            out.url = f"/api/v1/proofs/{proof.id}/image"
        return out
