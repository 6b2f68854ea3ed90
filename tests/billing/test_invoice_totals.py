"""Property: an invoice's total is the sum of its lines (amounts and taxes), in any currency,
and a credit note for every line nets it to zero."""

from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session
from tests.billing.invoice_factories import add_charge, make_merchant, november_draft

from lastmile.auth import service as auth
from lastmile.billing import credit_notes, invoices

prices = st.decimals(min_value=Decimal("-50"), max_value=Decimal("500"), places=3)
quantities = st.integers(min_value=1, max_value=40)
rates = st.sampled_from(["0", "10", "14", "24", "25.5"])
charges = st.lists(st.tuples(prices, quantities, rates), min_size=1, max_size=12)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(charged=charges, currency=st.sampled_from(["EUR", "JPY", "KWD"]))
def test_the_total_is_the_sum_of_the_lines_and_a_full_credit_nets_it(
    session: Session, charged: list[tuple[Decimal, int, str]], currency: str
) -> None:
    with session.begin_nested() as example:
        org = auth.create_organization(session=session, name="Org A")
        merchant = make_merchant(session, org.id, currency=currency)
        for price, quantity, rate in charged:
            add_charge(
                session,
                merchant,
                day=date(2026, 11, 2),
                unit_price=str(price),
                quantity=str(quantity),
                tax_rate=rate,
            )
        draft = november_draft(session, merchant)
        now = datetime(2026, 12, 1, tzinfo=UTC)
        issued = invoices.issue(session=session, invoice=draft, issued_by="test", now=now)
        lines = issued.lines
        assert issued.invoice.subtotal == sum(line.amount for line in lines)
        assert issued.invoice.tax_total == sum(line.tax_amount for line in lines)
        assert issued.invoice.total == issued.invoice.subtotal + issued.invoice.tax_total
        assert sum(tax.tax for tax in issued.totals.taxes) == issued.invoice.tax_total
        note = credit_notes.credit(
            session=session, invoice=draft, line_ids=None, reason="all", issued_by="t", now=now
        )
        assert note.invoice.total is not None
        assert issued.invoice.total + note.invoice.total == 0
        example.rollback()
