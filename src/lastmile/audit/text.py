"""An audit entry in plain words, for people reading the log (the Control Tower's Audit tab)."""

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from lastmile.audit.models import AuditEntry
from lastmile.audit.types import Action, ActorType

_SCALARS = (str, int, float, bool)


def who(entry: AuditEntry, *, user_names: Mapping[uuid.UUID, str] | None = None) -> str:
    """The actor as a person reads it: a user by name when `user_names` knows them (the entry
    keeps the email the user signed in with).

    >>> who(AuditEntry(actor_type="api_key", actor_name="shop"))
    'API key “shop”'
    >>> ada = uuid.UUID(int=1)
    >>> entry = AuditEntry(actor_type="user", actor_id=ada, actor_name="ada@example.com")
    >>> who(entry), who(entry, user_names={ada: "Ada Admin"})
    ('ada@example.com', 'Ada Admin')
    """
    name = entry.actor_name
    if entry.actor_type == ActorType.USER and entry.actor_id is not None and user_names:
        name = user_names.get(entry.actor_id, name)
    return actor_words(entry.actor_type, name)


def actor_words(actor_type: str, name: str) -> str:
    """An actor's type and name as a person reads them.

    >>> actor_words("driver", "Ville")
    'driver Ville'
    """
    match actor_type:
        case ActorType.API_KEY:
            return f"API key “{name}”"
        case ActorType.DRIVER:
            return f"driver {name}"
        case ActorType.SYSTEM:
            return "Lastmile"
        case ActorType.CUSTOMER:
            return "the customer"
    return name


def _short(value: Any) -> bool:
    return value is None or isinstance(value, _SCALARS)


def _value(value: Any) -> str:
    return "none" if value is None else str(value)


def fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """The changed fields, with old → new where both are short values.

    >>> fields({"role": "dispatcher", "name": "A"}, {"role": "admin", "name": "B"})
    'name A → B, role dispatcher → admin'
    """
    old, new = before or {}, after or {}
    parts = []
    for key in sorted({**old, **new}):
        if key == "password":
            parts.append("password")
        elif _short(old.get(key)) and _short(new.get(key)):
            parts.append(f"{key} {_value(old.get(key))} → {_value(new.get(key))}")
        else:
            parts.append(key)
    return ", ".join(parts) or "nothing"


def _route(side: dict[str, Any] | None) -> str:
    return str((side or {}).get("route", "a route"))


def _status(entry: AuditEntry) -> str:
    before, after = entry.before or {}, entry.after or {}
    if after.get("event", after.get("status")) != after.get("status"):
        return (
            f"recorded a late {after.get('event')} event on shipment {entry.subject_label}"
            f" (it stays {after.get('status')})"
        )
    return (
        f"set shipment {entry.subject_label} to {after.get('status')} (was {before.get('status')})"
    )


def _closed(entry: AuditEntry) -> str:
    after = entry.after or {}
    left = len(after.get("handed_back", []))
    return (
        f"closed the route {entry.subject_label} ({after.get('why', 'closed')}):"
        f" {left} stop{'' if left == 1 else 's'} handed back to the hub"
    )


_WHAT: dict[Action, Callable[[AuditEntry], str]] = {
    Action.SHIPMENT_STATUS: lambda e: _status(e),
    Action.SHIPMENT_CORRECT: lambda e: (
        f"corrected shipment {e.subject_label}: {fields(e.before, e.after)}"
    ),
    Action.SHIPMENT_PIN_CONFIRM: lambda e: (
        f"confirmed the pin of shipment {e.subject_label} as the door"
    ),
    Action.SHIPMENT_CANCEL: lambda e: (
        f"cancelled shipment {e.subject_label}: {(e.after or {}).get('reason') or 'no reason'}"
    ),
    Action.PLAN_COMMIT: lambda e: (
        f"committed the plan {e.subject_label} ({len((e.after or {}).get('routes', []))} routes)"
    ),
    Action.ROUTE_START: lambda e: f"started the route {e.subject_label}",
    Action.ROUTE_REORDER: lambda e: f"reordered the stops of the route {e.subject_label}",
    Action.STOP_MOVE: lambda e: (
        f"moved shipment {e.subject_label} from {_route(e.before)} to {_route(e.after)}"
    ),
    Action.STOP_UNASSIGN: lambda e: f"took shipment {e.subject_label} off {_route(e.before)}",
    Action.STOP_INSERT: lambda e: f"added shipment {e.subject_label} to {_route(e.after)}",
    Action.ORG_SETTINGS: lambda e: f"changed the settings: {fields(e.before, e.after)}",
    Action.ORG_LOGO: lambda e: "uploaded a new logo",
    Action.ALERT_SETTINGS: lambda e: f"changed the alert thresholds: {fields(e.before, e.after)}",
    Action.NOTIFY_SETTINGS: lambda e: (
        f"changed the notification settings: {fields(e.before, e.after)}"
    ),
    Action.NOTIFY_RULE: lambda e: (
        f"changed the notification rule {e.subject_label}: {fields(e.before, e.after)}"
    ),
    Action.NOTIFY_RULE_RESET: lambda e: (
        f"reset the notification rule {e.subject_label} to its default"
    ),
    Action.WEBHOOK_CREATE: lambda e: f"added the webhook {e.subject_label}",
    Action.WEBHOOK_DELETE: lambda e: f"removed the webhook {e.subject_label}",
    Action.USER_CREATE: lambda e: (
        f"added the user {e.subject_label} ({(e.after or {}).get('role')})"
    ),
    Action.USER_UPDATE: lambda e: (
        f"changed the user {e.subject_label}: {fields(e.before, e.after)}"
    ),
    Action.USER_DEACTIVATE: lambda e: f"deactivated the user {e.subject_label}",
    Action.API_KEY_CREATE: lambda e: (
        f"created the API key “{e.subject_label}” ({(e.after or {}).get('role')})"
    ),
    Action.API_KEY_REVOKE: lambda e: f"revoked the API key “{e.subject_label}”",
    Action.HUB_CREATE: lambda e: f"added the hub {e.subject_label}",
    Action.HUB_UPDATE: lambda e: f"changed the hub {e.subject_label}: {fields(e.before, e.after)}",
    Action.HUB_DELETE: lambda e: f"removed the hub {e.subject_label}",
    Action.MERCHANT_CREATE: lambda e: f"added the merchant {e.subject_label}",
    Action.MERCHANT_UPDATE: lambda e: (
        f"changed the merchant {e.subject_label}: {fields(e.before, e.after)}"
    ),
    Action.RATE_CARD_CREATE: lambda e: (
        f"added rate card version {(e.after or {}).get('version')} for {e.subject_label},"
        f" valid from {(e.after or {}).get('valid_from')}"
    ),
    Action.DRIVER_CREATE: lambda e: f"added the driver {e.subject_label}",
    Action.DRIVER_UPDATE: lambda e: (
        f"changed the driver {e.subject_label}: {fields(e.before, e.after)}"
    ),
    Action.DRIVER_DELETE: lambda e: f"removed the driver {e.subject_label}",
    Action.DRIVER_DEVICE_ID: lambda e: (
        f"issued the device id {(e.after or {}).get('device')} to the driver {e.subject_label}"
    ),
    Action.DRIVER_PIN: lambda e: f"set a new PIN for the driver {e.subject_label}",
    Action.DRIVER_SIGNIN_LINK: lambda e: f"made a sign-in link for the driver {e.subject_label}",
    Action.VEHICLE_CREATE: lambda e: f"added the vehicle {e.subject_label}",
    Action.VEHICLE_UPDATE: lambda e: (
        f"changed the vehicle {e.subject_label}: {fields(e.before, e.after)}"
    ),
    Action.VEHICLE_DELETE: lambda e: f"removed the vehicle {e.subject_label}",
    Action.SHIFT_START: lambda e: f"started a shift for the driver {e.subject_label}",
    Action.SHIFT_END: lambda e: f"ended the shift of the driver {e.subject_label}",
    Action.PLAN_DISCARD: lambda e: f"discarded the draft plan {e.subject_label}",
    Action.ROUTE_CLOSE: lambda e: _closed(e),
    Action.ALERT_ACKNOWLEDGE: lambda e: f"acknowledged the alert “{e.subject_label}”",
    Action.ALERT_RESOLVE: lambda e: f"resolved the alert “{e.subject_label}”",
    Action.OPT_OUT_CREATE: lambda e: f"stopped notifications to {e.subject_label}",
    Action.OPT_OUT_DELETE: lambda e: f"allowed notifications to {e.subject_label} again",
    Action.DRIVER_APP_SETTINGS: lambda e: (
        f"changed the driver app's settings: {fields(e.before, e.after)}"
    ),
    Action.AUDIT_PURGE: lambda e: (
        f"deleted {(e.after or {}).get('deleted')} audit entries older than"
        f" {(e.after or {}).get('retention_days')} days, as the settings ask"
    ),
    Action.CARRIER_CREATE: lambda e: f"added the carrier {e.subject_label}",
    Action.DRIVER_EMPLOYMENT: lambda e: (
        f"changed how the driver {e.subject_label} is employed: {fields(e.before, e.after)}"
    ),
    Action.PAY_PLAN_CREATE: lambda e: f"added the pay plan {e.subject_label}",
    Action.COD_REMITTANCE: lambda e: (
        f"recorded a cash remittance to {e.subject_label}:"
        f" {(e.after or {}).get('amount')} {(e.after or {}).get('currency')}"
    ),
    Action.COD_CORRECTION: lambda e: (
        f"recorded {(e.after or {}).get('amount')} {(e.after or {}).get('currency')} more"
        f" handed over by the driver {e.subject_label} on {(e.after or {}).get('day')}"
    ),
    Action.INVOICE_DRAFT: lambda e: f"drafted the invoice {e.subject_label}",
    Action.INVOICE_ISSUE: lambda e: f"issued the invoice {e.subject_label}",
    Action.INVOICE_PAY: lambda e: f"marked the invoice {e.subject_label} paid",
    Action.INVOICE_VOID: lambda e: f"voided the invoice {e.subject_label}",
    Action.INVOICE_CREDIT: lambda e: (
        f"issued the credit note {e.subject_label}: {(e.after or {}).get('reason')}"
    ),
}


def what(entry: AuditEntry) -> str:
    """The change as a person reads it; an unknown code (from a newer version) says its code."""
    try:
        describe = _WHAT[Action(entry.action)]
    except ValueError:
        return f"{entry.action} on {entry.subject_type} {entry.subject_label}"
    return describe(entry)
