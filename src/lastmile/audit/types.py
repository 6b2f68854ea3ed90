"""The shapes an audit entry is made of: who (`Actor`), what (`Action`), to what (`Subject`)."""

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class ActorType(StrEnum):
    USER = "user"
    API_KEY = "api_key"
    DRIVER = "driver"
    SYSTEM = "system"
    CUSTOMER = "customer"
    """The recipient on the tracking page (no account: `name` is "customer")."""


class Action(StrEnum):
    """Every audited change; the code is stored, so a code never changes meaning."""

    SHIPMENT_STATUS = "shipment.status"
    SHIPMENT_CANCEL = "shipment.cancel"
    PLAN_COMMIT = "plan.commit"
    ROUTE_START = "route.start"
    ROUTE_REORDER = "route.reorder"
    STOP_MOVE = "stop.move"
    STOP_UNASSIGN = "stop.unassign"
    STOP_INSERT = "stop.insert"
    ORG_SETTINGS = "settings.organization"
    ORG_LOGO = "settings.logo"
    ALERT_SETTINGS = "settings.alerts"
    NOTIFY_SETTINGS = "settings.notifications"
    NOTIFY_RULE = "notify.rule"
    NOTIFY_RULE_RESET = "notify.rule_reset"
    WEBHOOK_CREATE = "webhook.create"
    WEBHOOK_DELETE = "webhook.delete"
    USER_CREATE = "user.create"
    USER_UPDATE = "user.update"
    USER_DEACTIVATE = "user.deactivate"
    API_KEY_CREATE = "api_key.create"
    API_KEY_REVOKE = "api_key.revoke"
    HUB_CREATE = "hub.create"
    HUB_UPDATE = "hub.update"
    HUB_DELETE = "hub.delete"
    DRIVER_CREATE = "driver.create"
    DRIVER_UPDATE = "driver.update"
    DRIVER_DELETE = "driver.delete"
    DRIVER_DEVICE_ID = "driver.device_id"
    DRIVER_PIN = "driver.pin"
    DRIVER_SIGNIN_LINK = "driver.signin_link"
    VEHICLE_CREATE = "vehicle.create"
    VEHICLE_UPDATE = "vehicle.update"
    VEHICLE_DELETE = "vehicle.delete"
    SHIFT_START = "shift.start"
    SHIFT_END = "shift.end"
    PLAN_DISCARD = "plan.discard"
    ROUTE_CLOSE = "route.close"
    ALERT_ACKNOWLEDGE = "alert.acknowledge"
    ALERT_RESOLVE = "alert.resolve"
    OPT_OUT_CREATE = "opt_out.create"
    OPT_OUT_DELETE = "opt_out.delete"
    DRIVER_APP_SETTINGS = "settings.driver_app"
    AUDIT_PURGE = "audit.purge"
    SHIPMENT_CORRECT = "shipment.correct"
    SHIPMENT_PIN_CONFIRM = "shipment.pin_confirm"
    CARRIER_CREATE = "carrier.create"
    DRIVER_EMPLOYMENT = "driver.employment"
    PAY_PLAN_CREATE = "pay_plan.create"
    COD_REMITTANCE = "cod.remittance"
    COD_CORRECTION = "cod.handover_correction"
    MERCHANT_CREATE = "merchant.create"
    MERCHANT_UPDATE = "merchant.update"
    RATE_CARD_CREATE = "rate_card.create"
    INVOICE_DRAFT = "invoice.draft"
    INVOICE_ISSUE = "invoice.issue"
    INVOICE_PAY = "invoice.pay"
    INVOICE_VOID = "invoice.void"
    INVOICE_CREDIT = "invoice.credit"


class SubjectType(StrEnum):
    SHIPMENT = "shipment"
    PLAN = "plan"
    ROUTE = "route"
    ORGANIZATION = "organization"
    NOTIFICATION_RULE = "notification_rule"
    WEBHOOK = "webhook"
    USER = "user"
    API_KEY = "api_key"
    HUB = "hub"
    DRIVER = "driver"
    VEHICLE = "vehicle"
    ALERT = "alert"
    OPT_OUT = "opt_out"
    CARRIER = "carrier"
    PAY_PLAN = "pay_plan"
    COD_REMITTANCE = "cod_remittance"
    MERCHANT = "merchant"
    INVOICE = "invoice"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who made a change: `id` is the user's, key's or driver's id (none for the system)."""

    type: ActorType
    name: str
    id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Subject:
    """What was changed: `label` is how a person recognises it (a tracking number, an email)."""

    type: SubjectType
    id: str
    label: str


class StaffCaller(Protocol):
    """What `auth.deps.Principal` tells about the caller (kept structural: audit sits below
    auth and imports none of it)."""

    @property
    def org_id(self) -> uuid.UUID: ...
    @property
    def actor(self) -> str: ...
    @property
    def user_id(self) -> uuid.UUID | None: ...
    @property
    def api_key_id(self) -> uuid.UUID | None: ...


def actor_of(principal: StaffCaller) -> Actor:
    """The actor behind an API key or a signed-in user.

    >>> class P:
    ...     actor, user_id, api_key_id = "user:dana@example.com", uuid.UUID(int=1), None
    >>> actor = actor_of(P())
    >>> actor.type.value, actor.name
    ('user', 'dana@example.com')
    """
    _, _, name = principal.actor.partition(":")
    if principal.user_id is not None:
        return Actor(ActorType.USER, name, principal.user_id)
    return Actor(ActorType.API_KEY, name, principal.api_key_id)


def driver_actor(*, driver_id: uuid.UUID, name: str) -> Actor:
    return Actor(ActorType.DRIVER, name, driver_id)


def customer_actor() -> Actor:
    """The recipient, through their tracking link."""
    return Actor(ActorType.CUSTOMER, "customer")


def system_actor(job: str) -> Actor:
    """Lastmile itself, in a scheduled job (`end-of-day`, `audit-retention`)."""
    return Actor(ActorType.SYSTEM, job)
