"""API shapes for hubs."""

import re
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from lastmile.api.fields import Latitude, Longitude, PatchModel, TimeZoneName

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


Span = Annotated[list[str], Field(min_length=2, max_length=2, description="[opens, closes]")]


def _check_hours(hours: dict[str, list[list[str]]]) -> dict[str, list[list[str]]]:
    for day, spans in hours.items():
        if day not in WEEKDAYS:
            raise ValueError(f"{day!r} is not a weekday: use {', '.join(WEEKDAYS)}")
        for opens, closes in spans:
            for value in (opens, closes):
                if not _HHMM.match(value):
                    raise ValueError(f"{day}: {value!r} is not a time of day as HH:MM")
            if opens >= closes:
                raise ValueError(f"{day}: opens at {opens} but closes at {closes}")
    return hours


OpeningHours = Annotated[
    dict[str, list[Span]],
    AfterValidator(_check_hours),
    Field(examples=[{"mon": [["08:00", "18:00"]], "sat": [["09:00", "13:00"]]}]),
]


class HubCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=200)
    address: str = Field(default="", max_length=500)
    lat: Latitude
    lon: Longitude
    timezone: TimeZoneName = "UTC"
    opening_hours: OpeningHours = {}


class HubUpdate(PatchModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    address: str | None = Field(default=None, max_length=500)
    lat: Latitude | None = None
    lon: Longitude | None = None
    timezone: TimeZoneName | None = None
    opening_hours: OpeningHours | None = None


class HubOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    address: str
    lat: float
    lon: float
    timezone: str
    opening_hours: dict[str, list[list[str]]]
    created_at: datetime


class UserHubs(BaseModel):
    """The hubs a user is limited to; empty: every hub of the organisation."""

    hub_ids: list[uuid.UUID] = Field(max_length=1000)
