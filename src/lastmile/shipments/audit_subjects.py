"""How a shipment is named in the audit log: by its tracking number."""

from lastmile.audit.types import Subject, SubjectType
from lastmile.shipments.models import Shipment


def shipment(row: Shipment) -> Subject:
    return Subject(SubjectType.SHIPMENT, str(row.id), row.tracking_number)
