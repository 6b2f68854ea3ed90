"""Closing a month: a draft per merchant with uninvoiced charges, issued on request; the
periodic job drafts last month's on the 1st at the organisation's clock and catches up late
charges; `lastmile billing close-period` does the same from the command line."""

import json
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.billing.invoice_factories import add_charge, make_merchant
from typer.testing import CliRunner

from lastmile.audit.models import AuditEntry
from lastmile.audit.types import system_actor
from lastmile.auth import service as auth
from lastmile.billing.invoice_models import Invoice
from lastmile.billing.invoice_schedule import Closed, close_period, draft_last_months
from lastmile.cli import app
from lastmile.config import Settings
from lastmile.db import Database
from lastmile.orgsettings import service as org_rules

FIRST_OF_DECEMBER = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)


def test_close_period_drafts_each_merchant_with_charges_and_issues_on_request(
    session: Session,
) -> None:
    org_id = auth.create_organization(session=session, name="Org A").id
    busy, idle = (
        make_merchant(session, org_id, name="Busy"),
        make_merchant(session, org_id, name="Idle"),
    )
    add_charge(session, busy, day=date(2026, 11, 3))
    add_charge(session, idle, day=date(2026, 10, 3))  # another month

    def close(*, issue: bool) -> list[Closed]:
        return close_period(
            session=session,
            org_id=org_id,
            period="2026-11",
            issue=issue,
            actor=system_actor("test"),
            now=FIRST_OF_DECEMBER,
        )

    drafted = close(issue=False)
    assert [(c.view.merchant.name, c.view.invoice.status, c.made) for c in drafted] == [
        ("Busy", "draft", True)
    ]
    issued = close(issue=True)
    assert [(c.view.invoice.number, c.made, c.issued) for c in issued] == [
        ("2026-000001", False, True)
    ]
    again = close(issue=True)
    assert again == []


def test_the_job_drafts_last_month_at_the_organisations_clock_once(session: Session) -> None:
    org_id = auth.create_organization(session=session, name="Org A").id
    org_rules.update_rules(session=session, org_id=org_id, changes={"timezone": "Europe/Helsinki"})
    merchant = make_merchant(session, org_id)
    add_charge(session, merchant, day=date(2026, 11, 30))
    # 30 Nov 23:30 UTC is already 1 Dec in Helsinki: November is last month there.
    assert draft_last_months(session, now=datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == 1
    assert draft_last_months(session, now=FIRST_OF_DECEMBER) == 0
    [draft] = session.scalars(select(Invoice).where(Invoice.org_id == org_id)).all()
    assert (draft.status, draft.period_start, draft.period_end) == (
        "draft",
        date(2026, 11, 1),
        date(2026, 11, 30),
    )
    [entry] = session.scalars(select(AuditEntry).where(AuditEntry.org_id == org_id)).all()
    assert (entry.action, entry.actor_type, entry.actor_name) == (
        "invoice.draft",
        "system",
        "invoice-drafts",
    )


def test_the_cli_closes_and_issues_a_month(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LASTMILE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LASTMILE_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    org_id = json.loads(runner.invoke(app, ["org", "create", "Org A", "--json"]).stdout)["org_id"]
    database = Database.from_url(Settings().resolved_database_url)
    try:
        with database.session(writes=True) as session:
            merchant = make_merchant(session, uuid.UUID(org_id))
            add_charge(session, merchant, day=date(2026, 11, 3))
            session.commit()
    finally:
        database.engine.dispose()
    bad = runner.invoke(app, ["billing", "close-period", "--period", "2026-13"])
    assert bad.exit_code == 2
    assert "--period" in bad.output
    result = runner.invoke(app, ["billing", "close-period", "--period", "2026-11", "--issue"])
    assert result.exit_code == 0, result.output
    assert "Org A · Kauppa Oy · 2026-11 · 2026-000001 · 1 lines · €6.15" in result.output
    nothing = runner.invoke(app, ["billing", "close-period", "--period", "2026-11"])
    assert "nothing to invoice" in nothing.output
