"""HTTP routes of order imports: a file's preview, then its import."""

import json
import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile

from lastmile.addresses.deps import GeocoderDep
from lastmile.api.deps import SessionDep
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.auth.deps import StaffDep
from lastmile.errors import InvalidInput
from lastmile.hubs.access import HubScopeDep
from lastmile.imports import service
from lastmile.imports.mapping import REQUIRED, TARGETS, Defaults, guess_mapping
from lastmile.imports.reading import Table, read_table
from lastmile.imports.schemas import ImportOut, PreviewOut, TargetOut

router = APIRouter(prefix="/api/v1/imports", tags=["imports"], responses=COMMON_PROBLEMS)

_TARGETS = [TargetOut(key=t.key, label=t.label, required=t.key in REQUIRED) for t in TARGETS]
FileField = Annotated[UploadFile, File(description="A .csv or .xlsx file, headers in row 1")]
MappingField = Annotated[
    str | None,
    Form(max_length=4000, description='JSON: target key → column index, e.g. {"address": 2}'),
]
HubField = Annotated[uuid.UUID | None, Form(description="The hub of rows that name none")]
MerchantField = Annotated[
    str | None, Form(max_length=40, description="The merchant code of rows that name none")
]


def _table(upload: UploadFile) -> Table:
    return read_table(upload.file, upload.filename or "")


def _mapping(text: str | None) -> dict[str, int] | None:
    if not text:
        return None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError:
        raise InvalidInput("mapping", "is not JSON: give an object of column indexes") from None
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
        for k, v in raw.items()
    ):
        raise InvalidInput("mapping", 'give an object of column indexes, e.g. {"address": 2}')
    return raw


def _defaults(hub_id: uuid.UUID | None, merchant: str | None) -> Defaults:
    return Defaults(hub_id=hub_id, merchant=merchant or None)


@router.post("/preview")
def preview_import(
    file: FileField,
    session: SessionDep,
    principal: StaffDep,
    scope: HubScopeDep,
    mapping: MappingField = None,
    hub_id: HubField = None,
    merchant: MerchantField = None,
) -> PreviewOut:
    """Read the file, guess which column holds what (unless `mapping` is given) and check
    every row as POST /api/v1/shipments would; nothing is stored."""
    found = service.preview(
        session=session,
        org_id=principal.org_id,
        table=_table(file),
        mapping=_mapping(mapping),
        defaults=_defaults(hub_id, merchant),
        scope=scope,
    )
    return PreviewOut.of(found, _TARGETS)


@router.post("")
def import_orders(
    file: FileField,
    session: SessionDep,
    principal: StaffDep,
    scope: HubScopeDep,
    geocoder: GeocoderDep,
    mapping: MappingField = None,
    mode: Annotated[service.Mode, Form()] = service.Mode.ALL_OR_NOTHING,
    hub_id: HubField = None,
    merchant: MerchantField = None,
) -> ImportOut:
    """Create the file's orders: all or none (`all_or_nothing`, the default) or the valid
    rows only (`valid_only`); each row left out is named with its column and why."""
    table = _table(file)
    outcome = service.import_rows(
        session=session,
        org_id=principal.org_id,
        table=table,
        mapping=_mapping(mapping) or guess_mapping(table.headers),
        defaults=_defaults(hub_id, merchant),
        mode=mode,
        actor=principal.actor,
        geocoder=geocoder,
        scope=scope,
    )
    session.commit()
    return ImportOut.of(outcome)
