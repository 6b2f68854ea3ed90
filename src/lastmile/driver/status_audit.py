"""Status overrides: an event or a cancellation posted through the API, reported as the driver
app's are and recorded in the audit log with the shipment's status before and after (the
driver app's own reports are its workflow, not overrides, and are not recorded here)."""

from sqlalchemy.orm import Session

from lastmile.audit import service
from lastmile.audit.types import Action, StaffCaller, actor_of
from lastmile.driver import outcomes
from lastmile.eta.engine import EtaEngine
from lastmile.shipments.audit_subjects import shipment as shipment_subject
from lastmile.shipments.status import Status


def report_override(
    *,
    session: Session,
    principal: StaffCaller,
    tracking_number: str,
    status: Status,
    where: outcomes.Where = outcomes.Where(),
    note: str | None = None,
    reason: str | None = None,
    eta_engine: EtaEngine,
) -> outcomes.Reported:
    """`outcomes.report`, then one audit entry in the same transaction: `before` is the status
    the report found, `after` the event and the status it left."""
    reported = outcomes.report(
        session=session,
        org_id=principal.org_id,
        tracking_number=tracking_number,
        status=status,
        actor=principal.actor,
        where=where,
        note=note,
        reason=reason,
        eta_engine=eta_engine,
    )
    after: dict[str, object] = {"status": reported.shipment.status, "event": status}
    if reason:
        after["reason"] = reason
    service.record(
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=Action.SHIPMENT_CANCEL if status is Status.CANCELLED else Action.SHIPMENT_STATUS,
        subject=shipment_subject(reported.shipment),
        before={"status": reported.previous},
        after=after,
    )
    return reported
