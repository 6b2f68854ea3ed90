import uuid
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session
from tests.alerts.tracks import START
from tests.common import OrgHandle

from lastmile.alerts import service
from lastmile.alerts.models import AlertStatus
from lastmile.alerts.service import Subject
from lastmile.alerts.signals import AlertKind, Severity, Signal
from lastmile.errors import Conflict, InvalidInput, NotFound


def halt(
    key: str = "halt-1",
    *,
    raised: bool = True,
    minutes: int = 0,
    severity: Severity = Severity.WARNING,
) -> Signal:
    at = START + timedelta(minutes=minutes)
    if not raised:
        return Signal.clear(AlertKind.UNSCHEDULED_HALT, key, at)
    return Signal(
        AlertKind.UNSCHEDULED_HALT, key, True, at, severity, f"halt {minutes}", 60.17, 24.93
    )


def test_repeats_of_one_key_update_one_alert(session: Session, org: OrgHandle) -> None:
    first = service.apply_signals(
        session, org_id=org.org_id, signals=[halt(minutes=10)], subject=Subject()
    )
    again = service.apply_signals(
        session,
        org_id=org.org_id,
        signals=[halt(minutes=12, severity=Severity.CRITICAL)],
        subject=Subject(),
    )
    assert first[0].id == again[0].id
    alerts = service.list_alerts(session, org_id=org.org_id)
    assert len(alerts) == 1
    assert alerts[0].last_seen_at == START + timedelta(minutes=12)
    assert alerts[0].severity is Severity.CRITICAL
    assert alerts[0].opened_at == START + timedelta(minutes=10)


def test_a_cleared_halt_resolves_itself_but_a_suspicious_stop_waits_for_a_person(
    session: Session, org: OrgHandle
) -> None:
    suspicious = Signal(AlertKind.SUSPICIOUS_STOP, "sus-1", True, START, Severity.CRITICAL, "sus")
    service.apply_signals(
        session, org_id=org.org_id, signals=[halt(), suspicious], subject=Subject()
    )
    service.apply_signals(
        session,
        org_id=org.org_id,
        signals=[
            halt(raised=False, minutes=20),
            Signal.clear(AlertKind.SUSPICIOUS_STOP, "sus-1", START),
        ],
        subject=Subject(),
    )
    resolved = service.list_alerts(session, org_id=org.org_id, statuses=[AlertStatus.RESOLVED])
    still_open = service.list_alerts(session, org_id=org.org_id)
    assert [a.kind for a in resolved] == [AlertKind.UNSCHEDULED_HALT]
    assert resolved[0].resolved_by == "system"
    assert [a.kind for a in still_open] == [AlertKind.SUSPICIOUS_STOP]
    assert still_open[0].cleared_at is not None


def test_acknowledge_then_resolve_records_who_and_why(session: Session, org: OrgHandle) -> None:
    [alert] = service.apply_signals(session, org_id=org.org_id, signals=[halt()], subject=Subject())
    acked = service.acknowledge(
        session,
        org_id=org.org_id,
        alert_id=alert.id,
        actor="user:ann@example.com",
        note="calling",
        now=START,
    )
    assert acked.status is AlertStatus.ACKNOWLEDGED
    done = service.resolve(
        session,
        org_id=org.org_id,
        alert_id=alert.id,
        actor="user:bo@example.com",
        note="flat tyre",
        now=START,
    )
    assert (done.status, done.acknowledged_by, done.resolved_by, done.note) == (
        AlertStatus.RESOLVED,
        "user:ann@example.com",
        "user:bo@example.com",
        "flat tyre",
    )
    with pytest.raises(Conflict):
        service.resolve(
            session, org_id=org.org_id, alert_id=alert.id, actor="x", note=None, now=START
        )


def test_a_person_s_resolution_is_not_reopened_by_the_same_exception(
    session: Session, org: OrgHandle
) -> None:
    [alert] = service.apply_signals(session, org_id=org.org_id, signals=[halt()], subject=Subject())
    service.resolve(
        session, org_id=org.org_id, alert_id=alert.id, actor="user:a", note=None, now=START
    )
    assert (
        service.apply_signals(
            session, org_id=org.org_id, signals=[halt(minutes=5)], subject=Subject()
        )
        == []
    )


def test_another_organisation_cannot_see_or_touch_an_alert(
    session: Session, org: OrgHandle, other_org: OrgHandle
) -> None:
    [alert] = service.apply_signals(session, org_id=org.org_id, signals=[halt()], subject=Subject())
    assert service.list_alerts(session, org_id=other_org.org_id) == []
    with pytest.raises(NotFound):
        service.acknowledge(
            session, org_id=other_org.org_id, alert_id=alert.id, actor="x", note=None, now=START
        )
    with pytest.raises(NotFound):
        service.get_alert(session, org_id=org.org_id, alert_id=uuid.uuid4())


def test_thresholds_merge_and_bad_values_name_the_field(session: Session, org: OrgHandle) -> None:
    assert service.thresholds_for(session, org_id=org.org_id).halt_min_s == 600
    service.update_thresholds(session, org_id=org.org_id, changes={"halt_min_s": 900})
    service.update_thresholds(session, org_id=org.org_id, changes={"corridor_m": 400})
    thresholds = service.thresholds_for(session, org_id=org.org_id)
    assert (thresholds.halt_min_s, thresholds.corridor_m) == (900, 400)
    with pytest.raises(InvalidInput) as caught:
        service.update_thresholds(session, org_id=org.org_id, changes={"corridor_m": -1})
    assert caught.value.field == "corridor_m"
    with pytest.raises(InvalidInput) as unknown:
        service.update_thresholds(session, org_id=org.org_id, changes={"corridor_km": 1})
    assert unknown.value.field == "corridor_km"
