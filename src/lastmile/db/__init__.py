"""Database: engine, sessions, metadata, running migrations (SQLite or PostgreSQL); the
migrations themselves are in `lastmile.migrations`, beside the table registry `lastmile.tables`."""

from lastmile.db.base import Base, OrgScoped, new_id, utcnow
from lastmile.db.engine import Database

__all__ = ["Base", "Database", "OrgScoped", "new_id", "utcnow"]
