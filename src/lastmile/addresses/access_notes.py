"""Access notes learned from drivers' notes: how to get to the door of an address (a gate code,
"entrance from the yard"), shown to the next driver with a stop there.

The rules:

- Only the note written with a delivery is learned: a failed attempt's note tells of the
  customer ("not home, neighbour says on holiday"), not of the way in, and is never kept.
- Kept per organisation and normalised address (`learned.address_key`: an address text
  naming no house number names many doors, and learns nothing), with who wrote it and when.
- Only the latest `KEEP` notes of an address are kept: the gate code changes, and the
  newest note is the one the next driver needs first.
- Only drivers see them: the customer's tracking page never shows a driver's note.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lastmile.addresses.learned import address_key
from lastmile.addresses.models import AccessNote
from lastmile.db import new_id

KEEP: Final = 3
MAX_CHARS: Final = 2000


@dataclass(frozen=True, slots=True)
class EarlierNote:
    """A note from an earlier delivery to the same address, as the driver app shows it."""

    note: str
    at: datetime
    shipment_id: uuid.UUID


def learn_note(
    *,
    session: Session,
    org_id: uuid.UUID,
    address_text: str,
    note: str | None,
    shipment_id: uuid.UUID,
    actor: str,
    at: datetime,
) -> AccessNote | None:
    """Keep a delivery's note for the address (None: no note, or an address naming no door),
    dropping the address's notes older than the latest `KEEP`."""
    text = " ".join((note or "").split())[:MAX_CHARS]
    found_key = address_key(address_text)
    if not text or found_key is None:
        return None
    kept = AccessNote(
        id=new_id(),
        org_id=org_id,
        address_key=found_key,
        note=text,
        shipment_id=shipment_id,
        actor=actor,
        at=at,
    )
    session.add(kept)
    session.flush()
    newest = select(AccessNote.id).where(
        AccessNote.org_id == org_id, AccessNote.address_key == found_key
    )
    keep_ids = list(
        session.scalars(newest.order_by(AccessNote.at.desc(), AccessNote.id).limit(KEEP))
    )
    session.execute(
        delete(AccessNote).where(
            AccessNote.org_id == org_id,
            AccessNote.address_key == found_key,
            AccessNote.id.not_in(keep_ids),
        )
    )
    return kept


def earlier_notes(
    *, session: Session, org_id: uuid.UUID, texts: Iterable[str]
) -> dict[str, list[EarlierNote]]:
    """The notes kept for these address texts, newest first, by text (one query)."""
    keys = {text: k for text in texts if (k := address_key(text)) is not None}
    if not keys:
        return {}
    rows = session.scalars(
        select(AccessNote)
        .where(AccessNote.org_id == org_id, AccessNote.address_key.in_(set(keys.values())))
        .order_by(AccessNote.at.desc(), AccessNote.id)
    )
    by_key: dict[str, list[EarlierNote]] = {}
    for row in rows:
        by_key.setdefault(row.address_key, []).append(
            EarlierNote(row.note, row.at, row.shipment_id)
        )
    return {text: by_key[k] for text, k in keys.items() if k in by_key}
