"""webhooks queued before one body convention: `alert.opened` and `invoice.issued` messages
kept their `data` as the whole context; now every webhook queued with its own data keeps it
under `webhook_data` (`notify.outbox.queue_webhook`), so rows still waiting are moved to it.

Revision ID: 0028_webhook_data_context
Revises: 0027_route_stop_loaded
Create Date: 2026-12-07 19:30:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0028_webhook_data_context"
down_revision: str | None = "0027_route_stop_loaded"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EVENTS = ("alert.opened", "invoice.issued")
_KEY = "webhook_data"

_outbox = sa.table(
    "notification_outbox",
    sa.column("id", sa.Uuid()),
    sa.column("event", sa.String()),
    sa.column("endpoint_id", sa.Uuid()),
    sa.column("context", sa.JSON()),
)


def _rows() -> list[tuple[object, Any]]:
    found = op.get_bind().execute(
        sa.select(_outbox.c.id, _outbox.c.context).where(
            _outbox.c.event.in_(_EVENTS), _outbox.c.endpoint_id.is_not(None)
        )
    )
    return [(row.id, row.context) for row in found]


def upgrade() -> None:
    bind = op.get_bind()
    for id_, context in _rows():
        if _KEY not in (context or {}):
            bind.execute(
                _outbox.update().where(_outbox.c.id == id_).values(context={_KEY: context or {}})
            )


def downgrade() -> None:
    bind = op.get_bind()
    for id_, context in _rows():
        if context and _KEY in context:
            bind.execute(_outbox.update().where(_outbox.c.id == id_).values(context=context[_KEY]))
