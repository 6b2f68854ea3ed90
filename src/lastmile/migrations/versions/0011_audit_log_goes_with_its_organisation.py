"""audit log: an entry still refuses UPDATE and DELETE, but goes with its organisation

Deleting an organisation (offboarding a tenant, `lastmile demo --fresh`) deletes its rows,
audit log included; an entry on its own can still be neither changed nor deleted.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 10:20:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PG_REFUSE = """
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
_PG_REFUSE_ALWAYS = """
CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""
_SQLITE_DELETE = (
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "{when}BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END"
)
_WHILE_ITS_ORGANISATION_EXISTS = (
    "WHEN EXISTS (SELECT 1 FROM organizations WHERE organizations.id = OLD.org_id) "
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_REFUSE)
    else:
        op.execute("DROP TRIGGER audit_log_no_delete")
        op.execute(_SQLITE_DELETE.format(when=_WHILE_ITS_ORGANISATION_EXISTS))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_REFUSE_ALWAYS)
    else:
        op.execute("DROP TRIGGER audit_log_no_delete")
        op.execute(_SQLITE_DELETE.format(when=""))
