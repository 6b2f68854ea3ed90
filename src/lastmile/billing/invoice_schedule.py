"""Closing a billing period: a draft for every merchant with uninvoiced charges in it, issued
too when asked (`lastmile billing close-period --issue`). A periodic job drafts last month's
invoices: its first run on the 1st (at each organisation's clock) makes them, later runs
make one for any merchant whose late charges have no draft yet, and never issue."""

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime

import anyio.to_thread
from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.audit import service as audit_log
from lastmile.audit.types import Action, Actor, system_actor
from lastmile.billing import invoices
from lastmile.billing.invoice_audit import invoice as invoice_subject
from lastmile.billing.invoice_audit import invoice_fields
from lastmile.billing.invoice_models import Invoice
from lastmile.billing.invoice_webhook import queue_invoice_issued
from lastmile.billing.models import ChargeLine, Merchant
from lastmile.db import Database, utcnow

log = logging.getLogger(__name__)

EVERY_S = 3600
FIRST_RUN_AFTER_S = 120


def previous_month(today: date) -> str:
    """`YYYY-MM` of the month before `today`'s.

    >>> previous_month(date(2027, 1, 1)), previous_month(date(2026, 12, 15))
    ('2026-12', '2026-11')
    """
    year, month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    return f"{year:04d}-{month:02d}"


@dataclass(frozen=True, slots=True)
class Closed:
    """One merchant's invoice for the period, as the closing left it."""

    view: invoices.InvoiceView
    made: bool
    issued: bool


def close_period(
    *,
    session: Session,
    org_id: uuid.UUID,
    period: str,
    issue: bool,
    actor: Actor,
    now: datetime,
) -> list[Closed]:
    """A draft (made when missing) for each merchant with uninvoiced charges in the month,
    issued when `issue`; each change audited as `actor`. The caller commits."""
    start, end = invoices.month_period(period)
    merchant_ids = session.scalars(
        select(ChargeLine.merchant_id)
        .distinct()
        .where(
            ChargeLine.org_id == org_id,
            ChargeLine.service_date >= start,
            ChargeLine.service_date <= end,
            ChargeLine.invoice_id.is_(None),
        )
    ).all()
    merchants = session.scalars(
        select(Merchant)
        .where(Merchant.org_id == org_id, Merchant.id.in_(merchant_ids))
        .order_by(Merchant.name)
    ).all()
    closed = []
    for merchant in merchants:
        draft, made = invoices.create_draft(
            session=session,
            org_id=org_id,
            merchant=merchant,
            period_start=start,
            period_end=end,
            created_by=actor.name,
        )
        if made:
            _audit(session, actor, Action.INVOICE_DRAFT, draft, merchant, None)
        seen = invoices.view(session=session, invoice=draft)
        if issue and seen.lines:
            before = invoice_fields(draft)
            seen = invoices.issue(session=session, invoice=draft, issued_by=actor.name, now=now)
            queue_invoice_issued(session=session, issued=seen)
            _audit(session, actor, Action.INVOICE_ISSUE, draft, merchant, before)
        closed.append(Closed(seen, made, issued=issue and bool(seen.lines)))
    return closed


def _audit(
    session: Session,
    actor: Actor,
    action: Action,
    invoice: Invoice,
    merchant: Merchant,
    before: dict[str, object] | None,
) -> None:
    audit_log.record(
        session=session,
        org_id=invoice.org_id,
        actor=actor,
        action=action,
        subject=invoice_subject(invoice, merchant.name),
        before=before,
        after=invoice_fields(invoice),
    )


def draft_last_months(session: Session, *, now: datetime) -> int:
    """Draft last month's invoices in every organisation with uninvoiced charges in it (at
    its own clock); how many drafts were made."""
    org_ids = session.scalars(
        select(ChargeLine.org_id).distinct().where(ChargeLine.invoice_id.is_(None))
    )
    made = 0
    for org_id in org_ids.all():
        today = invoices.local_today(session=session, org_id=org_id, now=now)
        closed = close_period(
            session=session,
            org_id=org_id,
            period=previous_month(today),
            issue=False,
            actor=system_actor("invoice-drafts"),
            now=now,
        )
        made += sum(1 for one in closed if one.made)
    return made


async def draft_invoices_loop(database: Database) -> None:
    """Draft a little after start-up, then every hour; a failed run is logged and the next
    one runs on time."""

    def run_once() -> int:
        with database.session(writes=True) as session:
            made = draft_last_months(session, now=utcnow())
            session.commit()
            return made

    await asyncio.sleep(FIRST_RUN_AFTER_S)
    while True:
        try:
            made = await anyio.to_thread.run_sync(run_once)
            if made:
                log.info("last month's invoices drafted: %d", made)
        except Exception:
            log.exception("drafting last month's invoices failed; trying again in %d s", EVERY_S)
        await asyncio.sleep(EVERY_S)
