"""Which hubs a caller may see, as a value the services filter their queries with.

A dispatcher may be limited to some hubs (`user_hubs`); another hub's things then answer 404
and stay out of lists, as if they did not exist. `hubs.access` works out a caller's scope.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, SQLColumnExpression

from lastmile.errors import NotFound


@dataclass(frozen=True, slots=True)
class HubScope:
    """`hub_ids` None: every hub of the organisation."""

    hub_ids: frozenset[uuid.UUID] | None = None

    @property
    def limited(self) -> bool:
        return self.hub_ids is not None

    def allows(self, hub_id: uuid.UUID | None) -> bool:
        """A thing of `hub_id` is visible (one with no hub only to those who see every hub)."""
        return self.hub_ids is None or hub_id in self.hub_ids

    def check(self, hub_id: uuid.UUID | None, what: str) -> None:
        """Raise NotFound naming `what` when the caller may not see it."""
        if not self.allows(hub_id):
            raise NotFound(f"no {what}")

    def where[Q: Select[*tuple[Any, ...]]](
        self, query: Q, hub_column: SQLColumnExpression[Any]
    ) -> Q:
        """`query` kept to rows whose `hub_column` is one of the caller's hubs (rows with no
        hub left out); unchanged for a caller who sees every hub."""
        if self.hub_ids is None:
            return query
        return query.where(hub_column.in_(self.hub_ids))


EVERY_HUB = HubScope()
"""The scope of admins, API keys and the system's own work."""
