from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    username: str
    display_name: str | None = None
    avatar_url: str | None = None


class RecipientIn(BaseModel):
    email: EmailStr
    name: str | None = Field(default=None, max_length=100)
    capsule_id: UUID | None = None


class RecipientOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    email: str
    name: str | None
    status: str
    capsule_id: UUID | None
    recipient_user_id: UUID | None
    is_connected: bool = False


class CapsuleIn(BaseModel):
    title: str = Field(max_length=200)
    body: str = ""
    unlock_at: datetime


class CapsuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    title: str
    status: str
    unlock_at: datetime | None
    created_at: datetime
