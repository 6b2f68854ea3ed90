"""Delivery codes carry an offline check (salted PBKDF2-SHA256) the driver app can run.

Revision ID: 0023_driverapp_code_check
Revises: 0022_pay_cod
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_driverapp_code_check"
down_revision: str | None = "0022_pay_cod"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("delivery_codes", sa.Column("check_salt", sa.String(length=32), nullable=True))
    op.add_column("delivery_codes", sa.Column("check_pbkdf2", sa.String(length=64), nullable=True))
    op.add_column("delivery_codes", sa.Column("check_iterations", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("delivery_codes", schema=None) as batch_op:
        batch_op.drop_column("check_iterations")
        batch_op.drop_column("check_pbkdf2")
        batch_op.drop_column("check_salt")
