from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.deps import AdminUser, CurrentUser
from app.core.deps import DbSession
from app.core.pagination import Page, PageQuery
from app.core.types import OneLine
from app.users import service
from app.users.models import Department
from app.users.schemas import UserCreate, UserRead, UserUpdate

router = APIRouter(prefix="/api/v1/users", tags=["users"])


@router.get("")
async def list_users(
    session: DbSession,
    _user: CurrentUser,
    page: PageQuery,
    q: Annotated[str | None, Query(max_length=100), OneLine] = None,
    department: Department | None = None,
) -> Page[UserRead]:
    rows, cursor = await service.list_users(
        session, q=q, department=department.value if department else None, page=page
    )
    return Page(items=[UserRead.model_validate(u) for u in rows], next_cursor=cursor)


@router.get("/{handle}")
async def get_user(handle: str, session: DbSession, _user: CurrentUser) -> UserRead:
    return UserRead.model_validate(await service.get(session, handle=handle))


@router.post("", status_code=201)
async def create_user(body: UserCreate, session: DbSession, _admin: AdminUser) -> UserRead:
    return UserRead.model_validate(await service.create(session, data=body))


@router.patch("/{handle}")
async def update_user(
    handle: str, body: UserUpdate, session: DbSession, admin: AdminUser
) -> UserRead:
    """Admins only: someone's role, department, whether they lead it (leads sign
    agreements), and whether they may sign in (`active: false` signs them out everywhere)."""
    user = await service.get_any(session, handle=handle)
    return UserRead.model_validate(await service.update(session, admin=admin, user=user, data=body))
