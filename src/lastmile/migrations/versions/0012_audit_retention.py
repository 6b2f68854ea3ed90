"""audit retention: an organisation may keep its audit entries N days (default: forever)

`organization_settings.audit_retention_days` (NULL: kept forever). The append-only triggers
let a DELETE through only for an entry older than its organisation's retention, by the
database's own clock (or, as before, when the organisation itself is deleted); every other
UPDATE or DELETE is still refused.

Revision ID: 0012_audit_retention
Revises: 0011
Create Date: 2026-12-09 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_audit_retention"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PG_REFUSE = """
CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM organizations WHERE id = OLD.org_id) THEN
        RETURN OLD;  -- its organisation is being deleted: the entry goes with it
    END IF;
    IF TG_OP = 'DELETE' AND EXISTS (
        SELECT 1 FROM organization_settings s
        WHERE s.org_id = OLD.org_id AND s.audit_retention_days IS NOT NULL
          AND OLD.at < now() - make_interval(days => s.audit_retention_days)
    ) THEN
        RETURN OLD;  -- older than its organisation keeps entries: the retention sweep
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""
_PG_REFUSE_0011 = """
CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM organizations WHERE id = OLD.org_id) THEN
        RETURN OLD;  -- its organisation is being deleted: the entry goes with it
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""
_SQLITE_DELETE = (
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "WHEN EXISTS (SELECT 1 FROM organizations WHERE organizations.id = OLD.org_id) "
    "{unless}BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END"
)
# SQLite keeps times as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC, which sorts as datetime() does.
_UNLESS_EXPIRED = (
    "AND NOT EXISTS (SELECT 1 FROM organization_settings s "
    "WHERE s.org_id = OLD.org_id AND s.audit_retention_days IS NOT NULL "
    "AND OLD.at < datetime('now', '-' || s.audit_retention_days || ' days')) "
)


def upgrade() -> None:
    with op.batch_alter_table("organization_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("audit_retention_days", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_REFUSE)
    else:
        op.execute("DROP TRIGGER audit_log_no_delete")
        op.execute(_SQLITE_DELETE.format(unless=_UNLESS_EXPIRED))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_REFUSE_0011)
    else:
        op.execute("DROP TRIGGER audit_log_no_delete")
        op.execute(_SQLITE_DELETE.format(unless=""))
    with op.batch_alter_table("organization_settings", schema=None) as batch_op:
        batch_op.drop_column("audit_retention_days")
