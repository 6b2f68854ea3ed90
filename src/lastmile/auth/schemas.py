"""API shapes for users, API keys and sign-in."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from lastmile.api.fields import PatchModel
from lastmile.auth.models import Role


class UserCreate(BaseModel):
    email: EmailStr
    name: str = Field(min_length=1, max_length=200)
    role: Role = Role.DISPATCHER
    password: str = Field(min_length=10, max_length=200)


class UserUpdate(PatchModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    role: Role | None = None
    active: bool | None = None
    password: str | None = Field(default=None, min_length=10, max_length=200)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    name: str
    role: Role
    active: bool
    created_at: datetime


class ApiKeyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    role: Role = Role.ADMIN


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    prefix: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The key itself: shown only in this response, keep it safe")


class Login(BaseModel):
    email: EmailStr
    password: str = Field(min_length=1, max_length=200)


class SignedIn(BaseModel):
    user: UserOut
    csrf_token: str = Field(description="Send it back as the X-CSRF-Token header on writes")


class Me(BaseModel):
    org_id: uuid.UUID
    role: Role
    actor: str
    user_id: uuid.UUID | None
