"""Audit retention: kept forever unless an organisation sets `audit_retention_days`; then the
periodic job deletes its older entries (and says so in the log), and the database still
refuses any other delete."""

import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from tests.audit.test_views import audit, only
from tests.common import OrgHandle

from lastmile.audit import service as audit_log
from lastmile.audit.models import AuditEntry
from lastmile.audit.types import Action, Actor, ActorType, Subject, SubjectType
from lastmile.auth import service as auth
from lastmile.db import utcnow
from lastmile.orgsettings import service as orgsettings
from lastmile.orgsettings.audit_retention import purge_expired


def test_kept_forever_by_default_and_set_through_the_settings(
    client: TestClient, org: OrgHandle
) -> None:
    url = "/api/v1/organization/settings"
    assert client.get(url, headers=org.headers).json()["audit_retention_days"] is None
    changed = client.patch(url, json={"audit_retention_days": 400}, headers=org.headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["audit_retention_days"] == 400
    entry = only(audit(client, org), "settings.organization")
    assert (entry["before"], entry["after"]) == (
        {"audit_retention_days": None},
        {"audit_retention_days": 400},
    )
    forever = client.patch(url, json={"audit_retention_days": None}, headers=org.headers)
    assert forever.status_code == 200, forever.text
    assert forever.json()["audit_retention_days"] is None
    for bad in (7, 0, 3651, "a year"):
        refused = client.patch(url, json={"audit_retention_days": bad}, headers=org.headers)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert "audit_retention_days" in refused.text
    still_refused = client.patch(url, json={"brand_color": None}, headers=org.headers)
    assert still_refused.status_code == 422  # null is a value for the retention only


def _entry(session: Session, org_id: uuid.UUID, age: timedelta) -> int:
    return audit_log.record(
        session=session,
        org_id=org_id,
        actor=Actor(ActorType.API_KEY, "ci", uuid.uuid4()),
        action=Action.API_KEY_CREATE,
        subject=Subject(SubjectType.API_KEY, str(uuid.uuid4()), "shop"),
        at=utcnow() - age,
    ).id


def _ids(session: Session, org_id: uuid.UUID) -> set[int]:
    return set(session.scalars(select(AuditEntry.id).where(AuditEntry.org_id == org_id)))


def test_the_job_deletes_only_what_an_organisation_opted_out_of_keeping(
    session: Session,
) -> None:
    keeping = auth.create_organization(session=session, name="Keeps everything")
    trimming = auth.create_organization(session=session, name="Keeps 90 days")
    orgsettings.update_rules(
        session=session, org_id=trimming.id, changes={"audit_retention_days": 90}
    )
    ancient_kept = _entry(session, keeping.id, timedelta(days=4000))
    old = _entry(session, trimming.id, timedelta(days=91, hours=2))
    young = _entry(session, trimming.id, timedelta(days=89))

    assert purge_expired(session, now=utcnow()) == {trimming.id: 1}
    assert _ids(session, keeping.id) == {ancient_kept}
    left = _ids(session, trimming.id)
    assert old not in left
    assert young in left
    [purge] = session.scalars(
        select(AuditEntry).where(
            AuditEntry.org_id == trimming.id, AuditEntry.action == "audit.purge"
        )
    )
    assert (purge.actor_type, purge.actor_name) == ("system", "audit-retention")
    assert purge.after is not None
    assert (purge.after["deleted"], purge.after["retention_days"]) == (1, 90)
    assert purge_expired(session, now=utcnow()) == {}


@pytest.mark.parametrize(
    ("retention_days", "age"),
    [(None, timedelta(days=4000)), (90, timedelta(days=30))],
    ids=["kept-forever", "younger-than-its-retention"],
)
def test_the_database_refuses_any_other_delete(
    session: Session, retention_days: int | None, age: timedelta
) -> None:
    org = auth.create_organization(session=session, name="Org A")
    if retention_days is not None:
        orgsettings.update_rules(
            session=session, org_id=org.id, changes={"audit_retention_days": retention_days}
        )
    entry_id = _entry(session, org.id, age)
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": entry_id})
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(
            text("UPDATE audit_log SET actor_name = 'x' WHERE id = :id"), {"id": entry_id}
        )
    assert _ids(session, org.id) == {entry_id}


def test_an_expired_entry_still_refuses_an_update(session: Session) -> None:
    org = auth.create_organization(session=session, name="Org A")
    orgsettings.update_rules(session=session, org_id=org.id, changes={"audit_retention_days": 30})
    entry_id = _entry(session, org.id, timedelta(days=400))
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(
            text("UPDATE audit_log SET actor_name = 'x' WHERE id = :id"), {"id": entry_id}
        )
    name = session.scalar(select(AuditEntry.actor_name).where(AuditEntry.id == entry_id))
    assert name == "ci"
