"""An issued invoice cannot change, in the database itself: the triggers of migration 0020
refuse an UPDATE of its amounts or number, any change to its lines and any DELETE, on both
backends, whatever code or console sends them; its status may still move on."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Uuid, bindparam, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause
from tests.billing.invoice_factories import add_charge, make_merchant, november_draft

from lastmile.auth import service as auth
from lastmile.billing import invoices
from lastmile.billing.invoice_models import Invoice

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _sql(statement: str) -> TextClause:
    """Raw SQL as a console session would send it, with `:id` bound as a UUID."""
    return text(statement).bindparams(bindparam("id", type_=Uuid()))


def _issued(session: Session) -> Invoice:
    org = auth.create_organization(session=session, name="Org A")
    merchant = make_merchant(session, org.id)
    add_charge(session, merchant, day=date(2026, 11, 3))
    draft = november_draft(session, merchant)
    invoices.issue(session=session, invoice=draft, issued_by="test", now=NOW)
    return draft


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE invoices SET total = 0 WHERE id = :id",
        "UPDATE invoices SET number = '2026-000099' WHERE id = :id",
        "UPDATE invoices SET status = 'draft' WHERE id = :id",
        "DELETE FROM invoices WHERE id = :id",
        "UPDATE invoice_lines SET amount = 0 WHERE invoice_id = :id",
        "DELETE FROM invoice_lines WHERE invoice_id = :id",
    ],
)
def test_the_database_refuses_to_change_an_issued_invoice(session: Session, statement: str) -> None:
    invoice = _issued(session)
    with pytest.raises(DBAPIError, match="invoice is issued and immutable"), session.begin_nested():
        session.execute(_sql(statement), {"id": invoice.id})
    total = session.scalar(_sql("SELECT total FROM invoices WHERE id = :id"), {"id": invoice.id})
    lines = session.scalar(
        _sql("SELECT count(*) FROM invoice_lines WHERE invoice_id = :id"), {"id": invoice.id}
    )
    assert (Decimal(str(total)), lines) == (Decimal("6.15"), 1)


def test_its_status_still_moves_to_paid_but_not_back(session: Session) -> None:
    invoice = _issued(session)
    with session.begin_nested():
        session.execute(
            _sql("UPDATE invoices SET status = 'paid' WHERE id = :id"), {"id": invoice.id}
        )
    with pytest.raises(DBAPIError, match="immutable"), session.begin_nested():
        session.execute(
            _sql("UPDATE invoices SET status = 'issued' WHERE id = :id"), {"id": invoice.id}
        )


def test_a_draft_may_still_be_deleted(session: Session) -> None:
    org = auth.create_organization(session=session, name="Org A")
    merchant = make_merchant(session, org.id)
    draft = november_draft(session, merchant)
    session.execute(_sql("DELETE FROM invoices WHERE id = :id"), {"id": draft.id})
    assert session.get(Invoice, draft.id, populate_existing=True) is None


def test_an_organisation_deleted_takes_its_issued_invoices(session: Session) -> None:
    """Offboarding a tenant (`lastmile demo --fresh`) still works with issued invoices."""
    invoice = _issued(session)
    session.execute(_sql("DELETE FROM organizations WHERE id = :id"), {"id": invoice.org_id})
    left = session.scalar(
        _sql("SELECT count(*) FROM invoice_lines WHERE org_id = :id"), {"id": invoice.org_id}
    )
    assert left == 0
    assert (
        session.scalar(_sql("SELECT count(*) FROM invoices WHERE id = :id"), {"id": invoice.id})
        == 0
    )
