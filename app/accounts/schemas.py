from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.core.schemas import RequestModel
from app.core.types import OneLine
from app.users.models import Department
from app.users.schemas import UserSummary

Slug = Annotated[
    str,
    # Upper case is accepted and lowered: pydantic checks the pattern before `to_lower`.
    StringConstraints(
        strip_whitespace=True, to_lower=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
    ),
]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), OneLine]


class AccountCreate(RequestModel):
    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), OneLine
    ]
    slug: Slug | None = None
    domain: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=253), OneLine] | None
    ) = None
    industry: ShortText | None = None
    tier: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=32), OneLine] | None
    ) = None
    owner_handle: Annotated[str, Field(max_length=30), OneLine] | None = None
    crm_id: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=64), OneLine] | None
    ) = None
    confidential: bool = False


class AccountRef(BaseModel):
    slug: str
    name: str


class AccountRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    slug: str
    name: str
    domain: str | None
    industry: str | None
    tier: str | None
    crm_id: str | None
    confidential: bool
    owner: UserSummary | None
    created_at: datetime


class Contributor(BaseModel):
    user: UserSummary
    department: Department
    posts: int


class AccountDetail(AccountRead):
    team: list[UserSummary]
    contributors: list[Contributor]


class ImportRowError(BaseModel):
    row: int
    message: str


class ImportResult(BaseModel):
    created: int
    updated: int
    errors: list[ImportRowError]
