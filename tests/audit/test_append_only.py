"""The audit log is append-only in the database itself: UPDATE and DELETE are refused on both
backends (and TRUNCATE on PostgreSQL), whatever code or console sends them."""

import uuid

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from testkit.databases import postgres_schema_engine
from tests.conftest import POSTGRES_URL, require_postgres

from lastmile.audit import service as audit_log
from lastmile.audit.types import Action, Actor, ActorType, Subject, SubjectType
from lastmile.auth import service as auth


def _one_entry(session: Session) -> int:
    org = auth.create_organization(session=session, name="Org A")
    entry = audit_log.record(
        session=session,
        org_id=org.id,
        actor=Actor(ActorType.API_KEY, "ci", uuid.uuid4()),
        action=Action.API_KEY_CREATE,
        subject=Subject(SubjectType.API_KEY, str(uuid.uuid4()), "shop"),
        after={"role": "admin"},
    )
    return entry.id


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET actor_name = 'someone else' WHERE id = :id", "DELETE FROM audit_log"],
)
def test_a_change_to_a_recorded_entry_is_refused(session: Session, statement: str) -> None:
    entry_id = _one_entry(session)
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text(statement), {"id": entry_id})
    name = session.scalar(text("SELECT actor_name FROM audit_log WHERE id = :id"), {"id": entry_id})
    assert name == "ci"


@pytest.mark.postgres
def test_postgres_refuses_update_delete_and_truncate_even_committed() -> None:
    """On its own schema, with committed rows, as a console session would find them."""
    require_postgres()
    with postgres_schema_engine(POSTGRES_URL) as engine:
        with Session(engine) as session:
            entry_id = _one_entry(session)
            session.commit()
        for statement in (
            "UPDATE audit_log SET after = NULL WHERE id = :id",
            "DELETE FROM audit_log WHERE id = :id",
            "TRUNCATE audit_log",
        ):
            _refused(engine, statement, entry_id)
        with engine.connect() as connection:
            count = connection.scalar(text("SELECT count(*) FROM audit_log"))
        assert count == 1


def _refused(engine: Engine, statement: str, entry_id: int) -> None:
    with engine.connect() as connection, pytest.raises(DBAPIError) as refused:
        connection.execute(text(statement), {"id": entry_id})
    assert "audit_log is append-only" in str(refused.value), statement
    assert refused.value.orig is not None
    assert getattr(refused.value.orig, "sqlstate", None) == "42501", statement


def test_an_organisation_deleted_takes_its_entries_and_only_its_own(session: Session) -> None:
    """Offboarding a tenant (or `lastmile demo --fresh`) deletes its rows, audit log included;
    another organisation's entries stay, and still refuse a DELETE of their own."""
    gone = _one_entry(session)
    kept_org = auth.create_organization(session=session, name="Org B")
    kept = audit_log.record(
        session=session,
        org_id=kept_org.id,
        actor=Actor(ActorType.API_KEY, "ci", uuid.uuid4()),
        action=Action.API_KEY_CREATE,
        subject=Subject(SubjectType.API_KEY, str(uuid.uuid4()), "shop"),
    ).id
    session.execute(
        text("DELETE FROM organizations WHERE id = (SELECT org_id FROM audit_log WHERE id = :id)"),
        {"id": gone},
    )
    left = set(
        session.scalars(
            text("SELECT id FROM audit_log WHERE id IN (:a, :b)"), {"a": gone, "b": kept}
        )
    )
    assert left == {kept}
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": kept})
