"""The orders list's sort orders and the keyset cursors that page through each of them."""

import base64
import enum
import uuid
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, tuple_

from lastmile.errors import InvalidInput
from lastmile.shipments.models import Shipment
from lastmile.shipments.status import Status


class SortKey(enum.StrEnum):
    CREATED = "created"
    RECIPIENT = "recipient"
    STATUS = "status"
    DELIVERY_DATE = "delivery_date"
    TRACKING_NUMBER = "tracking_number"


_COLUMNS: dict[SortKey, ColumnElement[object]] = {
    SortKey.CREATED: Shipment.created_at,  # type: ignore[dict-item]
    SortKey.RECIPIENT: Shipment.recipient_name,  # type: ignore[dict-item]
    SortKey.STATUS: Shipment.status,  # type: ignore[dict-item]
    SortKey.DELIVERY_DATE: Shipment.delivery_date,  # type: ignore[dict-item]
    SortKey.TRACKING_NUMBER: Shipment.tracking_number,  # type: ignore[dict-item]
}


def read_sort(text: str) -> tuple[SortKey, bool]:
    """`recipient` → (RECIPIENT, ascending), `-created` → (CREATED, descending).

    >>> read_sort("-delivery_date")
    (<SortKey.DELIVERY_DATE: 'delivery_date'>, True)
    """
    descending = text.startswith("-")
    try:
        return SortKey(text.removeprefix("-")), descending
    except ValueError:
        names = ", ".join(k.value for k in SortKey)
        raise InvalidInput(
            "sort", f"is {text!r}: sort by one of {names}, with `-` first for descending"
        ) from None


def _value(shipment: Shipment, key: SortKey) -> object:
    return {
        SortKey.CREATED: shipment.created_at,
        SortKey.RECIPIENT: shipment.recipient_name,
        SortKey.STATUS: shipment.status,
        SortKey.DELIVERY_DATE: shipment.delivery_date,
        SortKey.TRACKING_NUMBER: shipment.tracking_number,
    }[key]


def encode_cursor(shipment: Shipment, key: SortKey) -> str:
    """Where the next page starts: the last row's sort value and id (newest-first pages
    keep the cursor they always had: `created_at|id`)."""
    value = _value(shipment, key)
    text = value.isoformat() if isinstance(value, date | datetime) else str(value)
    raw = f"{text}|{shipment.id}" if key is SortKey.CREATED else f"{key}|{text}|{shipment.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode(cursor: str, key: SortKey) -> tuple[object, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
        head, ident = raw.rsplit("|", 1)
        if key is SortKey.CREATED:
            return datetime.fromisoformat(head), uuid.UUID(ident)
        named, text = head.split("|", 1)
        if named != key:
            raise ValueError("a cursor of another order")
        value: object = text
        if key is SortKey.DELIVERY_DATE:
            value = date.fromisoformat(text)
        elif key is SortKey.STATUS:
            value = Status(text)
        return value, uuid.UUID(ident)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("cursor", "is not a cursor this API gave out for this sort") from None


def sorted_page(
    query: Select[Shipment], key: SortKey, descending: bool, cursor: str | None
) -> Select[Shipment]:
    """`query` in the order asked (ties broken by id, the same way), after `cursor`."""
    column = _COLUMNS[key]
    if cursor is not None:
        value, ident = _decode(cursor, key)
        after = tuple_(column, Shipment.id)
        query = query.where(after < (value, ident) if descending else after > (value, ident))
    if descending:
        return query.order_by(column.desc(), Shipment.id.desc())
    return query.order_by(column.asc(), Shipment.id.asc())
