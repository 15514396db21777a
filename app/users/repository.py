from __future__ import annotations

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.users.models import User


async def by_handle(session: AsyncSession, handle: str) -> User | None:
    return await session.scalar(select(User).where(User.handle == handle.lower()))


async def by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(func.lower(User.email) == email.lower()))


async def by_handles(session: AsyncSession, handles: list[str]) -> list[User]:
    if not handles:
        return []
    return list(await session.scalars(select(User).where(User.handle.in_(handles))))


def search(*, q: str | None, department: str | None, deactivated_too: bool = False) -> Select[User]:
    """People by a text in their name or handle and by department; only active ones unless
    `deactivated_too` (the admin page)."""
    stmt = select(User) if deactivated_too else select(User).where(User.is_active.is_(True))
    if q:
        stmt = stmt.where(
            or_(
                User.display_name.icontains(q, autoescape=True),
                User.handle.icontains(q, autoescape=True),
            )
        )
    if department:
        stmt = stmt.where(User.department == department)
    return stmt
