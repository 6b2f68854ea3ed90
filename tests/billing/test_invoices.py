"""Invoices: a draft follows the charges, issuing freezes and numbers it, void hands the
charges back, credit notes net the invoice."""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.billing.invoice_factories import add_charge, make_merchant, november_draft

from lastmile.auth import service as auth
from lastmile.billing import credit_notes, invoices
from lastmile.billing.invoice_models import Invoice
from lastmile.billing.models import ChargeLine, Merchant
from lastmile.errors import Conflict, InvalidInput

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
NOVEMBER = invoices.month_period("2026-11")


def _org(session: Session) -> uuid.UUID:
    return auth.create_organization(session=session, name="Org A").id


def _draft(session: Session, merchant: Merchant) -> Invoice:
    return november_draft(session, merchant)


def test_a_draft_is_recomputed_from_the_periods_charges(session: Session) -> None:
    merchant = make_merchant(session, _org(session))
    add_charge(session, merchant, day=date(2026, 11, 3))
    add_charge(session, merchant, day=date(2026, 10, 31))  # the month before: not on it
    draft = _draft(session, merchant)
    assert invoices.view(session=session, invoice=draft).totals.subtotal == Decimal("4.90")
    add_charge(session, merchant, day=date(2026, 11, 30), unit_price="10.00")
    seen = invoices.view(session=session, invoice=draft)
    assert [line.amount for line in seen.lines] == [Decimal("4.90"), Decimal("10.00")]
    assert seen.totals.total == Decimal("18.70")  # 14.90 + 1.25 + 2.55


def test_asking_twice_for_the_same_period_gives_the_same_draft(session: Session) -> None:
    merchant = make_merchant(session, _org(session))
    assert _draft(session, merchant).id == _draft(session, merchant).id


def test_issuing_numbers_freezes_and_claims_the_charges(session: Session) -> None:
    merchant = make_merchant(session, _org(session))
    charge = add_charge(session, merchant, day=date(2026, 11, 3))
    draft = _draft(session, merchant)
    issued = invoices.issue(session=session, invoice=draft, issued_by="dana", now=NOW)
    assert issued.invoice.number == "2026-000001"
    assert issued.invoice.issue_date == date(2026, 12, 1)
    assert issued.invoice.total == Decimal("6.15")
    session.refresh(charge)
    assert charge.invoice_id == draft.id
    add_charge(session, merchant, day=date(2026, 11, 4))  # late: goes on the next invoice
    assert len(invoices.view(session=session, invoice=draft).lines) == 1
    later = _draft(session, merchant)
    assert later.id != draft.id
    assert len(invoices.view(session=session, invoice=later).lines) == 1
    second = invoices.issue(session=session, invoice=later, issued_by="dana", now=NOW)
    assert second.invoice.number == "2026-000002"


def test_an_empty_draft_cannot_be_issued(session: Session) -> None:
    merchant = make_merchant(session, _org(session))
    with pytest.raises(Conflict, match="nothing to invoice"):
        invoices.issue(session=session, invoice=_draft(session, merchant), issued_by="x", now=NOW)


def test_an_issued_invoice_is_issued_once(session: Session) -> None:
    merchant = make_merchant(session, _org(session))
    add_charge(session, merchant, day=date(2026, 11, 3))
    draft = _draft(session, merchant)
    invoices.issue(session=session, invoice=draft, issued_by="x", now=NOW)
    with pytest.raises(Conflict, match="cannot issue 2026-000001: it is issued"):
        invoices.issue(session=session, invoice=draft, issued_by="x", now=NOW)


def test_void_hands_the_charges_back_and_keeps_the_number(session: Session) -> None:
    merchant = make_merchant(session, _org(session))
    add_charge(session, merchant, day=date(2026, 11, 3))
    draft = _draft(session, merchant)
    invoices.issue(session=session, invoice=draft, issued_by="x", now=NOW)
    invoices.void(session=session, invoice=draft, now=NOW)
    assert draft.status == "void"
    assert draft.number == "2026-000001"
    open_ids = session.scalars(select(ChargeLine.id).where(ChargeLine.invoice_id.is_(None)))
    assert len(list(open_ids)) == 1
    again = invoices.issue(
        session=session, invoice=_draft(session, merchant), issued_by="x", now=NOW
    )
    assert again.invoice.number == "2026-000002"
    with pytest.raises(Conflict, match="cannot mark as paid 2026-000001: it is void"):
        invoices.mark_paid(session=session, invoice=draft, now=NOW)


def test_a_credit_note_negates_lines_in_its_own_series_and_nets_the_invoice(
    session: Session,
) -> None:
    merchant = make_merchant(session, _org(session))
    add_charge(session, merchant, day=date(2026, 11, 3))
    add_charge(session, merchant, day=date(2026, 11, 4), unit_price="7.35")
    draft = _draft(session, merchant)
    issued = invoices.issue(session=session, invoice=draft, issued_by="x", now=NOW)
    first = issued.lines[0]
    note = credit_notes.credit(
        session=session,
        invoice=draft,
        line_ids=[first.id],
        reason="lost parcel",
        issued_by="x",
        now=NOW,
    )
    assert note.invoice.number == "CN-2026-000001"
    assert note.invoice.credited_invoice_id == draft.id
    assert note.invoice.total == -(first.amount + first.tax_amount)
    with pytest.raises(Conflict, match="credited already"):
        credit_notes.credit(
            session=session,
            invoice=draft,
            line_ids=[first.id],
            reason="again",
            issued_by="x",
            now=NOW,
        )
    rest = credit_notes.credit(
        session=session, invoice=draft, line_ids=None, reason="all", issued_by="x", now=NOW
    )
    assert rest.invoice.number == "CN-2026-000002"
    assert issued.totals.total + note.invoice.total + rest.invoice.total == 0
    with pytest.raises(Conflict, match="every line"):
        credit_notes.credit(
            session=session, invoice=draft, line_ids=None, reason="more", issued_by="x", now=NOW
        )


def test_a_credit_note_names_a_line_it_does_not_know(session: Session) -> None:
    merchant = make_merchant(session, _org(session))
    add_charge(session, merchant, day=date(2026, 11, 3))
    draft = _draft(session, merchant)
    invoices.issue(session=session, invoice=draft, issued_by="x", now=NOW)
    with pytest.raises(InvalidInput, match=r"line_ids\[0\]"):
        credit_notes.credit(
            session=session,
            invoice=draft,
            line_ids=[uuid.uuid4()],
            reason="?",
            issued_by="x",
            now=NOW,
        )


def test_numbers_start_again_each_year_and_per_organisation(session: Session) -> None:
    one, other = make_merchant(session, _org(session)), make_merchant(session, _org(session))
    add_charge(session, one, day=date(2026, 11, 3))
    add_charge(session, other, day=date(2026, 11, 3))
    first = invoices.issue(session=session, invoice=_draft(session, one), issued_by="x", now=NOW)
    assert first.invoice.number == "2026-000001"
    theirs = invoices.issue(session=session, invoice=_draft(session, other), issued_by="x", now=NOW)
    assert theirs.invoice.number == "2026-000001"
    add_charge(session, one, day=date(2026, 11, 5))
    next_year = datetime(2027, 1, 2, 9, tzinfo=UTC)
    late = invoices.issue(
        session=session, invoice=_draft(session, one), issued_by="x", now=next_year
    )
    assert late.invoice.number == "2027-000001"


def test_a_month_is_read_strictly() -> None:
    assert invoices.month_period("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert invoices.month_period("2026-12") == (date(2026, 12, 1), date(2026, 12, 31))
    with pytest.raises(InvalidInput, match="period"):
        invoices.month_period("2026-13")


def test_the_worked_example_of_docs_billing(session: Session) -> None:
    """docs/BILLING.md: three deliveries, a failed attempt and a COD fee on one day."""
    merchant = make_merchant(session, _org(session))
    day = date(2026, 11, 3)
    deliveries = [add_charge(session, merchant, day=day) for _ in range(3)]
    add_charge(session, merchant, day=day, kind="failed_attempt", unit_price="2.50")
    add_charge(session, merchant, day=day, kind="cod_fee", unit_price="1.00")
    issued = invoices.issue(
        session=session, invoice=_draft(session, merchant), issued_by="x", now=NOW
    )
    totals = issued.totals
    assert (totals.subtotal, totals.tax_total, totals.total) == (
        Decimal("18.20"),
        Decimal("4.65"),
        Decimal("22.85"),
    )
    second = next(line for line in issued.lines if line.charge_line_id == deliveries[1].id)
    note = credit_notes.credit(
        session=session,
        invoice=issued.invoice,
        line_ids=[second.id],
        reason="damaged",
        issued_by="x",
        now=NOW,
    )
    assert note.invoice.total == Decimal("-6.15")
    assert totals.total + note.invoice.total == Decimal("16.70")
