"""Database: engine, sessions, metadata and Alembic migrations (SQLite or PostgreSQL)."""

from lastmile.db.base import Base, OrgScoped, new_id, utcnow
from lastmile.db.engine import Database

__all__ = ["Base", "Database", "OrgScoped", "new_id", "utcnow"]
