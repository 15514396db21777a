from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from app.core.schemas import RequestModel
from app.core.types import MultiLine, OneLine
from app.users.models import Department, Role

Handle = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[A-Za-z0-9_]{2,30}$")
]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Password = Annotated[
    str,
    Field(
        min_length=8,
        max_length=256,
        description=(
            "Hard to guess (a 422 `weak_password` otherwise): not a common password or a "
            "simple variant of one, and not the handle or the email's name."
        ),
    ),
]


class UserSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    handle: str
    display_name: str
    department: Department


class UserRead(UserSummary):
    title: str | None
    bio: str | None
    role: Role
    is_lead: bool
    created_at: datetime


class MeRead(UserRead):
    email: str


class UserCreate(RequestModel):
    email: EmailStr
    password: Password | None = None
    display_name: Annotated[DisplayName, OneLine]
    handle: Handle
    department: Department
    role: Role = Role.member
    is_lead: bool = False
    title: Annotated[str, Field(max_length=120), OneLine] | None = None
    bio: Annotated[str, Field(max_length=2000), MultiLine] | None = None


class UserUpdate(RequestModel):
    """What an admin changes about someone; a field left out stays as it is."""

    role: Role | None = None
    department: Department | None = None
    is_lead: bool | None = None
    active: bool | None = None
