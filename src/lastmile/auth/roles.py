"""The roles a user or an API key holds (apart from the tables, so the command line can name
them without loading the database models)."""

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    DISPATCHER = "dispatcher"
    DRIVER = "driver"
