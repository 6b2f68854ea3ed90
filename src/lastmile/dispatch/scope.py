"""Which drivers a hub scope sees. A driver has no hub of their own: they belong to the hubs
whose routes they drove (any day), so a dispatcher limited to some hubs sees those drivers,
and a driver who never drove from them answers 404."""

import uuid
from typing import Any

from sqlalchemy import Select, SQLColumnExpression, select
from sqlalchemy.orm import Session

from lastmile.dispatch.models import Route
from lastmile.errors import NotFound
from lastmile.fleet.models import Driver
from lastmile.fleet.service import get_driver
from lastmile.hubs.scope import HubScope


def where_driver[Q: Select[*tuple[Any, ...]]](
    scope: HubScope, query: Q, driver_column: SQLColumnExpression[Any]
) -> Q:
    """`query` kept to rows of drivers who drove a route from the scope's hubs; unchanged for
    a caller who sees every hub."""
    if not scope.limited:
        return query
    return query.where(driver_column.in_(scope.where(select(Route.driver_id), Route.hub_id)))


def get_scoped_driver(
    *, session: Session, org_id: uuid.UUID, driver_id: uuid.UUID, scope: HubScope
) -> Driver:
    """The driver, or NotFound (also for one who never drove from the scope's hubs)."""
    driver = get_driver(session=session, org_id=org_id, driver_id=driver_id)
    seen = where_driver(scope, select(Driver.id).where(Driver.id == driver.id), Driver.id)
    if session.scalar(seen) is None:
        raise NotFound(f"no driver {driver_id}")
    return driver
