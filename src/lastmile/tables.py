"""Every table, imported so that `Base.metadata` is complete (for Alembic and tests)."""

from lastmile.addresses.models import (
    AccessNote,
    AddressGram,
    AddressMap,
    AddressName,
    AddressPoint,
    LearnedPoint,
)
from lastmile.alerts.models import Alert, AlertSettings
from lastmile.api.idempotency import IdempotencyRecord
from lastmile.audit.models import AuditEntry
from lastmile.auth.models import ApiKey, Organization, User, WebSession
from lastmile.billing.invoice_models import Invoice, InvoiceCounter, InvoiceLine
from lastmile.billing.models import ChargeLine, Merchant, RateCard
from lastmile.chat.models import ChatMessage
from lastmile.contact.models import CustomerMessage
from lastmile.db.base import Base
from lastmile.dispatch.models import DriverAction, Plan, Route, RouteStop
from lastmile.driver_auth.models import DriverCredential, DriverSession, DriverSignInLink
from lastmile.eta.models import EtaPrediction, StopEtaRow
from lastmile.feedback.models import Feedback
from lastmile.fleet.models import Device, Driver, Shift, Vehicle
from lastmile.hubs.models import Hub
from lastmile.ingest.models import DriverPosition, fixes
from lastmile.notify.models import (
    DeliveryAttempt,
    NotificationRule,
    NotificationSettings,
    OptOut,
    OutboxMessage,
    WebhookEndpoint,
)
from lastmile.orgsettings.models import OrganizationSettings
from lastmile.payments.models import CashLedgerEntry, CodPayment
from lastmile.pod.models import DeliveryCode, Proof
from lastmile.settlement.cod_models import CodRemittance
from lastmile.settlement.pay_models import Carrier, DriverEmployment, PayPlan
from lastmile.shipments.models import PendingRetime, Shipment, ShipmentEvent

metadata = Base.metadata


def is_partition(table_name: str) -> bool:
    """Day partitions of `fixes` live outside the metadata: made at run time, never migrated."""
    return table_name.startswith("fixes_")


__all__ = [
    "AccessNote",
    "AddressGram",
    "AddressMap",
    "AddressName",
    "AddressPoint",
    "Alert",
    "AlertSettings",
    "ApiKey",
    "AuditEntry",
    "Carrier",
    "CashLedgerEntry",
    "ChargeLine",
    "ChatMessage",
    "CodPayment",
    "CodRemittance",
    "CustomerMessage",
    "DeliveryAttempt",
    "DeliveryCode",
    "Device",
    "Driver",
    "DriverAction",
    "DriverCredential",
    "DriverEmployment",
    "DriverPosition",
    "DriverSession",
    "DriverSignInLink",
    "EtaPrediction",
    "Feedback",
    "Hub",
    "IdempotencyRecord",
    "Invoice",
    "InvoiceCounter",
    "InvoiceLine",
    "LearnedPoint",
    "Merchant",
    "NotificationRule",
    "NotificationSettings",
    "OptOut",
    "Organization",
    "OrganizationSettings",
    "OutboxMessage",
    "PayPlan",
    "PendingRetime",
    "Plan",
    "Proof",
    "RateCard",
    "Route",
    "RouteStop",
    "Shift",
    "Shipment",
    "ShipmentEvent",
    "StopEtaRow",
    "User",
    "Vehicle",
    "WebSession",
    "WebhookEndpoint",
    "fixes",
    "is_partition",
    "metadata",
]
