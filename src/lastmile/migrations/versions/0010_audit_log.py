"""audit log (append-only: UPDATE, DELETE and TRUNCATE refused by triggers)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lastmile.db.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PG_REFUSE = """
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", lastmile.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_type", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_name", sa.String(length=320), nullable=False),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=100), nullable=False),
        sa.Column("subject_label", sa.String(length=320), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_audit_log_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            "ix_audit_log_org_subject", ["org_id", "subject_type", "subject_id"], unique=False
        )
        batch_op.create_index("ix_audit_log_org_actor", ["org_id", "actor_id"], unique=False)

    # Append-only in the database too, not only in our code: a stray UPDATE or DELETE (a
    # script, a console session) is refused. (0011 lets the entries go with their
    # organisation when the organisation itself is deleted.)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_REFUSE)
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()"
        )
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{operation.lower()} BEFORE {operation} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: {operation} refused'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_refuse_change()")
    else:
        op.execute("DROP TRIGGER audit_log_no_delete")
        op.execute("DROP TRIGGER audit_log_no_update")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_org_actor")
        batch_op.drop_index("ix_audit_log_org_subject")
        batch_op.drop_index(batch_op.f("ix_audit_log_org_id"))

    op.drop_table("audit_log")
