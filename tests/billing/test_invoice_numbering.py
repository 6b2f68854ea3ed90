"""Invoice numbers are gapless per organisation and year, even when many issue at once: on
PostgreSQL, with committed rows and one connection per thread, as several servers would."""

import threading
import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from testkit.databases import postgres_schema_engine
from tests.billing.invoice_factories import add_charge, make_merchant, november_draft
from tests.conftest import POSTGRES_URL, require_postgres

from lastmile.auth import service as auth
from lastmile.billing import invoices
from lastmile.billing.invoice_models import Invoice
from lastmile.billing.numbering import format_number

THREADS = 8
NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


def _drafts(engine: Engine) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """One organisation with a draft (one charge each) per thread, committed."""
    with Session(engine) as session:
        org = auth.create_organization(session=session, name="Org A")
        drafts = []
        for index in range(THREADS):
            merchant = make_merchant(session, org.id, name=f"Merchant {index}")
            add_charge(session, merchant, day=date(2026, 11, 3))
            draft = november_draft(session, merchant)
            drafts.append(draft.id)
        session.commit()
        return org.id, drafts


@pytest.mark.postgres
def test_issues_at_once_never_share_or_skip_a_number() -> None:
    """Every thread issues at the same moment; every third one then rolls back (its number
    must go to someone else, not be lost)."""
    require_postgres()
    with postgres_schema_engine(POSTGRES_URL) as engine:
        org_id, drafts = _drafts(engine)
        start = threading.Barrier(THREADS)
        failures: list[BaseException] = []

        def issue(index: int, draft_id: uuid.UUID) -> None:
            try:
                with Session(engine) as session:
                    draft = invoices.get_invoice(
                        session=session, org_id=org_id, invoice_id=draft_id
                    )
                    start.wait(timeout=30)
                    invoices.issue(session=session, invoice=draft, issued_by="t", now=NOW)
                    if index % 3 == 2:
                        session.rollback()
                    else:
                        session.commit()
            except BaseException as error:  # reported below, in the test's own thread
                failures.append(error)

        threads = [
            threading.Thread(target=issue, args=(index, draft_id))
            for index, draft_id in enumerate(drafts)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not failures, failures
        with Session(engine) as session:
            numbers = sorted(
                n
                for n in session.scalars(select(Invoice.number).where(Invoice.org_id == org_id))
                if n is not None
            )
        committed = len([i for i in range(THREADS) if i % 3 != 2])
        assert numbers == [format_number("INV", 2026, n) for n in range(1, committed + 1)]
