"""invoices and credit notes: drafts, issued documents frozen by triggers, gapless counters

Once an invoice leaves draft, the database itself refuses an UPDATE of its amounts, number,
period, merchant or kind, a move back to draft or out of paid/void, any UPDATE of its lines,
and a DELETE of it or its lines (while its organisation exists: an organisation deleted takes
its rows, as the audit log's do since 0011). Status may still move issued → paid or void.

Revision ID: 0024_invoices_and_credit_notes
Revises: 0023_driverapp_code_check
Create Date: 2026-12-07 15:54:48.652397
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lastmile.db.types

revision: str = "0024_invoices_and_credit_notes"
down_revision: str | None = "0023_driverapp_code_check"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_FROZEN_COLUMNS = (
    "number",
    "kind",
    "merchant_id",
    "period_start",
    "period_end",
    "currency",
    "subtotal",
    "tax_total",
    "total",
    "credited_invoice_id",
    "issue_date",
    "org_id",
)
_MESSAGE = "invoice is issued and immutable"

_PG_INVOICES = f"""
CREATE FUNCTION invoices_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'draft' THEN
        RETURN COALESCE(NEW, OLD);
    END IF;
    IF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT 1 FROM organizations WHERE id = OLD.org_id) THEN
            RETURN OLD;
        END IF;
    ELSIF NOT ({" OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in _FROZEN_COLUMNS)}
               OR NEW.status = 'draft'
               OR (OLD.status <> 'issued' AND NEW.status IS DISTINCT FROM OLD.status)) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '{_MESSAGE}: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$
"""
_PG_LINES = f"""
CREATE FUNCTION invoice_lines_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM organizations WHERE id = OLD.org_id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '{_MESSAGE}: % of a line refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""
_SQLITE_TRIGGERS = (
    "CREATE TRIGGER invoices_issued_no_update BEFORE UPDATE ON invoices "
    "WHEN OLD.status <> 'draft' AND ("
    + " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _FROZEN_COLUMNS)
    + " OR NEW.status = 'draft' OR (OLD.status <> 'issued' AND NEW.status IS NOT OLD.status)) "
    f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}: UPDATE refused'); END",
    "CREATE TRIGGER invoices_issued_no_delete BEFORE DELETE ON invoices "
    "WHEN OLD.status <> 'draft' "
    "AND EXISTS (SELECT 1 FROM organizations WHERE organizations.id = OLD.org_id) "
    f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}: DELETE refused'); END",
    "CREATE TRIGGER invoice_lines_no_update BEFORE UPDATE ON invoice_lines "
    f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}: UPDATE of a line refused'); END",
    "CREATE TRIGGER invoice_lines_no_delete BEFORE DELETE ON invoice_lines "
    "WHEN EXISTS (SELECT 1 FROM organizations WHERE organizations.id = OLD.org_id) "
    f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}: DELETE of a line refused'); END",
)


def _create_guards() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_INVOICES)
        op.execute(_PG_LINES)
        op.execute(
            "CREATE TRIGGER invoices_issued_immutable BEFORE UPDATE OR DELETE ON invoices "
            "FOR EACH ROW EXECUTE FUNCTION invoices_refuse_change()"
        )
        op.execute(
            "CREATE TRIGGER invoice_lines_immutable BEFORE UPDATE OR DELETE ON invoice_lines "
            "FOR EACH ROW EXECUTE FUNCTION invoice_lines_refuse_change()"
        )
    else:
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)


def _drop_guards() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER invoice_lines_immutable ON invoice_lines")
        op.execute("DROP TRIGGER invoices_issued_immutable ON invoices")
        op.execute("DROP FUNCTION invoice_lines_refuse_change()")
        op.execute("DROP FUNCTION invoices_refuse_change()")
    else:
        for name in (
            "invoice_lines_no_delete",
            "invoice_lines_no_update",
            "invoices_issued_no_delete",
            "invoices_issued_no_update",
        ):
            op.execute(f"DROP TRIGGER {name}")


def upgrade() -> None:
    op.create_table(
        "invoice_counters",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("series", sa.String(length=8), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_invoice_counters_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_counters")),
        sa.UniqueConstraint(
            "org_id", "series", "year", name=op.f("uq_invoice_counters_org_id_series_year")
        ),
    )
    with op.batch_alter_table("invoice_counters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoice_counters_org_id"), ["org_id"], unique=False)

    op.create_table(
        "invoices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("merchant_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("subtotal", lastmile.db.types.Money(precision=14, scale=4), nullable=True),
        sa.Column("tax_total", lastmile.db.types.Money(precision=14, scale=4), nullable=True),
        sa.Column("total", lastmile.db.types.Money(precision=14, scale=4), nullable=True),
        sa.Column("credited_invoice_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("issue_date", sa.Date(), nullable=True),
        sa.Column("issued_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("issued_by", sa.String(length=320), nullable=True),
        sa.Column("paid_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("voided_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["credited_invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoices_credited_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_invoices_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_invoices_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("org_id", "number", name=op.f("uq_invoices_org_id_number")),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invoices_credited_invoice_id"), ["credited_invoice_id"], unique=False
        )
        batch_op.create_index(
            "ix_invoices_merchant_period", ["merchant_id", "period_start"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_invoices_org_id"), ["org_id"], unique=False)

    op.create_table(
        "invoice_lines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("charge_line_id", sa.Uuid(), nullable=True),
        sa.Column("credits_line_id", sa.Uuid(), nullable=True),
        sa.Column("tracking_number", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("quantity", lastmile.db.types.Money(precision=14, scale=4), nullable=False),
        sa.Column("unit_price", lastmile.db.types.Money(precision=14, scale=4), nullable=False),
        sa.Column("amount", lastmile.db.types.Money(precision=14, scale=4), nullable=False),
        sa.Column("tax_rate", lastmile.db.types.Money(precision=14, scale=4), nullable=False),
        sa.Column("tax_amount", lastmile.db.types.Money(precision=14, scale=4), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_lines_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_invoice_lines_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_lines")),
    )
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invoice_lines_charge_line_id"), ["charge_line_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_invoice_lines_credits_line_id"), ["credits_line_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_invoice_lines_invoice_id"), ["invoice_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_invoice_lines_org_id"), ["org_id"], unique=False)

    _create_guards()


def downgrade() -> None:
    _drop_guards()
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_lines_org_id"))
        batch_op.drop_index(batch_op.f("ix_invoice_lines_invoice_id"))
        batch_op.drop_index(batch_op.f("ix_invoice_lines_credits_line_id"))
        batch_op.drop_index(batch_op.f("ix_invoice_lines_charge_line_id"))

    op.drop_table("invoice_lines")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoices_org_id"))
        batch_op.drop_index("ix_invoices_merchant_period")
        batch_op.drop_index(batch_op.f("ix_invoices_credited_invoice_id"))

    op.drop_table("invoices")
    with op.batch_alter_table("invoice_counters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_counters_org_id"))

    op.drop_table("invoice_counters")
