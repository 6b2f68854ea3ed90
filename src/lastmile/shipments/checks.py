"""The rules a shipment's create request is held to beyond its schema: the organisation's
hubs, merchants and country (for national phone numbers). One place, so that an import's
preview and the bulk create it ends in judge a row alike."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session

from lastmile.api.fields import to_e164
from lastmile.errors import FieldError, InvalidInput, field_errors
from lastmile.hubs.models import Hub
from lastmile.hubs.scope import EVERY_HUB, HubScope
from lastmile.hubs.service import list_hubs
from lastmile.orgsettings.service import get_rules
from lastmile.shipments.schemas import ShipmentCreate

_CREATE = TypeAdapter(ShipmentCreate)


def read_phone(raw: str | None, region: str | None) -> str | None:
    """The recipient's phone in E.164, read in `region` when written without a country code;
    InvalidInput on `recipient.phone` when it cannot be a phone number."""
    if raw is None:
        return None
    try:
        return to_e164(raw, region)
    except ValueError as error:
        message = str(error)
        if region is None:
            message += ", or set the organisation's `country` to read national numbers"
        raise InvalidInput("recipient.phone", message) from None


def read_merchant(
    data: ShipmentCreate, merchant_ids: Mapping[str, uuid.UUID] | None
) -> uuid.UUID | None:
    """The named merchant's id (none named: the default merchant's shipment); unknown → 422."""
    if data.merchant is None:
        return None
    found = (merchant_ids or {}).get(data.merchant)
    if found is None:
        raise InvalidInput("merchant", f"no merchant `{data.merchant}` in this organisation")
    return found


@dataclass(frozen=True, slots=True)
class RowRules:
    """What a create request's row is checked against: the organisation's country (national
    phone numbers are read in it), the hubs the caller may use by id, whether a row must name
    one (a caller limited to some hubs: a row without one would be out of their sight), and
    the merchants' ids by code."""

    region: str | None
    hubs: Mapping[uuid.UUID, Hub]
    merchant_ids: Mapping[str, uuid.UUID]
    hub_required: bool = False


YOUR_HUB = "is required: you work for some hubs only, so name one of yours"


def row_rules(
    *,
    session: Session,
    org_id: uuid.UUID,
    merchant_ids: Mapping[str, uuid.UUID] | None = None,
    scope: HubScope = EVERY_HUB,
) -> RowRules:
    """The organisation's rules for `check_row` as the caller's `scope` has them
    (`merchant_ids`: billing's, looked up by the caller)."""
    return RowRules(
        region=get_rules(session=session, org_id=org_id).country,
        hubs={hub.id: hub for hub in list_hubs(session=session, org_id=org_id, scope=scope)},
        merchant_ids=merchant_ids or {},
        hub_required=scope.limited,
    )


@dataclass(frozen=True, slots=True)
class CheckedRow:
    """A row a bulk create can store: the request, its phone in E.164, its hub and merchant."""

    data: ShipmentCreate
    phone: str | None
    hub: Hub | None
    merchant_id: uuid.UUID | None


def check_row(row: object, *, rules: RowRules) -> CheckedRow | list[FieldError]:
    """One create request's body checked as a bulk create checks it: the schema (every field
    at fault at once), then the hub (one the caller's scope leaves out is unknown), the phone
    and the merchant (the first at fault). An
    import's preview calls it too, so the two never disagree; whether a reference is taken
    is the bulk create's to tell."""
    try:
        data = _CREATE.validate_python(row)
    except ValidationError as error:
        return field_errors(error.errors())
    hub = None
    if data.hub_id is not None:
        hub = rules.hubs.get(data.hub_id)
        if hub is None:
            return [FieldError("hub_id", f"no hub {data.hub_id} in this organisation")]
    elif rules.hub_required:
        return [FieldError("hub_id", YOUR_HUB)]
    try:
        phone = read_phone(data.recipient.phone, rules.region)
        merchant_id = read_merchant(data, rules.merchant_ids)
    except InvalidInput as error:
        return error.errors
    return CheckedRow(data=data, phone=phone, hub=hub, merchant_id=merchant_id)
