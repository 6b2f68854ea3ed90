"""Actors as people read them: the tags stored with a timeline event (`driver:<id>`,
`user:<email>`, `api-key:<name>`, `system:<job>`, `recipient`) and the users behind audit
entries, turned into names with one query per kind."""

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from lastmile.auth.models import User
from lastmile.fleet.models import Driver

CUSTOMER = "Customer"
SYSTEM = "System"
_CUSTOMER_TAGS = frozenset({"recipient", "customer"})
_SYSTEM_TAGS = frozenset({"system", "demo"})  # `demo`: the orders the demo seeds


def _driver_id(tag: str) -> uuid.UUID | None:
    kind, _, rest = tag.partition(":")
    if kind != "driver":
        return None
    try:
        return uuid.UUID(rest)
    except ValueError:
        return None


def user_names(
    *, session: Session, org_id: uuid.UUID, user_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """Each user's name, by id (a user of another organisation is not found)."""
    wanted = set(user_ids)
    if not wanted:
        return {}
    rows = session.execute(
        select(User.id, User.name).where(User.org_id == org_id, User.id.in_(wanted))
    )
    return dict(rows.all())


def event_actor_names(
    *, session: Session, org_id: uuid.UUID, tags: Iterable[str]
) -> dict[str, str]:
    """Each actor tag as a person reads it: a driver's or user's name, "API key <name>",
    "Customer", "System"; a tag of no known kind stays as it is.

    A driver or user no longer found reads "Driver" or the user's email: never a bare id.
    """
    distinct = set(tags)
    drivers = {tag: found for tag in distinct if (found := _driver_id(tag)) is not None}
    emails = {tag: tag.partition(":")[2] for tag in distinct if tag.startswith("user:")}
    driver_names: dict[uuid.UUID, str] = {}
    if drivers:
        rows = session.execute(
            select(Driver.id, Driver.name).where(
                Driver.org_id == org_id, Driver.id.in_(set(drivers.values()))
            )
        )
        driver_names = dict(rows.all())
    names_by_email: dict[str, str] = {}
    if emails:
        by_email = session.execute(
            select(User.email, User.name).where(
                User.org_id == org_id, User.email.in_(set(emails.values()))
            )
        )
        names_by_email = dict(by_email.all())
    named: dict[str, str] = {}
    for tag in distinct:
        kind, _, rest = tag.partition(":")
        if tag in drivers:
            named[tag] = driver_names.get(drivers[tag], "Driver")
        elif tag in emails:
            named[tag] = names_by_email.get(rest) or rest
        elif kind == "api-key":
            named[tag] = f"API key {rest}"
        elif kind in _SYSTEM_TAGS:
            named[tag] = SYSTEM
        elif tag in _CUSTOMER_TAGS:
            named[tag] = CUSTOMER
        else:
            named[tag] = tag
    return named
