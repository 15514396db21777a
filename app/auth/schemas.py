from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, EmailStr, Field

from app.core.schemas import RequestModel
from app.core.types import OneLine
from app.users.models import Department
from app.users.schemas import DisplayName, Handle, MeRead, Password


class TokenRequest(RequestModel):
    email: Annotated[str, Field(min_length=1, max_length=254), OneLine]
    password: Annotated[str, Field(min_length=1, max_length=256)]


class TokenRead(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"


class SignupRequest(RequestModel):
    email: EmailStr
    password: Password
    display_name: Annotated[DisplayName, OneLine]
    handle: Handle
    department: Department


class SignupRead(BaseModel):
    user: MeRead
    access_token: str
