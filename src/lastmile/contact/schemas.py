"""API shapes of a customer thread, the same for the customer, the driver and the dispatcher."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from lastmile.contact.models import Party
from lastmile.contact.service import MAX_BODY, Shown
from lastmile.contact.window import ThreadState
from lastmile.driver.schemas import ActionIn

Body = Field(min_length=1, max_length=MAX_BODY, description="The message, 1 to 1000 characters")


class ThreadMessageOut(BaseModel):
    id: uuid.UUID
    shipment_id: uuid.UUID
    party: Party
    mine: bool = Field(description="Written by the party reading it")
    author: str = Field(description='"You", "Your driver Anna", "Customer", "Dispatcher"')
    body: str
    at: datetime
    recorded_at: datetime

    @classmethod
    def of(cls, message: Shown) -> "ThreadMessageOut":
        return cls.model_validate(message, from_attributes=True)


class DriverThreadMessageOut(ThreadMessageOut):
    tracking_number: str


class ThreadOut(BaseModel):
    open: bool
    closed_reason: str | None = Field(description="Why no message can be written now, in words")
    closes_at: datetime | None = Field(description="When an open thread closes, once known")
    messages: list[ThreadMessageOut]
    can_call: bool = Field(
        default=False,
        description="The driver may ask for a masked call: the customer left a phone number",
    )

    @classmethod
    def of(
        cls, state: ThreadState, messages: list[Shown], *, can_call: bool = False
    ) -> "ThreadOut":
        return cls(
            open=state.open,
            closed_reason=state.reason,
            closes_at=state.closes_at,
            messages=[ThreadMessageOut.of(m) for m in messages],
            can_call=can_call,
        )


class CustomerMessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Body
    client_id: uuid.UUID | None = Field(
        default=None, description="Made by the page; a resend with the same id counts once"
    )


class StaffMessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Body


class DriverMessageIn(ActionIn):
    body: str = Body


class CallOut(BaseModel):
    reference: str
    message: str
