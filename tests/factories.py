"""Typed helpers that build test data through the real services and the real API."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import service as auth
from app.core.db import transaction
from app.users import service as users
from app.users.models import Department, Role, User
from app.users.schemas import UserCreate

PASSWORD = "correct horse battery"
_seq = count(1)


@dataclass
class Person:
    id: int
    handle: str
    email: str
    token: str
    department: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def new_user(
    session: AsyncSession,
    handle: str | None = None,
    *,
    department: Department = Department.sales,
    admin: bool = False,
    lead: bool = False,
    password: str | None = None,
) -> User:
    """A user, created through the users service in `session` (service-level tests)."""
    handle = handle or f"user{next(_seq)}"
    return await users.create(
        session,
        data=UserCreate(
            email=f"{handle}@example.com",
            password=password,
            display_name=handle.title(),
            handle=handle,
            department=department,
            role=Role.admin if admin else Role.member,
            is_lead=lead,
        ),
    )


async def make_user(
    app: FastAPI,
    handle: str | None = None,
    *,
    department: Department = Department.sales,
    admin: bool = False,
    lead: bool = False,
    password: str | None = None,
) -> Person:
    """A user with a live API token, created through the users and auth services."""
    async with transaction(app.state.sessionmaker) as session:
        user = await new_user(
            session, handle, department=department, admin=admin, lead=lead, password=password
        )
        token = await auth.issue_token(session, user=user, ttl_hours=1)
    return Person(user.id, user.handle, user.email, token, department.value)


async def api(
    client: httpx.AsyncClient,
    who: Person | None,
    method: str,
    url: str,
    expect: int | None = None,
    **kwargs: Any,
) -> Any:
    """Call the API as `who`; check the status when `expect` is given; return the JSON."""
    headers = who.headers if who else {}
    response = await client.request(method, url, headers=headers, **kwargs)
    if expect is not None:
        assert response.status_code == expect, (response.status_code, response.text)
    if response.status_code == 204 or not response.content:
        return None
    return response.json()


async def signup(
    client: httpx.AsyncClient, prefix: str = "u", *, department: str = "sales"
) -> Person:
    """A user signed up through the HTTP API (a server in another process: the live tests)."""
    handle = f"{prefix}{next(_seq)}"
    body = await api(
        client,
        None,
        "POST",
        "/api/v1/auth/signup",
        201,
        json={
            "email": f"{handle}@example.com",
            "password": PASSWORD,
            "display_name": handle.title(),
            "handle": handle,
            "department": department,
        },
    )
    user = body["user"]
    return Person(user["id"], user["handle"], user["email"], body["access_token"], department)


async def make_account(
    client: httpx.AsyncClient, who: Person, name: str, **fields: Any
) -> dict[str, Any]:
    result: dict[str, Any] = await api(
        client, who, "POST", "/api/v1/accounts", 201, json={"name": name, **fields}
    )
    return result


async def make_post(
    client: httpx.AsyncClient, who: Person, body: str, **fields: Any
) -> dict[str, Any]:
    result: dict[str, Any] = await api(
        client, who, "POST", "/api/v1/posts", 201, json={"body": body, **fields}
    )
    return result
