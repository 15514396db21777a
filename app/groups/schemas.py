from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from app.accounts.schemas import Slug
from app.core.schemas import RequestModel
from app.core.types import OneLine
from app.users.schemas import UserSummary


class GroupCreate(RequestModel):
    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120), OneLine
    ]
    slug: Slug | None = None
    private: bool = False


class GroupRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    slug: str
    name: str
    private: bool


class GroupRead(GroupRef):
    id: int
    member_count: int
    is_member: bool
    created_at: datetime


class GroupDetail(GroupRead):
    members: list[UserSummary]
