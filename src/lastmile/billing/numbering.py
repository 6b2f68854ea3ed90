"""Invoice and credit note numbers: gapless per organisation, series and year.

Invoices are numbered `2026-000001`, `2026-000002`, …; credit notes have their own series,
`CN-2026-000001`, …, so neither sequence has holes where the other's documents are. A number
is taken by incrementing the series' counter row in the issuing transaction: on PostgreSQL
the UPDATE holds that row's lock until commit, so a second issue waits and then takes the next
number; on SQLite every writer holds the database's one write lock. An issue that rolls back
rolls the counter back with it, so no number is ever skipped or given twice.

>>> format_number("CN", 2026, 42)
'CN-2026-000042'
>>> format_number("INV", 2026, 1)
'2026-000001'
"""

import uuid
from typing import Final

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lastmile.billing.invoice_models import InvoiceCounter, InvoiceKind

SERIES: Final = {InvoiceKind.INVOICE: "INV", InvoiceKind.CREDIT_NOTE: "CN"}


def format_number(series: str, year: int, sequence: int) -> str:
    prefix = "" if series == "INV" else f"{series}-"
    return f"{prefix}{year}-{sequence:06d}"


def next_number(*, session: Session, org_id: uuid.UUID, kind: InvoiceKind, year: int) -> str:
    """Take the next number of the kind's series for `year` (in the caller's transaction)."""
    series = SERIES[kind]
    sequence = _increment(session, org_id, series, year)
    if sequence is None:
        _create_counter(session, org_id, series, year)
        sequence = _increment(session, org_id, series, year)
    assert sequence is not None, "the counter row exists now"
    return format_number(series, year, sequence)


def _increment(session: Session, org_id: uuid.UUID, series: str, year: int) -> int | None:
    return session.scalar(
        update(InvoiceCounter)
        .where(
            InvoiceCounter.org_id == org_id,
            InvoiceCounter.series == series,
            InvoiceCounter.year == year,
        )
        .values(last_number=InvoiceCounter.last_number + 1)
        .returning(InvoiceCounter.last_number)
        .execution_options(synchronize_session=False)
    )


def _create_counter(session: Session, org_id: uuid.UUID, series: str, year: int) -> None:
    """The year's first number: a concurrent first issue may insert the row first, which is
    fine (the unique constraint refuses ours and both then increment the one row)."""
    try:
        with session.begin_nested():
            session.add(InvoiceCounter(org_id=org_id, series=series, year=year, last_number=0))
    except IntegrityError:
        existing = session.scalar(
            select(InvoiceCounter.id).where(
                InvoiceCounter.org_id == org_id,
                InvoiceCounter.series == series,
                InvoiceCounter.year == year,
            )
        )
        if existing is None:
            raise
