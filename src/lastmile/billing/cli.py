"""`lastmile billing …`: closing a billing period from the command line. The heavy imports
(the database, billing's services) happen inside the command, so `lastmile --help` stays fast."""

import uuid
from typing import Annotated

import typer

billing_app = typer.Typer(no_args_is_help=True)


@billing_app.command("close-period")
def close_period(
    period: Annotated[
        str | None,
        typer.Option(help="The month, YYYY-MM (default: last month at each organisation's clock)"),
    ] = None,
    issue: Annotated[bool, typer.Option("--issue", help="Issue the drafts too")] = False,
    org: Annotated[
        uuid.UUID | None, typer.Option("--org", help="Only this organisation (default: all)")
    ] = None,
) -> None:
    """Draft (and with --issue, issue) each merchant's invoice for a month."""
    from sqlalchemy import select

    from lastmile.audit.types import system_actor
    from lastmile.auth.models import Organization
    from lastmile.billing import invoices
    from lastmile.billing.invoice_schedule import close_period as close
    from lastmile.billing.invoice_schedule import previous_month
    from lastmile.billing.money import format_money
    from lastmile.config import Settings
    from lastmile.db import Database, utcnow
    from lastmile.db.migrate import upgrade
    from lastmile.errors import InvalidInput

    if period is not None:
        try:
            invoices.month_period(period)
        except InvalidInput as error:
            raise typer.BadParameter(error.errors[0].message, param_hint="--period") from None
    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database.from_url(settings.resolved_database_url)
    upgrade(database.engine)
    now = utcnow()
    try:
        with database.session(writes=True) as session:
            query = select(Organization).order_by(Organization.name)
            if org is not None:
                query = query.where(Organization.id == org)
            organisations = session.scalars(query).all()
            if org is not None and not organisations:
                raise typer.BadParameter(f"no organisation {org}", param_hint="--org")
            for organisation in organisations:
                month = period or previous_month(
                    invoices.local_today(session=session, org_id=organisation.id, now=now)
                )
                closed = close(
                    session=session,
                    org_id=organisation.id,
                    period=month,
                    issue=issue,
                    actor=system_actor("cli:close-period"),
                    now=now,
                )
                for one in closed:
                    invoice, totals = one.view.invoice, one.view.totals
                    typer.echo(
                        f"{organisation.name} · {one.view.merchant.name} · {month} · "
                        f"{invoice.number or 'draft'} · {len(one.view.lines)} lines · "
                        f"{format_money(totals.total, invoice.currency)}"
                    )
                if not closed:
                    typer.echo(f"{organisation.name} · {month} · nothing to invoice")
            session.commit()
    finally:
        database.engine.dispose()
