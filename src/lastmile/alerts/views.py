"""HTTP routes: the alert inbox, acknowledge and resolve, and the organisation's thresholds."""

import uuid
from typing import Annotated, Any

import anyio.from_thread
from fastapi import APIRouter, Body, Query, Request
from sqlalchemy.orm import Session

from lastmile.alerts import audit_subjects as alert_subjects
from lastmile.alerts import service
from lastmile.alerts.live import alert_message, publish_alerts
from lastmile.alerts.models import Alert, AlertStatus
from lastmile.alerts.schemas import AlertAction, AlertOut
from lastmile.alerts.signals import AlertKind
from lastmile.alerts.thresholds import AlertThresholds
from lastmile.api.deps import SessionDep
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.audit import service as audit_log
from lastmile.audit import subjects
from lastmile.audit.types import Action, actor_of
from lastmile.auth.deps import AdminDep, Principal, StaffDep
from lastmile.db import utcnow
from lastmile.hubs.access import HubScopeDep
from lastmile.hubs.scope import HubScope
from lastmile.ingest.trust_events import announce_trust_restored

router = APIRouter(tags=["alerts"], responses=COMMON_PROBLEMS)


def _commit_and_push(
    request: Request,
    session: Session,
    principal: Principal,
    alert: Alert,
    action: Action,
    before: dict[str, Any],
) -> AlertOut:
    """Record what changed (acknowledging twice without a note changes nothing), commit, and
    tell every open Control Tower."""
    audit_log.record_change(
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=action,
        subject=alert_subjects.alert(alert),
        before=before,
        after=alert_subjects.alert_fields(alert),
    )
    session.commit()
    message = alert_message(alert)
    anyio.from_thread.run(
        lambda: publish_alerts(request.app.state.bus, org_id=principal.org_id, messages=[message])
    )
    return AlertOut.model_validate(message)


@router.get("/api/v1/alerts")
def list_alerts(
    session: SessionDep,
    principal: StaffDep,
    scope: HubScopeDep,
    status: Annotated[
        list[AlertStatus] | None, Query(description="default: open and acknowledged")
    ] = None,
    kind: AlertKind | None = None,
    driver_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AlertOut]:
    """The inbox, newest first (a dispatcher limited to some hubs: theirs only)."""
    statuses = status or [AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED]
    alerts = service.list_alerts(
        session,
        org_id=principal.org_id,
        statuses=statuses,
        kind=kind,
        driver_id=driver_id,
        limit=limit,
        scope=scope,
    )
    return [AlertOut.of(a) for a in alerts]


@router.get("/api/v1/alerts/settings")
def get_thresholds(session: SessionDep, principal: StaffDep) -> AlertThresholds:
    return service.thresholds_for(session, org_id=principal.org_id)


@router.patch("/api/v1/alerts/settings")
def patch_thresholds(
    session: SessionDep, principal: AdminDep, changes: Annotated[dict[str, Any], Body()]
) -> AlertThresholds:
    """Change some thresholds; the others keep their values."""
    before = service.thresholds_for(session, org_id=principal.org_id)
    thresholds = service.update_thresholds(session, org_id=principal.org_id, changes=changes)
    audit_log.record_change(
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=Action.ALERT_SETTINGS,
        subject=subjects.organization(principal.org_id),
        before=before.model_dump(mode="json"),
        after=thresholds.model_dump(mode="json"),
    )
    session.commit()
    return thresholds


@router.get("/api/v1/alerts/{alert_id}")
def get_alert(
    alert_id: uuid.UUID, session: SessionDep, principal: StaffDep, scope: HubScopeDep
) -> AlertOut:
    alert = service.get_alert(session, org_id=principal.org_id, alert_id=alert_id, scope=scope)
    return AlertOut.of(alert)


@router.post("/api/v1/alerts/{alert_id}/acknowledge")
def acknowledge(
    alert_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: StaffDep,
    scope: HubScopeDep,
    body: AlertAction | None = None,
) -> AlertOut:
    """Someone is on it: every open Control Tower sees it at once."""
    before = _fields(session, principal, scope, alert_id)
    alert = service.acknowledge(
        session,
        org_id=principal.org_id,
        alert_id=alert_id,
        actor=principal.actor,
        note=body.note if body else None,
        now=utcnow(),
        scope=scope,
    )
    return _commit_and_push(request, session, principal, alert, Action.ALERT_ACKNOWLEDGE, before)


@router.post("/api/v1/alerts/{alert_id}/resolve")
def resolve(
    alert_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: StaffDep,
    scope: HubScopeDep,
    body: AlertAction | None = None,
) -> AlertOut:
    """Done with. Resolving a spoofing alert vouches for the driver's track: every process
    trusts it again at once rather than after minutes of plausible fixes."""
    before = _fields(session, principal, scope, alert_id)
    alert = service.resolve(
        session,
        org_id=principal.org_id,
        alert_id=alert_id,
        actor=principal.actor,
        note=body.note if body else None,
        now=utcnow(),
        scope=scope,
    )
    vouched = service.vouched_devices(session, alert=alert)
    out = _commit_and_push(request, session, principal, alert, Action.ALERT_RESOLVE, before)
    if alert.driver_id is not None and vouched:
        announce_trust_restored(
            request.app.state.bus, driver_id=alert.driver_id, device_ids=vouched
        )
    return out


def _fields(
    session: Session, principal: Principal, scope: HubScope, alert_id: uuid.UUID
) -> dict[str, Any]:
    alert = service.get_alert(session, org_id=principal.org_id, alert_id=alert_id, scope=scope)
    return alert_subjects.alert_fields(alert)
